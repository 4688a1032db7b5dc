-- Iterators over list operations (DESIGN §4): page after page by
-- limit/offset, whatever the envelope, holding one page at a time. A page
-- that fails (after retries) raises its error object, so that a failure is
-- never mistaken for the end of the list.
local request = require("signals.request")
local validate = require("signals.validate")

local type, pairs, error = type, pairs, error

local paging = {}

function paging.pages(client, op, params, opts)
  local args = {}
  for name, value in pairs(params or {}) do args[name] = value end
  -- Operations answering a bare array (scoring) have no offset: one page.
  local pageable = validate.field(op, "offset") ~= nil
  local offset = args.offset or 0
  local first, done = true, false
  return function()
    if done then return nil end
    if pageable then args.offset = offset end
    local page, err = request.call(client, op, args, opts)
    if not page then
      done = true
      error(err, 0)
    end
    local count = #page.items
    offset = offset + count
    local total = page.total
    done = not pageable or count == 0 or page.has_more == false
      or (type(total) == "number" and offset >= total)
    -- An empty first page still tells the total; a later one only ends the list.
    if count == 0 and not first then return nil end
    first = false
    return page
  end
end

function paging.paginate(client, op, params, opts)
  local next_page = paging.pages(client, op, params, opts)
  local items, index = nil, 0
  return function()
    while true do
      if items and index < #items then
        index = index + 1
        return items[index]
      end
      local page = next_page()
      if not page then return nil end
      items, index = page.items, 0
    end
  end
end

return paging

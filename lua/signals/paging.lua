-- Iterators over list operations (CONTRACT §4): page after page by
-- limit/offset, whatever the envelope, holding one page at a time. A page
-- that fails (after retries) raises its error object, so that a failure is
-- never mistaken for the end of the list.
--
-- Whether another page follows is the page's own has_more (the core decides
-- it from the envelope: hasMore, else total, else a full page), checked for
-- progress: an empty page ends the list (asking again at the same offset
-- would get it again), and a page that does not move on raises an error
-- object of kind "decode" rather than loop forever: its envelope says
-- another offset than the one asked for, or its items are those of the page
-- before (the same ids, or the same JSON where items have no id).
local core = require("signals.core")
local request = require("signals.request")
local validate = require("signals.validate")

local type, pairs, tostring, error = type, pairs, tostring, error
local concat = table.concat
local format = string.format

local paging = {}

-- What tells a page's items apart from another page's.
local function identity(items)
  local parts = {}
  for i = 1, #items do
    local item = items[i]
    local object = core.kind(item) ~= nil
    local id = object and item.id
    if type(id) ~= "string" and type(id) ~= "number" then
      id = object and item:json() or core.encode(item) or tostring(item)
    end
    parts[i] = tostring(id)
  end
  return concat(parts, "\n")
end

local function no_progress(op, message)
  return core.error{ kind = "decode", method = op.method,
                     message = format("paging %s made no progress: %s", op.name, message) }
end

function paging.pages(client, op, params, opts)
  local args = {}
  for name, value in pairs(params or {}) do args[name] = value end
  -- Operations answering a bare array (scoring) have no offset: one page.
  local pageable = validate.field(op, "offset") ~= nil
  local offset = args.offset or 0
  local first, done, last_offset, last_items = true, false, nil, nil
  local function stop(err)
    done = true
    error(err, 0)
  end
  return function()
    if done then return nil end
    if pageable then args.offset = offset end
    local page, err = request.call(client, op, args, opts)
    if not page then stop(err) end
    local items = page.items
    local count = #items
    done = not pageable or count == 0 or not page.has_more
    if pageable and count > 0 then
      if type(page.offset) == "number" and page.offset ~= offset then
        stop(no_progress(op, format("asked for offset %s, the page says %s", tostring(offset),
          tostring(page.offset))))
      end
      local seen = identity(items)
      if seen == last_items then
        stop(no_progress(op, format("the page at offset %s repeats the page at offset %s",
          tostring(offset), tostring(last_offset))))
      end
      last_offset, last_items = offset, seen
      offset = offset + count
    end
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

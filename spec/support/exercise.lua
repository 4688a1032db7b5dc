-- Uses everything a decoded value offers (an object, a page, or a Lua
-- array of them) and checks what must hold whatever bytes it was decoded
-- from; a failed check raises an error. Shared by spec/decode_fault_spec.lua
-- (require("support.exercise")) and the fuzz harnesses (fuzz/targets.lua
-- loads it by its path), so that both hold the core to the same rules.
-- Runs on Lua 5.1 (LuaJIT) to 5.4.
local core = require("signals.core")

local type, tostring, ipairs, error = type, tostring, ipairs, error
local find, format, sub = string.find, string.format, string.sub

local exercise = {}

function exercise.check(ok, what, ...)
  if not ok then error(format(what, ...), 2) end
end
local check = exercise.check

-- One line of text: no control characters.
function exercise.is_line(s)
  return type(s) == "string" and not find(s, "[%z\1-\31\127]")
end
local is_line = exercise.is_line

-- What every error object offers.
function exercise.error_object(err)
  local line = tostring(err)
  check(is_line(line) and #line > 0, "tostring(err) is not one line: %q", line)
  check(type(err.message) == "string" and err.message ~= "", "error without message")
  check(type(err:totable()) == "table", "err:totable() is not a table")
end

-- The JSON text of a decoded value decodes again, as the same kind, and
-- prints the same: :json() writes what the parser reads, byte for byte.
local function check_json(value, kind)
  local text = value:json()
  check(type(text) == "string", "json() is not a string")
  local again, message
  if kind == "page" then
    again, message = core.decode_page(text)
  else
    again, message = core.decode(text, kind)
  end
  check(again ~= nil, "json() does not decode again (%s): %q", tostring(message), sub(text, 1, 200))
  check(again:json() == text, "json() of the decoded json() differs: %q", sub(text, 1, 200))
end

function exercise.value(value)
  local kind = core.kind(value)
  if kind == nil then
    if type(value) == "table" then
      for _, v in ipairs(value) do exercise.value(v) end
    end
    return
  end
  local line = tostring(value)
  check(is_line(line), "tostring is not one line: %q", line)
  check_json(value, kind)
  check(type(value:totable()) == "table", "totable() is not a table")
  core.encode(value:totable())
  if kind == "page" then
    local _ = value.total, value.limit, value.offset, value.count, value.salesNavConnected
    check(type(value.has_more) == "boolean", "has_more is not a boolean")
    check(#value == #value.items, "#page differs from #page.items")
    for _, item in ipairs(value.items) do exercise.value(item) end
  else
    local _ = value.id, value.status, value.answer, value.sources, value.retryable
    if kind == "signal" then
      value:value()
    end
    if kind == "signal" or kind == "contact_research" then
      local failure = value:failure()
      if failure then
        check(failure.kind == "signal", "failure() of kind %s", tostring(failure.kind))
        exercise.error_object(failure)
      end
    end
  end
end

return exercise

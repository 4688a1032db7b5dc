-- What each harness does with an input: call signals.core's decoder on it
-- and use everything the result offers (spec/support/exercise.lua),
-- checking what must hold whatever the bytes. A raise here (a failed check,
-- or the core raising on data) is a crash for libFuzzer. Loaded by
-- fuzz_lua.c with signals.core preloaded.
local core = require("signals.core")

-- The checks every decoded value must pass, shared with
-- spec/decode_fault_spec.lua: loaded by path, from this file's directory.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local shared = dofile(here .. "/../spec/support/exercise.lua")

local type, tostring, pairs, ipairs, select = type, tostring, pairs, ipairs, select
local floor = math.floor
local byte, find, sub = string.byte, string.find, string.sub

local check, is_line, exercise = shared.check, shared.is_line, shared.value
local check_error_object = shared.error_object

local targets = {}

local KINDS = { "signal", "contact_research", "contact", "object" }
-- A fixed clock, so that a crash replays exactly (2026-06-20T00:00:00Z).
local NOW = 1781913600

-- One decode: nil and a message, or a value that works.
local function decoded(value, message)
  if value == nil then
    check(type(message) == "string" and message ~= "", "refused without a message")
  else
    check(message == nil, "a value and a message")
    exercise(value)
  end
  return value
end

-- JSON to objects: core.decode with a kind and core.decode_page with a
-- request's limit and offset, all chosen by the input's length so that the
-- bytes themselves stay JSON.
function targets.decode(data)
  local n = #data
  decoded(core.decode(data, KINDS[n % #KINDS + 1]))
  local limit = n % 3 == 0 and nil or n % 26
  decoded(core.decode_page(data, KINDS[floor(n / 4) % #KINDS + 1], limit, n % 7 == 0 and nil or n % 50))
end

-- The answer unwrapping: the input as a whole signal, and as the value of
-- a signal's "answer" member.
function targets.answer(data)
  decoded(core.decode(data, "signal"))
  decoded(core.decode('{"status":"completed","answer":' .. data .. '}', "signal"))
end

local function check_wait(seconds)
  check(seconds == nil or (type(seconds) == "number" and seconds >= 0 and seconds < 1 / 0),
        "retry_after gave %s", tostring(seconds))
  return seconds
end

-- Error bodies. Input: two bytes of status (100..599), the content type up
-- to the first newline, then the body.
function targets.error_body(data)
  local hi, lo = byte(data, 1, 2)
  local status = 100 + ((hi or 0) * 256 + (lo or 0)) % 500
  local rest = sub(data, 3)
  local cut = find(rest, "\n", 1, true)
  local content_type = cut and sub(rest, 1, cut - 1) or nil
  local body = cut and sub(rest, cut + 1) or rest
  local fields = core.classify_error(status, body, content_type)
  check(is_line(fields.message) and fields.message ~= "", "message is not one line: %q",
        tostring(fields.message))
  check(#fields.message <= 2100, "message of %d bytes", #fields.message)
  check_wait(fields.retry_after)
  -- Text fields are one line; details are the body's own JSON, passed through.
  for name, value in pairs(fields) do
    if type(value) == "string" and name ~= "details" then check(is_line(value), "%s is not one line", name) end
  end
  if fields.fields ~= nil then
    for _, field in ipairs(fields.fields) do
      check(field.message == nil or is_line(field.message), "a field message is not one line")
    end
  end
  fields.kind, fields.status = "http", status
  check_error_object(core.error(fields))
end

-- Response headers (see headers.c): the table the transport returns, and
-- the waits read from it and from the raw text.
function targets.headers(data, res)
  check(type(res.status) == "number" and type(res.body) == "string", "bad response table")
  for name, value in pairs(res.headers) do
    check(name ~= "" and not find(name, "[A-Z:%z]"), "header name %q", name)
    check(not find(value, "^[ \t]") and not find(value, "[ \t]$"), "untrimmed value %q", value)
  end
  local h = res.headers
  check_wait(core.retry_after(nil, h["retry-after"], h["x-ratelimit-reset"], NOW))
  check_wait(core.retry_after(h["retry-after"], nil, nil, NOW))
  check_wait(core.retry_after(nil, data, nil, NOW))
  check_wait(core.retry_after(data, data, data, NOW))
  check_wait(core.retry_after(nil, nil, data, NOW))
  check(select("#", core.retry_after()) == 1, "retry_after without arguments")
end

return targets

--- Converters of the command line's numeric options: a value out of range
-- is a usage error (exit 2) when the arguments are parsed, before any
-- request, rather than a failure halfway through a run.
-- @module signals.cli.convert
local tonumber = tonumber
local floor, huge = math.floor, math.huge

local convert = {}

--- A whole number of at least 1 (counts: attempts, concurrency, --max).
function convert.positive_integer(text)
  local n = tonumber(text)
  if n and n >= 1 and n < huge and n == floor(n) then return n end
  return nil, "'" .. text .. "' is not a positive integer"
end

--- A non-negative number of seconds (fractions allowed).
function convert.seconds(text)
  local n = tonumber(text)
  if n and n >= 0 and n < huge then return n end
  return nil, "'" .. text .. "' is not a number of seconds"
end

--- A number of seconds above 0 (an interval between polls).
function convert.positive_seconds(text)
  local n = tonumber(text)
  if n and n > 0 and n < huge then return n end
  return nil, "'" .. text .. "' is not a positive number of seconds"
end

return convert

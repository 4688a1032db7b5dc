-- RFC 3339 times as the API writes them (`2026-06-20T09:14:03Z`, fractions
-- and offsets allowed) to Unix seconds: the answer cache ages answers by
-- `completedAt`, the queue finds a signal by `createdAt`.
local tonumber, type = tonumber, type
local floor = math.floor
local match = string.match

local time = {}

-- Days since 1970-01-01 of a proleptic Gregorian date.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- Unix seconds (whole: fractions are dropped), or nil for anything else.
function time.unix(text)
  if type(text) ~= "string" then return nil end
  local y, mo, d, h, mi, s, rest = match(text,
    "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)%.?%d*(.*)$")
  if not y then return nil end
  local offset = 0
  if rest ~= "Z" and rest ~= "z" then
    local sign, oh, om = match(rest, "^([%+%-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
  end
  return days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - offset
end

return time

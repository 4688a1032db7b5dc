-- The API key out of everything the library shows: hook payloads and error
-- objects (CONTRACT §7). A server or proxy may echo the request back in a
-- body or a header, whole, cut or encoded; the key must not come out
-- through that door either.
local core = require("signals.core")

local pairs, type = pairs, type
local lower, sub = string.lower, string.sub

local redact = {}

local scrub = core.scrub

-- What hooks may see of the key: its first three and last four characters,
-- or nothing when it is too short for that to hide it.
local function shown_authorization(api_key)
  if api_key and #api_key >= 16 then
    return "Bearer " .. sub(api_key, 1, 3) .. "…" .. sub(api_key, -4)
  end
  return "[REDACTED]"
end

--- A copy of request headers for a hook: the Authorization header shown
-- as its first and last characters only.
function redact.headers(headers, api_key)
  local shown = {}
  for name, value in pairs(headers) do
    shown[name] = lower(name) == "authorization" and shown_authorization(api_key) or value
  end
  return shown
end

--- A copy of a value (a string, or a table of them: details, fields,
-- headers) with every trace of the key out of every string in it, names
-- included: eight or more of its characters in a row, as they are, in
-- base64 or percent-encoded (core.scrub), so that a key cut short by an
-- excerpt or encoded by a proxy does not come out either.
function redact.value(value, api_key)
  if type(value) == "string" then return api_key and scrub(value, api_key) or value end
  if type(value) ~= "table" then return value end
  local copy = {}
  for k, v in pairs(value) do copy[redact.value(k, api_key)] = redact.value(v, api_key) end
  return copy
end

--- The key out of every field of an error table (code, request_id, action
-- may repeat what the server sent as well as the message).
function redact.error(err, api_key)
  if not api_key then return end
  for name, value in pairs(err) do err[name] = redact.value(value, api_key) end
end

return redact

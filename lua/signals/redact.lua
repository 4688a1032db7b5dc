-- The API key out of everything the library shows: hook payloads and error
-- objects (CONTRACT §7). A server or proxy may echo the request back in an
-- error body or a header; the key must not come out through that door
-- either.
local pairs, type = pairs, type
local concat = table.concat
local find, lower, sub = string.find, string.lower, string.sub

local redact = {}

-- Keys shorter than real ones (sk_live_ and more) would only mangle
-- ordinary words.
local MIN_SCRUBBED_KEY = 8

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

local function without_key(text, api_key)
  if type(text) ~= "string" or not api_key or #api_key < MIN_SCRUBBED_KEY then return text end
  local parts, from = {}, 1
  while true do
    local at, to = find(text, api_key, from, true)
    if not at then break end
    parts[#parts + 1] = sub(text, from, at - 1)
    parts[#parts + 1] = "[REDACTED]"
    from = to + 1
  end
  if from == 1 then return text end
  parts[#parts + 1] = sub(text, from)
  return concat(parts)
end

--- A copy of a value (a string, or a table of them: details, fields) with
-- the key out of every string in it, names included.
function redact.value(value, api_key)
  if type(value) ~= "table" then return without_key(value, api_key) end
  local copy = {}
  for k, v in pairs(value) do copy[without_key(k, api_key)] = redact.value(v, api_key) end
  return copy
end

--- The key out of every field of an error table (code, request_id, action
-- may repeat what the server sent as well as the message).
function redact.error(err, api_key)
  for name, value in pairs(err) do err[name] = redact.value(value, api_key) end
end

return redact

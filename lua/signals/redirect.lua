-- Redirects, followed by the Lua layer rather than by libcurl so that both
-- transports follow the same rule: same origin only (the key must never
-- travel to another), at most MAX_REDIRECTS, and the method a browser and
-- curl would use.
local url = require("signals.url")
local errors = require("signals.errors")

local pairs = pairs
local format, lower = string.format, string.lower

local redirect = {}

local STATUSES = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }
local MAX_REDIRECTS = 5

-- The request a redirect asks for: 303 turns anything into a GET, 301/302
-- turn a non-GET into a GET, 307/308 repeat it.
local function redirected(req, status, target)
  local method, body, headers = req.method, req.body, req.headers
  if (status == 303 and method ~= "HEAD")
      or ((status == 301 or status == 302) and method ~= "GET" and method ~= "HEAD") then
    method, body = "GET", nil
    headers = {}
    for name, value in pairs(req.headers) do
      if lower(name) ~= "content-type" then headers[name] = value end
    end
  end
  return { method = method, url = target, headers = headers, body = body,
           timeout = req.timeout, connect_timeout = req.connect_timeout }
end

--- The request the answer `res` to call.req leads to: nil when it is no
-- redirect, or nil and an error table when it is not followed.
function redirect.follow(call, res)
  local location = STATUSES[res.status] and res.headers.location
  if not location then return nil end
  local target = url.resolve(call.req.url, location)
  local target_origin = url.origin(target)
  local origin = url.origin(call.first.url)
  if target_origin ~= origin then
    return nil, { kind = "http", status = res.status, code = "REDIRECT_NOT_FOLLOWED",
      message = format("redirect to %s not followed: another origin than %s",
        errors.one_line(target_origin or location), origin) }
  end
  call.redirects = call.redirects + 1
  if call.redirects > MAX_REDIRECTS then
    return nil, { kind = "http", status = res.status, code = "TOO_MANY_REDIRECTS",
      message = format("more than %d redirects", MAX_REDIRECTS) }
  end
  return redirected(call.req, res.status, target)
end

return redirect

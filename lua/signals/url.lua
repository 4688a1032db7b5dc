-- URLs as the client reads them: the one parser behind the base URL's
-- loopback check (init.lua), redirects (redirect.lua) and the nginx
-- transport's connections, so that all three agree on what a URL names.
-- An authority that could be read two ways (two @, odd characters in the
-- user part or the host) is read as no authority at all: nothing follows a
-- redirect to it, nothing takes it for loopback, nothing connects to it.
local tonumber = tonumber
local byte, find, lower, match, sub = string.byte, string.find, string.lower, string.match, string.sub

local url = {}

url.DEFAULT_PORTS = { http = 80, https = 443 }

--- The scheme (lower case), the authority and the rest (path, query,
-- fragment) of an absolute URL; nil for anything else.
function url.split(u)
  local scheme, authority, rest = match(u, "^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil end
  return lower(scheme), authority, rest
end

--- The host (lower case, an IPv6 address in its brackets), the port (a
-- number, nil when absent) and the user part (nil when absent) of an
-- authority; nil when it names no host or could be read two ways.
function url.authority(authority)
  local userinfo, rest = match(authority, "^([^@]*)@(.*)$")
  if userinfo then
    -- RFC 3986's userinfo characters; another @ would make it ambiguous.
    if find(rest, "@", 1, true) or not find(userinfo, "^[%w%-%._~%%!$&'()*+,;=:]*$") then return nil end
    authority = rest
  end
  local host, port = match(authority, "^(%[[%x:.]+%]):?(%d*)$")
  if not host then host, port = match(authority, "^([%w%-%._~%%]+):?(%d*)$") end
  if not host then return nil end
  return lower(host), tonumber(port), userinfo
end

--- "scheme://host:port" of a URL, the scheme's default port filled in;
-- nil when it has none (what two URLs must share for the key to follow a
-- redirect from one to the other).
function url.origin(u)
  local scheme, authority = url.split(u)
  if not scheme then return nil end
  local host, port = url.authority(authority)
  if not host then return nil end
  port = port or url.DEFAULT_PORTS[scheme]
  return scheme .. "://" .. host .. ":" .. (port or "")
end

--- A Location header's reference resolved against the URL it answered.
function url.resolve(base, location)
  if find(location, "^%a[%w+.-]*://") then return location end
  local scheme, authority, rest = url.split(base)
  if sub(location, 1, 2) == "//" then return scheme .. ":" .. location end
  if sub(location, 1, 1) == "/" then return scheme .. "://" .. authority .. location end
  return scheme .. "://" .. authority .. (match(rest, "^([^?#]*/)") or "/") .. location
end

--- Whether a URL is plain http to this machine (127.0.0.0/8, ::1,
-- localhost): the only place where the key may travel in clear text.
function url.is_loopback_http(u)
  local scheme, authority = url.split(u)
  if scheme ~= "http" then return false end
  local host = url.authority(authority)
  if host == "localhost" or host == "[::1]" then return true end
  local a, b, c = match(host or "", "^127%.(%d+)%.(%d+)%.(%d+)$")
  return a ~= nil and tonumber(a) < 256 and tonumber(b) < 256 and tonumber(c) < 256
end

--- What a connection needs of an http(s) URL: `{ scheme, host, port,
-- target (path and query, "/" at least), authority (for the Host header) }`,
-- or nil, a libcurl-style code and a message.
function url.target(u)
  local scheme, authority, rest = url.split(u)
  if not scheme then return nil, "URL_MALFORMAT", "malformed URL" end
  if not url.DEFAULT_PORTS[scheme] then
    return nil, "UNSUPPORTED_PROTOCOL", "unsupported protocol '" .. scheme .. "'"
  end
  local host, port, userinfo = url.authority(authority)
  if userinfo then return nil, "URL_MALFORMAT", "credentials in the URL are not supported" end
  if not host then return nil, "URL_MALFORMAT", "no host in the URL" end
  port = port or url.DEFAULT_PORTS[scheme]
  if port < 1 or port > 65535 then return nil, "URL_MALFORMAT", "port out of range" end
  local target = match(rest, "^[^#]*")
  if target == "" then target = "/" elseif byte(target) == 63 then target = "/" .. target end
  return { scheme = scheme, host = host, port = port, target = target, authority = authority }
end

return url

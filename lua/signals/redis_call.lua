-- Commands and scripts on a caller's Redis connection, whichever client
-- made it: lua-resty-redis (a reply, or nil/false and a message; null is
-- ngx.null), Debian's lua-redis (a reply; null is nil; errors raise), or
-- signals.resp (a reply, or nil and a message; null is redis_call.null).
-- Here every command answers the same way: its reply (null as
-- redis_call.null), or nil and a message; nothing raises.
local type, tostring, pcall, rawget, setmetatable = type, tostring, pcall, rawget, setmetatable
local find, format = string.find, string.format

local redis_call = {}

-- A null bulk string or array, as signals.resp returns it.
redis_call.null = setmetatable({}, { __tostring = function() return "null" end })

local NULL = redis_call.null

function redis_call.call(conn, name, ...)
  local ok, reply, err = pcall(function(...) return conn[name](conn, ...) end, ...)
  if not ok then return nil, tostring(reply) end
  if reply == nil and err == nil then return NULL end
  if reply == nil or reply == false then return nil, tostring(err) end
  local ngx = rawget(_G, "ngx")
  if ngx and reply == ngx.null then return NULL end
  return reply
end

-- The SHA1 of each script text, learnt from SCRIPT LOAD (it is the same on
-- every server).
local shas = {}

-- Runs a script with EVALSHA, loading it first when this process has not
-- yet, and again when the server answers NOSCRIPT (a restart, SCRIPT FLUSH).
function redis_call.script(conn, text, nkeys, ...)
  local sha = shas[text]
  if sha then
    local reply, err = redis_call.call(conn, "evalsha", sha, nkeys, ...)
    if reply ~= nil or not find(err, "NOSCRIPT", 1, true) then return reply, err end
  end
  local loaded, err = redis_call.call(conn, "script", "LOAD", text)
  if type(loaded) ~= "string" or not find(loaded, "^%x+$") then
    return nil, err or format("SCRIPT LOAD answered garbage: %s", tostring(loaded))
  end
  shas[text] = loaded
  return redis_call.call(conn, "evalsha", loaded, nkeys, ...)
end

return redis_call

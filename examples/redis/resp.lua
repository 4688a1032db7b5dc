-- A minimal Redis client for the worker: RESP2 over luasocket, one command
-- at a time. (Debian's lua-redis is packaged for Lua 5.1 to 5.3 only; this
-- runs on every Lua signals runs on.)
local socket = require("socket")

local type, tostring, tonumber, select, setmetatable = type, tostring, tonumber, select, setmetatable
local concat = table.concat
local sub = string.sub

local resp = {}

local Connection = {}
Connection.__index = Connection

-- host, port; `timeout` in seconds bounds every read (nil: none), so it must
-- exceed any BLOCK/timeout given to a blocking command.
function resp.connect(host, port, timeout)
  local sock, err = socket.connect(host or "127.0.0.1", port or 6379)
  if not sock then return nil, err end
  sock:settimeout(timeout)
  return setmetatable({ sock = sock }, Connection)
end

-- A reply, or nil and the socket's error. An error reply is { error = msg }
-- so that one inside an array (EXEC's) stays in its place.
local function read_reply(sock)
  local line, err = sock:receive("*l")
  if not line then return nil, err end
  local kind, rest = sub(line, 1, 1), sub(line, 2)
  if kind == "+" then return rest end
  if kind == "-" then return { error = rest } end
  if kind == ":" then return tonumber(rest) end
  if kind == "$" then
    local size = tonumber(rest)
    if size < 0 then return resp.null end
    local data
    data, err = sock:receive(size + 2)
    if not data then return nil, err end
    return sub(data, 1, size)
  end
  if kind == "*" then
    local count = tonumber(rest)
    if count < 0 then return resp.null end
    local items = {}
    for i = 1, count do
      local item
      item, err = read_reply(sock)
      if item == nil then return nil, err end
      items[i] = item
    end
    return items
  end
  return nil, "unexpected reply: " .. line
end

-- A null bulk string or array (a missing key, a BLOCK that timed out).
resp.null = setmetatable({}, { __tostring = function() return "null" end })

-- Sends one command; returns its reply, or nil and Redis's error message
-- (or the socket's).
function Connection:call(...)
  local count = select("#", ...)
  local parts = { "*" .. count .. "\r\n" }
  for i = 1, count do
    local arg = tostring((select(i, ...)))
    parts[#parts + 1] = "$" .. #arg .. "\r\n" .. arg .. "\r\n"
  end
  local ok, err = self.sock:send(concat(parts))
  if not ok then return nil, err end
  local reply
  reply, err = read_reply(self.sock)
  if type(reply) == "table" and reply.error then return nil, reply.error end
  return reply, err
end

function Connection:close()
  self.sock:close()
end

-- { field = value } from a flat array of field, value, field, value...
function resp.fields(flat)
  local t = {}
  if type(flat) == "table" then
    for i = 1, #flat - 1, 2 do t[flat[i]] = flat[i + 1] end
  end
  return t
end

return resp

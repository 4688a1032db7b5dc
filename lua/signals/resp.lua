--- A minimal Redis client (RESP2 over luasocket) for Lua 5.4, where Debian
-- packages no Redis client: enough for the Redis store and `signals.queue`.
-- One command at a time, no pipelining. Elsewhere pass your own connection
-- (lua-resty-redis in OpenResty, Debian's `lua-redis` on Lua 5.1 to 5.3):
-- this module answers the way lua-resty-redis does.
--
--    local resp = require("signals.resp")
--    local conn = resp.new{ host = "127.0.0.1", port = 6379, timeout = 5 }
--    conn:set("k", "v")                     -- any command, by its name
--    local value, err = conn:get("k")       -- "v"; resp.null when missing
--
-- Every command returns its reply, or `nil` and a message (a Redis error
-- reply: `"NOSCRIPT No matching script..."`; or the connection's: `"timeout"`,
-- `"closed"`, `"connection refused"`). After a failure of the connection
-- itself (a timeout, a reset, a reply that is not RESP, or is bigger or
-- deeper than @{MAX_LENGTH} and @{MAX_DEPTH} allow) the socket is closed,
-- since what is left of that reply would be read as the next command's; the
-- next command connects again. Nothing raises.
-- @module signals.resp
local socket = require("socket")

local type, tostring, tonumber, select, setmetatable, rawget, pcall = type, tostring, tonumber, select,
  setmetatable, rawget, pcall
local concat = table.concat
local sub, upper, format, find = string.sub, string.upper, string.format, string.find
local floor = math.floor

local resp = {}

--- The value of a null bulk string or null array (a missing key, a blocking
-- read that timed out), as `ngx.null` is for lua-resty-redis.
resp.null = require("signals.redis_call").null

local DEFAULT_TIMEOUT = 5

--- The longest bulk string and the most elements of an array a reply may
-- announce: 512 MiB, Redis's own default `proto-max-bulk-len`, the longest
-- value a Redis keeps unless told otherwise. A longer announcement is a
-- protocol error, found before anything of it is read, so a hostile or
-- broken server cannot make this client buffer without end.
resp.MAX_LENGTH = 512 * 1024 * 1024

--- The deepest nesting of arrays a reply may have: Redis's own replies nest
-- a few levels (EXEC of XREADGROUP: six), a script's reply as deep as its
-- table. A deeper one is a protocol error, not a stack overflow.
resp.MAX_DEPTH = 128

local Connection = {}

-- Any other name is a command: conn:xadd(...) sends XADD.
local function command(name)
  local verb = upper(name)
  return function(self, ...) return self:call(verb, ...) end
end

Connection.__index = function(_, name)
  local method = rawget(Connection, name)
  if method ~= nil then return method end
  if type(name) == "string" and find(name, "^%a[%w_]*$") then
    method = command(name)
    Connection[name] = method
    return method
  end
  return nil
end

--- A connection that connects on its first command (and again after a
-- failure of the connection). Nothing is sent here.
-- @tparam[opt] table opts `host` (default `"127.0.0.1"`), `port` (6379),
--   `timeout` (seconds for connecting and for each reply, default 5;
--   a blocking command's own timeout must be shorter, see @{settimeout})
-- @treturn Connection
-- @raise when an option has the wrong type
function resp.new(opts)
  opts = opts or {}
  local host, port, timeout = opts.host or "127.0.0.1", opts.port or 6379, opts.timeout or DEFAULT_TIMEOUT
  if type(host) ~= "string" then error("signals.resp: 'host' must be a string", 2) end
  if type(port) ~= "number" or port ~= floor(port) or port < 1 or port > 65535 then
    error("signals.resp: 'port' must be a port number", 2)
  end
  if type(timeout) ~= "number" or timeout <= 0 then
    error("signals.resp: 'timeout' must be a positive number", 2)
  end
  -- sock is false, never nil, while closed: a missing field would be
  -- taken for a command name.
  return setmetatable({ host = host, port = port, timeout = timeout, sock = false }, Connection)
end

--- @{new}, connected at once.
-- @tparam[opt] table opts as for @{new}
-- @treturn[1] Connection
-- @treturn[2] nil
-- @treturn[2] string why it could not connect
function resp.connect(opts)
  local conn = resp.new(opts)
  local ok, err = conn:open()
  if not ok then return nil, err end
  return conn
end

--- @type Connection

--- Connects, unless connected already.
-- @treturn[1] true
-- @treturn[2] nil
-- @treturn[2] string why not
function Connection:open()
  if self.sock then return true end
  local sock = socket.tcp()
  sock:settimeout(self.timeout)
  local ok, err = sock:connect(self.host, self.port)
  if not ok then
    sock:close()
    return nil, format("cannot connect to %s:%d: %s", self.host, self.port, tostring(err))
  end
  sock:setoption("tcp-nodelay", true)
  self.sock = sock
  return true
end

--- Sets the timeout (seconds) for each later reply; a blocking command
-- (`BLPOP`, `XREADGROUP ... BLOCK`) needs one longer than its own.
-- @tparam number seconds
function Connection:settimeout(seconds)
  if type(seconds) ~= "number" or seconds <= 0 then
    error("signals.resp: the timeout must be a positive number", 2)
  end
  self.timeout = seconds
  if self.sock then self.sock:settimeout(seconds) end
end

--- Closes the connection (a later command connects again).
function Connection:close()
  if self.sock then
    self.sock:close()
    self.sock = false
  end
end

local read_reply

local function read_line(sock)
  local line, err = sock:receive("*l")
  if not line then return nil, err end
  return line
end

-- A reply: a value, or nil and a message. An error reply is returned as
-- `false, message` (the connection is fine); a failure of the connection
-- or of the protocol as `nil, message`. `depth`: the arrays around it.
function read_reply(sock, depth)
  local line, err = read_line(sock)
  if not line then return nil, err end
  local kind, rest = sub(line, 1, 1), sub(line, 2)
  if kind == "+" then return rest end
  if kind == "-" then return false, rest end
  if kind == ":" then
    local n = tonumber(rest)
    if not n or not find(rest, "^%-?%d+$") then return nil, "protocol error: bad integer reply" end
    return n
  end
  if kind == "$" or kind == "*" then
    local size = find(rest, "^%-?%d+$") and tonumber(rest)
    if not size or size < -1 or size > resp.MAX_LENGTH then
      return nil, "protocol error: bad length " .. format("%q", sub(rest, 1, 40))
    end
    if size == -1 then return resp.null end
    if kind == "$" then
      local data
      data, err = sock:receive(size + 2)
      if not data then return nil, err end
      if sub(data, -2) ~= "\r\n" then return nil, "protocol error: bulk string not ended by CRLF" end
      return sub(data, 1, size)
    end
    if depth >= resp.MAX_DEPTH then
      return nil, format("protocol error: arrays nested more than %d deep", resp.MAX_DEPTH)
    end
    local items = {}
    for i = 1, size do
      local item, problem = read_reply(sock, depth + 1)
      if item == nil then return nil, problem end
      -- An error inside an array (EXEC's) stays in its place.
      if item == false then item = { error = problem } end
      items[i] = item
    end
    return items
  end
  return nil, "protocol error: unexpected reply " .. format("%q", sub(line, 1, 40))
end

--- Sends one command and reads its reply.
--    conn:call("SET", "k", "v", "EX", 60)
-- @param ... the command and its arguments (strings or numbers)
-- @return the reply: a string (simple or bulk), an integer, an array table,
--   or @{null}; `nil` and the message on a Redis error reply or a failure
function Connection:call(...)
  local ok, err = self:open()
  if not ok then return nil, err end
  local count = select("#", ...)
  local parts = { "*", tostring(count), "\r\n" }
  for i = 1, count do
    local arg = select(i, ...)
    if type(arg) == "number" and arg == floor(arg) and arg > -2 ^ 53 and arg < 2 ^ 53 then
      arg = format("%d", arg)
    else
      arg = tostring(arg)
    end
    parts[#parts + 1] = "$" .. #arg .. "\r\n"
    parts[#parts + 1] = arg
    parts[#parts + 1] = "\r\n"
  end
  local sock = self.sock
  ok, err = sock:send(concat(parts))
  if ok then
    -- Protected: whatever goes wrong while reading (out of memory), the
    -- socket must be closed below, not left holding the reply's rest.
    local reply
    ok, reply, err = pcall(read_reply, sock, 0)
    if not ok then
      err = reply
    elseif reply ~= nil then
      if reply == false then return nil, err end
      return reply
    end
  end
  -- The connection is in an unknown state: a reply still on its way, or
  -- the rest of this one, would be taken for the next command's.
  self:close()
  return nil, tostring(err)
end

return resp

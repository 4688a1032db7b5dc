--- The Redis store: `signals.store.redis(conn[, opts])` keeps its state in
-- Redis, so that any number of processes on any number of machines draw on
-- one budget. Each decision is one server-side script, run with `EVALSHA`
-- (loaded with `SCRIPT LOAD`, again after a `NOSCRIPT`), so it is atomic
-- however many clients ask at once.
--
-- `conn` is your own connection, one of (or anything answering like them):
--
-- * OpenResty: a function making a lua-resty-redis connection for each
--   operation (a cosocket belongs to one request), see @{new};
-- * Lua 5.1 to 5.3: Debian's `lua-redis` (`require("redis").connect(host, port)`);
-- * Lua 5.4: @{signals.resp} (`require("signals.resp").new{ port = 6379 }`).
--
-- The store calls only `conn:evalsha(sha, 1, key, ...)` and
-- `conn:script("LOAD", text)`; a reply is taken the way those three give
-- it (a value; `nil`/`false` and a message; or a raised error). Timeouts
-- are the connection's own: set one (`red:set_timeout`, the third argument
-- of `redis.connect`, `timeout` of signals.resp). The clocks of machines
-- sharing a store should agree (NTP): `now` comes from each client.
-- @module signals.store.redis
local store = require("signals.store")
local redis_call = require("signals.redis_call")

local type, tostring, tonumber, pcall, ipairs, setmetatable, error = type, tostring, tonumber, pcall,
  ipairs, setmetatable, error
local format = string.format
local min, floor = math.min, math.floor

local redis_store = {}

-- The same arithmetic as store.gcra, inside Redis. Numbers travel as text
-- with 17 significant digits, and come back as text: Redis would truncate
-- a Lua number reply to an integer.
local RESERVE = [[
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local max_wait, cost = tonumber(ARGV[4]), tonumber(ARGV[5])
local interval = 1 / rate
local stored = tonumber(redis.call("GET", KEYS[1]))
local tat = now
if stored and stored > now then tat = stored end
local after = tat + cost * interval
local wait = after - burst * interval - now
if wait < 1e-6 then wait = 0 end  -- rounding of Unix seconds, not a wait (store.TOO_SHORT)
if wait <= max_wait then
  redis.call("SET", KEYS[1], string.format("%.17g", after), "PX", math.ceil((after - now + 1) * 1000))
  return { string.format("%.17g", wait), 1 }
end
return { string.format("%.17g", wait), 0 }
]]

local GET = [[
local value = redis.call("GET", KEYS[1])
if value then return { 1, value } end
return { 0 }
]]

local SET = [[
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1
]]

-- The longest wait sent to Redis (math.huge has no text Redis reads back).
local LONGEST = 1e12

local Redis = {}
Redis.__index = Redis

local function number_text(n)
  return format("%.17g", n)
end

-- The method `conn` lacks of those the store calls, or nil.
local function missing_method(conn)
  for _, name in ipairs{ "evalsha", "script" } do
    local ok, method = pcall(function() return conn[name] end)
    if not (ok and type(method) == "function") then return name end
  end
  return nil
end

--- Makes a store over a Redis connection.
-- @param conn the connection (see above); or a function returning one
--   (or `nil, err`) for each operation, where a connection cannot outlive
--   what made it: in OpenResty a cosocket belongs to one request, so
--
--    signals.store.redis(function()
--      local red = require("resty.redis"):new()
--      red:set_timeout(1000)
--      local ok, err = red:connect("127.0.0.1", 6379)
--      if not ok then return nil, err end
--      return red
--    end, { release = function(red) red:set_keepalive(10000, 100) end })
-- @tparam[opt] table opts `prefix` of every key (default `"signals:"`);
--   `release`: called with each connection the function gave, once the
--   operation is done with it (put it back in a pool);
--   `fallback_share`: the share of a limit a client keeps to while Redis
--   fails (default 0.25)
-- @treturn table the store; one whose connection lacks a method is refused
--   by `signals.new`, naming it
-- @raise when `prefix` is not a string, `release` not a function, or
--   `fallback_share` not in (0, 1]
function redis_store.new(conn, opts)
  opts = opts or {}
  local prefix = opts.prefix or "signals:"
  if type(prefix) ~= "string" then error("signals.store.redis: 'prefix' must be a string", 2) end
  if opts.release ~= nil and type(opts.release) ~= "function" then
    error("signals.store.redis: 'release' must be a function", 2)
  end
  local self = setmetatable({ kind = "redis", prefix = prefix, release = opts.release,
                              fallback_share = store.share_option(opts, "signals.store.redis") }, Redis)
  if type(conn) == "function" then
    self.connect = conn
  elseif type(conn) ~= "table" and type(conn) ~= "userdata" then
    self.problem = "is a Redis store without a connection (signals.store.redis(conn): conn is a "
      .. type(conn) .. ")"
  else
    self.conn = conn
    local missing = missing_method(conn)
    if missing then self.problem = format("is a Redis store whose connection has no '%s' method", missing) end
  end
  return self
end

local function run(self, text, key, ...)
  if self.problem then return nil, "signals.store.redis: " .. self.problem end
  local conn = self.conn
  if self.connect then
    local ok, made, err = pcall(self.connect)
    if not ok or not made then return nil, tostring(ok and err or made) end
    local missing = missing_method(made)
    if missing then return nil, format("signals.store.redis: the connection made has no '%s' method", missing) end
    conn = made
  end
  local reply, err = redis_call.script(conn, text, 1, self.prefix .. key, ...)
  if self.connect and self.release then pcall(self.release, conn) end
  if reply == redis_call.null then return nil, "Redis answered null" end
  return reply, err
end

local function garbage(reply)
  return nil, "Redis answered garbage: " .. tostring(reply)
end

function Redis:reserve(key, rate, burst, now, max_wait, cost)
  local reply, err = run(self, RESERVE, key, number_text(rate), number_text(burst), number_text(now),
    number_text(min(max_wait, LONGEST)), number_text(cost or 1))
  if reply == nil then return nil, err end
  if type(reply) ~= "table" then return garbage(reply) end
  local wait, taken = tonumber(reply[1]), tonumber(reply[2])
  if not wait or wait < 0 or (taken ~= 0 and taken ~= 1) then return garbage(reply[1]) end
  return wait, taken == 1
end

function Redis:get(key)
  local reply, err = run(self, GET, key)
  if reply == nil then return nil, err end
  if type(reply) ~= "table" then return garbage(reply) end
  local found = tonumber(reply[1])
  if found == 0 then return nil end
  if found ~= 1 or type(reply[2]) ~= "string" then return garbage(reply[1]) end
  return reply[2]
end

function Redis:set(key, value, ttl)
  local reply, err = run(self, SET, key, value, format("%d", floor(ttl * 1000 + 0.5)))
  if reply == nil then return nil, err end
  if tonumber(reply) ~= 1 then return garbage(reply) end
  return true
end

return redis_store

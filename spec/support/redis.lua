-- Real and fake Redis servers for the specs of the Redis store, the RESP
-- client and the queue: redis-server on a free loopback port (stopped by
-- itself when busted is gone, as every host of support.hosts), a fake one
-- answering what a spec asks for, and a connection of the kind this
-- interpreter's users have (signals.resp on Lua 5.4, Debian's lua-redis
-- on 5.1 to 5.3 and LuaJIT).
local helper = require("helper")
local hosts = require("support.hosts")

local redis = {}

local SERVER = "/usr/bin/redis-server"

-- The client a user of this interpreter passes: "resp" or "lua-redis".
redis.CLIENT = _VERSION == "Lua 5.4" and "resp" or "lua-redis"

if not hosts.exists(SERVER) then
  redis.missing = "redis-server is not installed (sh scripts/deps.sh redis)"
elseif redis.CLIENT == "lua-redis" and not pcall(require, "redis") then
  redis.missing = "Debian's lua-redis is not installed (sh scripts/deps.sh redis)"
end

-- What signals.resp reads a null reply as.
redis.null = require("signals.redis_call").null

function redis.start()
  local dir = hosts.tmpdir()
  local port = helper.dead_port()
  return hosts.start("redis-server", string.format("%s --port %d --bind 127.0.0.1 --save '' "
    .. "--appendonly no --dir %s", SERVER, port, dir), port, dir)
end

-- For the describe block it is called in: a redis-server started before
-- the block's first test and stopped after its last, as { port, inspect }
-- (both set once started; `inspect` as redis.inspect gives). Without
-- Redis, the block's tests are pending and the result is nil.
function redis.for_block()
  local busted = require("busted")
  if redis.missing then
    busted.pending(redis.missing)
    return nil
  end
  local server, process = {}, nil
  busted.lazy_setup(function()
    process = redis.start()
    server.port, server.inspect = process.port, redis.inspect(process.port)
  end)
  busted.lazy_teardown(function() if process then process:stop() end end)
  return server
end

-- A signals.resp connection, whatever the interpreter: what specs use to
-- look into Redis.
function redis.inspect(port)
  return require("signals.resp").new{ port = port, timeout = 10 }
end

local STREAM_COMMANDS = { "xadd", "xgroup", "xreadgroup", "xautoclaim", "xpending" }

-- The connection a user of this interpreter would pass to the store and
-- the queue, connected, with the stream commands lua-redis lacks defined
-- as its README says.
function redis.connect(port, timeout)
  if redis.CLIENT == "resp" then
    return assert(require("signals.resp").connect{ port = port, timeout = timeout or 10 })
  end
  local lua_redis = require("redis")
  for _, name in ipairs(STREAM_COMMANDS) do
    lua_redis.commands[name] = lua_redis.command(name:upper())
  end
  return lua_redis.connect{ host = "127.0.0.1", port = port, timeout = timeout or 10 }
end

-- A server that reads each command whole and answers `mode`: "garbage"
-- (not RESP), "wrong" (RESP of the wrong shape), "stall" (nothing, for
-- 30 s) or "close" (closes the connection); or, to the first command only
-- and "+second" to every later one, "huge_length" (a bulk of 2^63-1
-- bytes announced), "deep" (arrays nested 300000 deep), "long_bulk"
-- (600 MB announced) or "negative" (an array of -5 elements).
function redis.fake(mode)
  local dir = hosts.tmpdir()
  local port = helper.dead_port()
  return hosts.start("fake redis", string.format("%s %s/spec/support/fake_redis.lua %d %s",
    hosts.LUA, os.getenv("PWD"), port, mode), port, dir)
end

return redis

-- A worker of signals.queue: Redis scripts (examples/redis/enqueue.lua) or
-- Lua callers (q:enqueue) queue API calls in the stream signals:jobs; this
-- process reads them as a member of the consumer group, makes each call
-- and stores its result for the caller (signals:jobs:result:<id>). Run as
-- many as you like, each under its own WORKER_NAME: a worker that dies
-- leaves its jobs to the others, and a signal it created is polled, not
-- paid for again.
--
--   SABER_API_KEY=sk_live_... REDIS_PORT=6379 WORKER_NAME=w1 lua5.4 examples/redis/worker.lua [--drain]
--
-- --drain: answer what is queued, then exit (cron-style) instead of waiting.
-- On Lua 5.1 to 5.3 it talks to Redis with Debian's lua-redis, on 5.4 with
-- signals.resp (Debian packages no Redis client for 5.4).
local signals = require("signals")

local STREAM = "signals:jobs"
local host, port = os.getenv("REDIS_HOST") or "127.0.0.1", tonumber(os.getenv("REDIS_PORT")) or 6379

local conn
if _VERSION == "Lua 5.4" then
  conn = require("signals.resp").new{ host = host, port = port, timeout = 30 }
else
  local redis = require("redis")
  -- lua-redis 2.0.5 predates streams: the queue's commands are defined here.
  for _, name in ipairs{ "xadd", "xgroup", "xreadgroup", "xautoclaim", "xpending", "xlen" } do
    redis.commands[name] = redis.command(name:upper())
  end
  conn = redis.connect(host, port, 30)
end

local client = signals.new{ timeout = 150 }   -- api_key, base_url from the environment
local queue = signals.queue.new{ client = client, redis = conn, stream = STREAM,
  -- What a script may ask for: creating and reading signals, not deleting.
  allow = { "run_signal", "create_signal", "get_signal", "list_signals", "create_contact_research",
            "get_contact_research", "get_credits" } }

local drain = arg and arg[1] == "--drain"
local done, err = queue:work{ consumer = os.getenv("WORKER_NAME") or "worker-1",
  -- Finished jobs leave the stream: an empty one is a drained one.
  stop = drain and function() return conn:xlen(STREAM) == 0 end or nil }
if not done then error(tostring(err)) end
print(done .. " jobs answered")
client:close()

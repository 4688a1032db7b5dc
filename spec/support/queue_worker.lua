-- A signals.queue worker process for the specs (queue, crash test): works
-- until its parent (busted, or the crash test's driver) is gone.
--   queue_worker.lua PARENT_PID MOCK_URL REDIS_PORT STREAM CONSUMER IDLE_RECLAIM
-- Prints "ready" once it reads the stream; LUA_PATH and LUA_CPATH come
-- from the starter (support/workers.lua).
local parent, url, port, stream, consumer, idle = arg[1], arg[2], tonumber(arg[3]), arg[4], arg[5],
  tonumber(arg[6])
local signals = require("signals")
local redis = require("support.redis")

local client = signals.new{ api_key = "sk_test_0123456789abcdef", base_url = url, timeout = 10 }
local q = signals.queue.new{ client = client, redis = redis.connect(port), stream = stream }

local function parent_gone()
  local f = io.open("/proc/" .. parent .. "/stat")
  if f then f:close() end
  return f == nil
end

io.write("ready\n")
io.flush()
local done, err = q:work{ consumer = consumer, idle_reclaim = idle, interval = 0.02, block = 0.2,
                          stop = parent_gone }
if not done then
  io.stderr:write("worker ", consumer, ": ", tostring(err), "\n")
  os.exit(1)
end

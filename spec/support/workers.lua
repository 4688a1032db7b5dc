-- Worker processes of signals.queue (support/queue_worker.lua) for the
-- queue spec and the crash test: started in the background on this
-- interpreter, killed by pid. Each stops by itself when the process that
-- started it is gone.
local helper = require("helper")
local hosts = require("support.hosts")

local workers = {}

local ENV = string.format("LUA_PATH='spec/?.lua;lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/%s/?.so;;'",
  hosts.LUA)

-- Starts a worker; returns its pid (a string) once it reads the stream.
function workers.start(mock_url, redis_port, stream, consumer, idle_reclaim, log)
  local ready = os.tmpname()
  local command = string.format("%s %s spec/support/queue_worker.lua %s %s %d %s %s %s",
    ENV, hosts.LUA, helper.own_pid(), mock_url, redis_port, stream, consumer, tostring(idle_reclaim))
  local pipe = assert(io.popen(string.format("(%s >%s 2>>%s </dev/null & echo $!)", command, ready,
    log or "/dev/null")))
  local pid = pipe:read("*l")
  pipe:close()
  for _ = 1, 500 do
    if (helper.read_file(ready) or ""):find("ready", 1, true) then break end
    helper.sleep(0.01)
  end
  os.remove(ready)
  return pid
end

function workers.kill(pid, signal)
  hosts.succeeds(string.format("kill -%s %s 2>/dev/null", signal or "KILL", pid))
end

function workers.alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local stat = f:read("*a")
  f:close()
  return not stat:match("^%d+ %b() Z")
end

return workers

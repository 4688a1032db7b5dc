-- `make crash-test`: the full crash test of signals.queue (spec/support/crash.lua):
-- 1000 jobs, 4 worker processes, 24 of them killed with SIGKILL at random
-- moments and restarted, against a real redis-server and signals-mock.
-- Prints the figures and exits 1 unless every job was answered exactly
-- once, nothing is left pending and the mock saw one create per job plus
-- the retryable re-creates.
--   lua5.4 scripts/crash_test.lua [JOBS [KILLS [SEED]]]     (from the repository root)
package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/lua5.4/?.so;" .. package.cpath

local helper = require("helper")
local redis = require("support.redis")
local crash = require("support.crash")

if redis.missing then
  io.stderr:write("crash-test: ", redis.missing, "\n")
  os.exit(1)
end

local jobs, kills = tonumber(arg[1]) or 1000, tonumber(arg[2]) or 24
local seed = tonumber(arg[3]) or os.time()
local server = redis.start()
local mock = helper.start_mock("--delay-ms 30")
local ok, figures = pcall(crash.run, { jobs = jobs, workers = 4, kills = kills, mock = mock,
  redis_port = server.port, inspect = redis.inspect(server.port), idle_reclaim = 1, deadline = 600,
  seed = seed, log = "build/crash-test-workers.log" })
mock:stop()
server:stop()
if not ok then
  io.stderr:write("crash-test: ", tostring(figures), "\n")
  os.exit(1)
end
print(string.format("crash-test (seed %d): %s", seed, crash.summary(figures)))
for _, line in ipairs(figures.off) do print("  " .. line) end
local met = #figures.off == 0 and figures.answered == jobs and figures.twice == 0 and figures.wrong == 0
  and figures.pending == 0 and figures.dead == 0 and figures.creates == figures.expected_creates
  and figures.kills >= 20
print(met and "crash-test: met" or "crash-test: MISSED")
os.exit(met and 0 or 1)

-- The concurrency rows of `make bench`: COUNT GETs against signals-mock,
-- every request held LATENCY seconds by the mock (a stall fault per
-- request), one after the other and then through client:all with
-- concurrency 16. Target: at least 12x the sequential throughput (16x is
-- the limit: 16 requests in flight instead of one).
--
--   lua5.4 bench/concurrency.lua     (from the repository root; see bench/mock_rows.lua)
package.path = package.path .. ";bench/?.lua"
local mock_rows = require("mock_rows")

local COUNT = 1000
local LATENCY = 0.020
local CONCURRENCY = 16
local TARGET = 12

local mock = mock_rows.mock

-- Seconds for `run` to make COUNT calls, each held LATENCY by the mock;
-- `run` returns how many failed.
local function timed(run)
  mock:reset()
  mock:fault{ method = "GET", path = "/v1/credits", fault = "stall", seconds = LATENCY, times = COUNT }
  local elapsed, failures = mock_rows.timed(run)
  assert(failures == 0, failures .. " calls failed")
  assert(#mock:requests() == COUNT, "the mock saw " .. #mock:requests() .. " requests")
  return elapsed
end

local sequential = timed(function(client)
  local failures = 0
  for _ = 1, COUNT do
    if not client:get_credits() then failures = failures + 1 end
  end
  return failures
end)

local concurrent = timed(function(client)
  local calls = {}
  for i = 1, COUNT do calls[i] = { "get_credits" } end
  return mock_rows.errors(client:all(calls, { concurrency = CONCURRENCY }))
end)

local ratio = sequential / concurrent
local label = string.format("concurrency: %d GETs, %d ms latency each", COUNT, LATENCY * 1000)
mock_rows.row(label .. ", one by one", string.format("%.0f", COUNT / sequential), "req/s",
  string.format("%.2f s", sequential))
mock_rows.row(string.format("%s, client:all concurrency %d", label, CONCURRENCY),
  string.format("%.0f", COUNT / concurrent), "req/s",
  string.format("%.2f s; %.1fx one by one (target >= %dx, limit %dx): %s", concurrent, ratio, TARGET,
    CONCURRENCY, ratio >= TARGET and "met" or "MISSED"))

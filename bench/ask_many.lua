-- The end-to-end rows of `make bench`: one question about N domains (1000
-- and 10 000), against signals-mock enforcing the API's documented limits
-- (token buckets: writes 2000 a minute, burst 400; reads 100 000 a minute,
-- burst 10 000) and taking 2 s to answer each signal: seconds until every
-- answer is in, and the writes, reads and 429s the mock saw. client:ask_many
-- (a batch create per hundred signals, then reads) beside one create per
-- domain (client:all, then client:wait_all: what `signals batch` did
-- before), both with concurrency 16 and the client's default rate limiter.
--
-- Target: ask_many at least 5x faster than the write limit allows one
-- create per domain ((N - burst) / 2000 a minute), with no 429 at all.
--
-- A mock without token buckets (older than its `"mode":"buckets"` rate
-- limit) enforces nothing: the rows say so, and then only the client's own
-- limiter, set to the same limits, paces the calls.
--
--   lua5.4 bench/ask_many.lua     (from the repository root; see bench/mock_rows.lua)
--   BENCH_E2E_SIZES=1000 lua5.4 bench/ask_many.lua     (only those sizes)
package.path = package.path .. ";bench/?.lua"
local mock_rows = require("mock_rows")

local DELAY_MS = 2000
local CONCURRENCY = 16
local SPEEDUP = 5
local QUESTION = "Are they hiring engineers?"
local LIMITS = { writes_per_minute = 2000, write_burst = 400, reads_per_minute = 100000, read_burst = 10000 }

local mock = mock_rows.mock

local sizes = {}
for n in (os.getenv("BENCH_E2E_SIZES") or "1000 10000"):gmatch("%d+") do sizes[#sizes + 1] = tonumber(n) end

-- The mock reset with the API's limits; false when it has no token buckets.
local function reset()
  mock:reset()
  local buckets = { mode = "buckets" }
  for name, value in pairs(LIMITS) do buckets[name] = value end
  local enforced = pcall(mock.config, mock, { rate_limit = buckets })
  mock:config{ delay_ms = DELAY_MS, credits = 1000000 }
  return enforced
end

local function counts()
  local writes, reads, refused = 0, 0, 0
  for _, req in ipairs(mock:requests()) do
    if req.method == "GET" then reads = reads + 1 else writes = writes + 1 end
    if req.status == 429 then refused = refused + 1 end
  end
  return writes, reads, refused
end

-- Seconds for `run(client, domains)` to return every answer, and the
-- mock's counts; `run` returns the results, which must all be completed.
local function measured(n, run)
  local domains = {}
  for i = 1, n do domains[i] = "company" .. i .. ".example.com" end
  local enforced = reset()
  local elapsed, results = mock_rows.timed(function(client) return run(client, domains) end)
  local completed = 0
  for _, result in ipairs(results) do
    if result.status == "completed" then completed = completed + 1 end
  end
  assert(completed == n, string.format("%d of %d answers completed", completed, n))
  local writes, reads, refused = counts()
  return { seconds = elapsed, writes = writes, reads = reads, refused = refused, enforced = enforced }
end

local function with_ask_many(client, domains)
  return assert(client:ask_many({ domains = domains, questions = { QUESTION } }, { concurrency = CONCURRENCY }))
end

local function one_create_each(client, domains)
  local calls = {}
  for i, domain in ipairs(domains) do calls[i] = { "create_signal", { domain = domain, question = QUESTION } } end
  local created = assert(client:all(calls, { concurrency = CONCURRENCY }))
  local ids = {}
  for i, sig in ipairs(created) do ids[i] = assert(sig.id, tostring(sig)) end
  return assert(client:wait_all(ids, { concurrency = CONCURRENCY, contact = false }))
end

local function describe(m)
  return string.format("writes %d, reads %d, 429s %d%s", m.writes, m.reads, m.refused,
    m.enforced and "" or " (the mock enforces no limit: no token buckets)")
end

for _, n in ipairs(sizes) do
  local label = string.format("end-to-end: %d domains, 1 question, 2 s per answer, API limits", n)
  local batch = measured(n, with_ask_many)
  local single = measured(n, one_create_each)
  local bound = math.max(0, n - LIMITS.write_burst) / (LIMITS.writes_per_minute / 60)
  local speedup = bound / batch.seconds
  mock_rows.row(label .. ", one create per domain (client:all)", string.format("%.2f", single.seconds), "s",
    string.format("%s; the write limit allows no less than %.1f s", describe(single), bound))
  mock_rows.row(label .. ", client:ask_many", string.format("%.2f", batch.seconds), "s",
    string.format("%s; %.1fx faster than the write limit allows one create per domain "
      .. "(target >= %dx, no 429): %s", describe(batch), speedup, SPEEDUP,
      (speedup >= SPEEDUP and batch.refused == 0) and "met" or "MISSED"))
end

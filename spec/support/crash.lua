-- The crash test of signals.queue: JOBS run_signal jobs, WORKERS worker
-- processes, at least KILLS of them killed with SIGKILL at random moments
-- and restarted (alternately under the same consumer name, which takes up
-- its own unfinished jobs, and under a new one, leaving them to
-- XAUTOCLAIM). Every tenth job's first signal fails retryably, and a few
-- creates meet a 503, so that the re-creates the rules call for are there
-- too. Then: every job answered exactly once, nothing pending, nothing
-- dead, and in the mock's log one successful create per job, two for the
-- flaky ones. spec/queue_crash_spec.lua runs a short one; `make
-- crash-test` the full one (scripts/crash_test.lua).
local helper = require("helper")
local workers = require("support.workers")
local signals = require("signals")
local socket = require("socket")

local crash = {}

local STREAM = "crash:jobs"
local FLAKY_EVERY = 10
-- Fewer than a call's three attempts: each is retried, none fails a job.
local FAULTS = 2

local function domain_of(i) return "job" .. i .. ".example" end

local function question_of(i)
  return i % FLAKY_EVERY == 0 and "Hiring? [flaky:1]" or "Hiring?"
end

-- Runs the test; returns its figures (a table), or raises with what went
-- wrong. opts: jobs, workers, kills, mock, redis_port, inspect (a
-- signals.resp connection), idle_reclaim, deadline (seconds), delay_ms,
-- seed, log (a file for the workers' stderr).
function crash.run(opts)
  math.randomseed(opts.seed or os.time())
  local mock, inspect = opts.mock, opts.inspect
  mock:reset{ delay_ms = opts.delay_ms or 30 }
  mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "status", status = 503, times = FAULTS,
              headers = { ["Retry-After"] = "0" }, body = { error = { code = "DOWN", message = "down" } } }
  assert(inspect:flushall())

  local client = signals.new{ api_key = helper.API_KEY, base_url = mock.url }
  local q = signals.queue.new{ client = client, redis = inspect, stream = STREAM }
  local ids = {}
  for i = 1, opts.jobs do
    ids[i] = assert(q:enqueue("run_signal", { domain = domain_of(i), question = question_of(i) }))
  end

  local started = socket.gettime()
  local pids, names, next_name = {}, {}, opts.workers + 1
  for w = 1, opts.workers do
    names[w] = "w" .. w
    pids[w] = workers.start(mock.url, opts.redis_port, STREAM, names[w], opts.idle_reclaim, opts.log)
  end

  -- Kill at random points of the progress (jobs still in the stream), so
  -- that each kill meets a worker somewhere inside a job.
  local points = {}
  for k = 1, opts.kills do points[k] = math.floor(opts.jobs * (0.05 + 0.85 * math.random())) end
  table.sort(points)
  local kills, same_name = 0, 0
  local function remaining() return tonumber(inspect:xlen(STREAM)) or opts.jobs end
  while true do
    local left = remaining()
    if left == 0 then break end
    if socket.gettime() - started > opts.deadline then
      for _, pid in ipairs(pids) do workers.kill(pid) end
      error(string.format("the crash test did not finish in %d s: %d jobs left, %d kills", opts.deadline, left,
        kills), 0)
    end
    if kills < opts.kills and opts.jobs - left >= points[kills + 1] then
      -- A random moment inside the next job or two.
      socket.sleep(math.random() * 0.05)
      local w = math.random(opts.workers)
      workers.kill(pids[w])
      kills = kills + 1
      if kills % 2 == 0 then
        names[w] = "w" .. next_name
        next_name = next_name + 1
      else
        same_name = same_name + 1
      end
      pids[w] = workers.start(mock.url, opts.redis_port, STREAM, names[w], opts.idle_reclaim, opts.log)
    else
      socket.sleep(0.01)
    end
  end
  local elapsed = socket.gettime() - started
  for _, pid in ipairs(pids) do workers.kill(pid) end

  local figures = { jobs = opts.jobs, workers = opts.workers, kills = kills, same_name = same_name,
                    seconds = elapsed, answered = 0, twice = 0, wrong = 0 }
  for i, id in ipairs(ids) do
    local n = inspect:llen(STREAM .. ":result:" .. id)
    if n == 1 then figures.answered = figures.answered + 1 elseif n > 1 then figures.twice = figures.twice + 1 end
    local sig = q:result(id)
    if not (sig and sig.status == "completed" and sig.domain == domain_of(i)) then
      figures.wrong = figures.wrong + 1
    end
  end
  figures.pending = inspect:xpending(STREAM, "signals-workers")[1]
  figures.dead = inspect:xlen(STREAM .. ":dead")

  -- The mock's log: successful creates per job, and every POST.
  local per_domain, posts, refused = {}, 0, 0
  for _, req in ipairs(mock:requests()) do
    if req.method == "POST" then
      posts = posts + 1
      if req.status == 200 then
        local domain = helper.body_of(req).domain
        per_domain[domain] = (per_domain[domain] or 0) + 1
      else
        refused = refused + 1
      end
    end
  end
  local expected_creates, creates, off = 0, 0, {}
  for i = 1, opts.jobs do
    local expected = i % FLAKY_EVERY == 0 and 2 or 1
    local seen = per_domain[domain_of(i)] or 0
    expected_creates, creates = expected_creates + expected, creates + seen
    if seen ~= expected then off[#off + 1] = string.format("%s: %d creates", domain_of(i), seen) end
  end
  figures.creates, figures.expected_creates, figures.posts, figures.refused_posts = creates, expected_creates,
    posts, refused
  figures.off = off
  client:close()
  return figures
end

function crash.summary(f)
  return string.format("%d jobs, %d workers, %d SIGKILLs (%d restarted under the same name) in %.1f s: "
    .. "%d answered once, %d twice, %d wrong, %d pending, %d dead-lettered; creates %d for %d expected "
    .. "(%d jobs + %d retryable re-creates), %d POSTs of which %d answered 503 and retried",
    f.jobs, f.workers, f.kills, f.same_name, f.seconds, f.answered, f.twice, f.wrong, f.pending, f.dead,
    f.creates, f.expected_creates, f.jobs, f.expected_creates - f.jobs, f.posts, f.refused_posts)
end

return crash

-- The client-side rate limiter: token buckets for writes and reads (waits
-- in the client's recorded sleeps), and the server's X-Ratelimit-Remaining
-- / X-Ratelimit-Reset holding requests back before a 429 (signals-mock's
-- limiter, with real sleeps where the server's window must really pass).
local helper = require("helper")
local signals = require("signals")
local ratelimit = require("signals.ratelimit")
local socket = require("socket")

local function statuses(mock)
  local seen = {}
  for _, req in ipairs(mock:requests()) do seen[#seen + 1] = req.status end
  return seen
end

local function near(expected, actual)
  assert.is_true(math.abs(expected - actual) < 0.05, ("expected about %g, got %g"):format(expected, actual))
end

-- Asserts that the send times `sent` (seconds, in any order) never put
-- more than burst + rate * t requests in the first t seconds after
-- `started` (the bucket is full then); returns when the last went.
local function within_bucket(sent, rate, burst, started)
  table.sort(sent)
  for i, t in ipairs(sent) do
    local allowed = burst + rate * (t - started)
    assert.is_true(i <= allowed, ("request %d went %.3f s after the start, when the bucket allows %.2f")
      :format(i, t - started, allowed))
  end
  return sent[#sent] - started
end

-- Runs `fns` as coroutines whose sleep yields: each pause resumes once the
-- time has come, by `clock`; `wait(seconds)` passes the time when every
-- coroutine is paused (a real sleep, or moving a virtual clock).
local function run_coroutines(fns, clock, wait)
  local waking = {}
  for i, fn in ipairs(fns) do waking[i] = { co = coroutine.create(fn), at = clock() } end
  while #waking > 0 do
    table.sort(waking, function(a, b) return a.at < b.at end)
    local first = table.remove(waking, 1)
    if first.at > clock() then wait(first.at - clock()) end
    local ok, pause = coroutine.resume(first.co)
    assert(ok, pause)
    if coroutine.status(first.co) ~= "dead" then
      first.at = clock() + pause
      waking[#waking + 1] = first
    end
  end
end

local function yielding_sleep(seconds) coroutine.yield(seconds) end

describe("rate limiter", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("options", function()
    it("defaults to the API's documented limits", function()
      assert.are.same({ writes_per_minute = 2000, reads_per_minute = 100000,
                        write_burst = 400, read_burst = 10000,
                        extract_per_minute = 6, extract_burst = 3 }, ratelimit.DEFAULTS)
    end)

    it("accepts a partial table and false", function()
      helper.client(mock, { rate_limit = { reads_per_minute = 600 } })
      local client = helper.client(mock, { rate_limit = false })
      assert.is_nil(client.limiter)
    end)

    it("refuses anything else at construction", function()
      for _, value in ipairs {
        5, "fast", true,
        { reads_per_minute = 0 }, { writes_per_minute = -1 }, { read_burst = 1.5 },
        { write_burst = 0 }, { reads_per_second = 10 }, { extract_per_minute = 0 }, { extract_burst = 2.5 },
      } do
        assert.has_error(function()
          signals.new{ api_key = helper.API_KEY, base_url = mock.url, rate_limit = value }
        end)
      end
    end)
  end)

  describe("token buckets", function()
    it("lets a burst through, then spaces requests by the rate", function()
      local client, slept = helper.client(mock, { rate_limit = { reads_per_minute = 60, read_burst = 2 } })
      for _ = 1, 4 do assert(client:get_credits()) end
      assert.are.equal(2, #slept)
      near(1, slept[1])
      near(1, slept[2])
      assert.are.equal(4, #mock:requests())
    end)

    it("keeps writes and reads apart", function()
      local client, slept = helper.client(mock, { rate_limit = { writes_per_minute = 30, write_burst = 1,
                                                                 reads_per_minute = 6000, read_burst = 1 } })
      assert(client:create_signal{ domain = "acme.com", question = "One?" })
      assert(client:get_credits())
      assert.are.same({}, slept)
      assert(client:create_signal{ domain = "acme.com", question = "Two?" })
      assert.are.equal(1, #slept)
      near(2, slept[1])
    end)

    it("gives template-extract proposals a bucket of their own (6 a minute, burst 3) beside the writes", function()
      local client, slept = helper.client(mock, { max_retries = 0 })
      for _ = 1, 5 do client:propose_template_extraction{ signalType = "company" } end
      assert.are.equal(5, #mock:requests_to("POST", "/v1/signal-templates/extract/propose"))
      -- three at once, then one every 10 s
      assert.are.equal(2, #slept)
      near(10, slept[1])
      near(10, slept[2])
      -- the other writes are not held back by it, and take their own tokens
      assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      assert.are.equal(2, #slept)
    end)

    it("counts a proposal against the write bucket too", function()
      local client, slept = helper.client(mock, { max_retries = 0,
        rate_limit = { writes_per_minute = 60, write_burst = 1 } })
      assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      client:propose_template_extraction{ signalType = "company" }
      assert.are.equal(1, #slept)
      near(1, slept[1])
    end)

    it("counts every attempt, retries included", function()
      mock:fault{ method = "GET", path = "/v1/credits", fault = "status", status = 503,
                  headers = { ["Retry-After"] = "0" } }
      local client, slept = helper.client(mock, { rate_limit = { reads_per_minute = 60, read_burst = 1 } })
      assert(client:get_credits())
      -- the retry's own wait (0), then the bucket's second
      assert.are.equal(2, #slept)
      assert.are.equal(0, slept[1])
      near(1, slept[2])
    end)

    it("spaces concurrent calls too", function()
      local client, slept = helper.client(mock, { rate_limit = { reads_per_minute = 600, read_burst = 2 } })
      local calls = {}
      for i = 1, 5 do calls[i] = { "get_credits" } end
      local results = client:all(calls, { concurrency = 5 })
      for i = 1, 5 do assert.is_number(results[i].remainingCredits) end
      -- two at once, then one every 0.1 s: 0.3 s of waiting in all
      local total = 0
      for _, s in ipairs(slept) do total = total + s end
      near(0.3, total)
    end)

    it("never lets a herd through: coroutines waiting together each go at a slot of their own", function()
      -- 25 calls at once, each in its coroutine, with a sleep that yields
      -- and real time: 5 at once, then one every 0.1 s.
      local sent = {}
      local client = helper.client(mock, { sleep = yielding_sleep,
        rate_limit = { reads_per_minute = 600, read_burst = 5 },
        on_request = function() sent[#sent + 1] = socket.gettime() end })
      local calls = {}
      for i = 1, 25 do calls[i] = function() assert(client:get_credits()) end end
      local started = socket.gettime()
      run_coroutines(calls, socket.gettime, socket.sleep)
      assert.are.equal(25, #mock:requests())
      assert.are.equal(25, #sent)
      local last = within_bucket(sent, 10, 5, started)
      assert.is_true(last < 2.5, last .. " s")
    end)

    it("never lets a herd through on the client's own clock, however many wait", function()
      -- 200 coroutines and a virtual clock (the `clock` option) that only
      -- their sleeps move: the sends are exactly the bucket's slots.
      local now = 1e9
      local sent = {}
      local client = helper.client(mock, { sleep = yielding_sleep, clock = function() return now end,
        rate_limit = { reads_per_minute = 600, read_burst = 5 },
        on_request = function() sent[#sent + 1] = now end })
      local calls = {}
      for i = 1, 200 do calls[i] = function() assert(client:get_credits()) end end
      run_coroutines(calls, function() return now end, function(seconds) now = now + seconds end)
      assert.are.equal(200, #mock:requests())
      near(19.5, within_bucket(sent, 10, 5, 1e9))
    end)

    it("never lets a herd through client:all either", function()
      local sent = {}
      local client = helper.client(mock, { sleep = socket.sleep,
        rate_limit = { reads_per_minute = 600, read_burst = 5 },
        on_request = function() sent[#sent + 1] = socket.gettime() end })
      local calls = {}
      for i = 1, 25 do calls[i] = { "get_credits" } end
      local started = socket.gettime()
      local results = client:all(calls, { concurrency = 8 })
      for i = 1, 25 do assert.is_number(results[i].remainingCredits, tostring(results[i])) end
      assert.are.equal(25, #mock:requests())
      local last = within_bucket(sent, 10, 5, started)
      assert.is_true(last < 2.5, last .. " s")
    end)

    it("keeps client:all and single calls waiting together within one bucket", function()
      if helper.NO_YIELD_ACROSS_PCALL then return pending(helper.NO_YIELD_ACROSS_PCALL) end
      -- Two client:all and ten single calls, in coroutines, on one client.
      local now = 1e9
      local sent = {}
      local client = helper.client(mock, { sleep = yielding_sleep, clock = function() return now end,
        rate_limit = { reads_per_minute = 600, read_burst = 3 },
        on_request = function() sent[#sent + 1] = now end })
      local batch = {}
      for i = 1, 10 do batch[i] = { "get_credits" } end
      local fns = {}
      for i = 1, 2 do fns[i] = function() client:all(batch, { concurrency = 4 }) end end
      for i = 3, 12 do fns[i] = function() assert(client:get_credits()) end end
      run_coroutines(fns, function() return now end, function(seconds) now = now + seconds end)
      assert.are.equal(30, #mock:requests())
      near(2.7, within_bucket(sent, 10, 3, 1e9))
    end)

    it("is off with rate_limit = false", function()
      local client, slept = helper.client(mock, { rate_limit = false })
      for _ = 1, 20 do assert(client:get_credits()) end
      assert.are.same({}, slept)
    end)
  end)

  describe("the server's count", function()
    it("holds a call back until the window resets instead of getting a 429", function()
      mock:config{ rate_limit = { limit = 2, window_s = 0.3 } }
      local sleep, slept = helper.real_sleep()
      local client = helper.client(mock, { sleep = sleep })
      for _ = 1, 3 do assert(client:get_credits()) end
      assert.are.same({ 200, 200, 200 }, statuses(mock))
      -- X-Ratelimit-Reset is whole seconds: the wait ends at the next one
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] > 0 and slept[1] <= 1.3, tostring(slept[1]))
    end)

    it("is what prevents the 429 (without it the server refuses)", function()
      mock:config{ rate_limit = { limit = 2, window_s = 30 } }
      local client = helper.client(mock, { rate_limit = false, max_retries = 0 })
      assert(client:get_credits())
      assert(client:get_credits())
      local _, err = client:get_credits()
      assert.are.equal(429, err.status)
    end)

    it("holds concurrent calls back, counting the requests in flight", function()
      -- Until the first answer nothing is known: up to `concurrency` go at
      -- once, which the limit allows here.
      mock:config{ rate_limit = { limit = 4, window_s = 0.3 } }
      local sleep, slept = helper.real_sleep()
      local client = helper.client(mock, { sleep = sleep })
      local calls = {}
      for i = 1, 6 do calls[i] = { "get_credits" } end
      local results = client:all(calls, { concurrency = 3 })
      for i = 1, 6 do assert.is_number(results[i].remainingCredits, tostring(results[i])) end
      assert.are.same({ 200, 200, 200, 200, 200, 200 }, statuses(mock))
      assert.is_true(#slept >= 1)
    end)

    it("does not wait for a reset further away than max_retry_after", function()
      mock:config{ rate_limit = { limit = 1, window_s = 120 } }
      local client, slept = helper.client(mock, { max_retry_after = 10 })
      assert(client:get_credits())
      local _, err = client:get_credits()
      assert.are.equal(429, err.status)
      assert.are.same({}, slept)
    end)

    it("applies a read's count to reads only", function()
      mock:config{ rate_limit = { limit = 1, window_s = 30 } }
      local client, slept = helper.client(mock, { max_retries = 0 })
      assert(client:get_credits())
      -- the server counts both in one window; the client learnt only of reads
      local _, err = client:create_signal{ domain = "acme.com", question = "Q?" }
      assert.are.equal(429, err.status)
      assert.are.same({}, slept)
    end)

    it("forgets a request whose answer a hook raised on: every request sent is answered once", function()
      mock:config{ rate_limit = { limit = 6, window_s = 30 } }
      local raise = true
      local client, slept = helper.client(mock, { on_response = function()
        if raise then error("hook failed", 0) end
      end })
      for _ = 1, 2 do assert.has_error(function() client:get_credits() end, "hook failed") end
      assert.has_error(function() client:all({ { "get_credits" } }) end, "hook failed")
      raise = false
      -- three left in the window, none in flight: they go without a wait
      for _ = 1, 3 do assert(client:get_credits()) end
      assert.are.same({}, slept)
      assert.are.equal(6, #mock:requests())
    end)

    it("takes a 429's retry hint as the end of the window", function()
      mock:config{ rate_limit = { limit = 0, window_s = 30 } }
      local client, slept = helper.client(mock, { max_retries = 1 })
      local _, err = client:get_credits()
      assert.are.equal(429, err.status)
      -- the retry waited the hint once; the limiter added no second wait
      assert.are.equal(1, #slept)
      assert.are.equal(err.retry_after, slept[1])
    end)
  end)

  describe("the client's clock", function()
    it("counts a Retry-After date on the client's clock", function()
      local date = os.time() + 3600
      mock:fault{ method = "GET", path = "/v1/credits", fault = "status", status = 503,
                  headers = { ["Retry-After"] = os.date("!%a, %d %b %Y %H:%M:%S GMT", date) } }
      local now = date - 5
      local slept = {}
      local client = helper.client(mock, { clock = function() return now end,
        sleep = function(seconds) slept[#slept + 1] = seconds; now = now + seconds end })
      assert(client:get_credits())
      assert.are.same({ 5 }, slept)
    end)
  end)
end)

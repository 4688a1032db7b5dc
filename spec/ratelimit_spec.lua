-- The client-side rate limiter: token buckets for writes and reads (waits
-- in the client's recorded sleeps), and the server's X-Ratelimit-Remaining
-- / X-Ratelimit-Reset holding requests back before a 429 (signals-mock's
-- limiter, with real sleeps where the server's window must really pass).
local helper = require("helper")
local signals = require("signals")
local ratelimit = require("signals.ratelimit")

local function statuses(mock)
  local seen = {}
  for _, req in ipairs(mock:requests()) do seen[#seen + 1] = req.status end
  return seen
end

local function near(expected, actual)
  assert.is_true(math.abs(expected - actual) < 0.05, ("expected about %g, got %g"):format(expected, actual))
end

describe("rate limiter", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("options", function()
    it("defaults to the API's documented limits", function()
      assert.are.same({ writes_per_minute = 2000, reads_per_minute = 100000,
                        write_burst = 400, read_burst = 10000 }, ratelimit.DEFAULTS)
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
        { write_burst = 0 }, { reads_per_second = 10 },
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
end)

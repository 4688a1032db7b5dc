-- The HTTP retry policy (CONTRACT §6, §9) end to end: attempts are counted in
-- the mock's request log, waits in the client's recorded sleeps (nothing is
-- slept for real).
local helper = require("helper")
local signals = require("signals")
local retry = require("signals.retry")

local UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers?" }
local CREDITS = { method = "GET", path = "/v1/credits" }
local CREATE = { method = "POST", path = "/v1/companies/signals" }

local function fault(mock, route, spec)
  spec.method, spec.path = route.method, route.path
  spec.times = spec.times or 1
  mock:fault(spec)
end

local function count(mock, route)
  return #mock:requests_to(route.method, route.path)
end

local function http_date(t)
  return os.date("!%a, %d %b %Y %H:%M:%S GMT", t)
end

describe("retry", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("which failures are retried", function()
    it("retries a 503 on a POST (it cannot have been processed)", function()
      fault(mock, CREATE, { fault = "status", status = 503, times = 2 })
      local client, slept = helper.client(mock, { max_retries = 2 })
      local sig, err = client:create_signal(SIGNAL)
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal(3, count(mock, CREATE))
      assert.are.equal(2, #slept)
    end)

    it("retries a 429 on a POST", function()
      fault(mock, CREATE, { fault = "status", status = 429, times = 1 })
      local client, slept = helper.client(mock)
      assert(client:create_signal(SIGNAL))
      assert.are.equal(2, count(mock, CREATE))
      assert.are.equal(1, #slept)
    end)

    it("does not retry a 500 on a POST, and says it would not", function()
      fault(mock, CREATE, { fault = "status", status = 500, times = 1 })
      local client, slept = helper.client(mock, { max_retries = 3 })
      local sig, err = client:create_signal(SIGNAL)
      assert.is_nil(sig)
      assert.are.equal("http", err.kind)
      assert.are.equal(500, err.status)
      assert.is_false(err.retryable)
      assert.are.equal(1, count(mock, CREATE))
      assert.are.same({}, slept)
    end)

    for _, status in ipairs({ 408, 500, 502, 504 }) do
      it("does not retry a " .. status .. " on a POST", function()
        fault(mock, CREATE, { fault = "status", status = status, times = 1 })
        local client, slept = helper.client(mock)
        local _, err = client:create_signal(SIGNAL)
        assert.are.equal(status, err.status)
        assert.are.equal(1, count(mock, CREATE))
        assert.are.same({}, slept)
      end)
    end

    for _, status in ipairs({ 408, 429, 500, 502, 503, 504 }) do
      it("retries a " .. status .. " on a GET", function()
        fault(mock, CREDITS, { fault = "status", status = status, times = 2 })
        local client, slept = helper.client(mock, { max_retries = 2 })
        local credits, err = client:get_credits()
        assert.is_nil(err, err and tostring(err))
        assert.is_number(credits.remainingCredits)
        assert.are.equal(3, count(mock, CREDITS))
        assert.are.equal(2, #slept)
      end)
    end

    for _, status in ipairs({ 400, 401, 403, 404, 409, 422 }) do
      it("never retries a " .. status, function()
        fault(mock, CREDITS, { fault = "status", status = status, times = 3,
                               body = '{"error":{"code":"X","message":"no"}}' })
        local client, slept = helper.client(mock, { max_retries = 2 })
        local _, err = client:get_credits()
        assert.are.equal(status, err.status)
        assert.is_false(err.retryable)
        assert.are.equal(1, count(mock, CREDITS))
        assert.are.same({}, slept)
      end)
    end

    it("never retries a real 404", function()
      local client, slept = helper.client(mock, { max_retries = 2 })
      local _, err = client:get_signal(UNKNOWN_UUID)
      assert.are.equal(404, err.status)
      assert.is_false(err.retryable)
      assert.are.equal(1, #mock:requests())
      assert.are.same({}, slept)
    end)

    it("retries a refused connection, also for a POST", function()
      local sent = 0
      local client, slept = helper.client({ url = "http://127.0.0.1:" .. helper.dead_port() }, {
        max_retries = 2, on_request = function() sent = sent + 1 end })
      local sig, err = client:create_signal(SIGNAL)
      assert.is_nil(sig)
      assert.are.equal("network", err.kind)
      assert.is_true(err.retryable)
      assert.are.equal(3, sent)
      assert.are.equal(2, #slept)
    end)

    it("retries a reset connection on a GET", function()
      fault(mock, CREDITS, { fault = "reset", times = 1 })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal(2, count(mock, CREDITS))
      assert.are.equal(1, #slept)
    end)

    it("does not retry a reset connection on a POST (the request may have arrived)", function()
      fault(mock, CREATE, { fault = "reset", times = 1 })
      local client, slept = helper.client(mock)
      local _, err = client:create_signal(SIGNAL)
      assert.are.equal("network", err.kind)
      assert.is_false(err.retryable)
      assert.are.equal(1, count(mock, CREATE))
      assert.are.same({}, slept)
    end)

    it("retries a timeout on a GET", function()
      fault(mock, CREDITS, { fault = "stall", seconds = 1, times = 1 })
      local client, slept = helper.client(mock, { timeout = 0.2 })
      local credits, err = client:get_credits()
      assert.is_nil(err, err and tostring(err))
      assert.is_number(credits.remainingCredits)
      assert.are.equal(1, #slept)
    end)

    it("does not retry a body over max_response_bytes", function()
      fault(mock, CREDITS, { fault = "big", bytes = 4096, times = 3 })
      local client, slept = helper.client(mock, { max_response_bytes = 1024 })
      local _, err = client:get_credits()
      assert.are.equal("network", err.kind)
      assert.are.equal("RESPONSE_TOO_LARGE", err.code)
      assert.is_false(err.retryable)
      assert.are.equal(1, count(mock, CREDITS))
      assert.are.same({}, slept)
    end)

    it("does not retry a body that does not decode", function()
      fault(mock, CREDITS, { fault = "status", status = 200, body = "not json", times = 3 })
      local client, slept = helper.client(mock)
      local _, err = client:get_credits()
      assert.are.equal("decode", err.kind)
      assert.is_false(err.retryable)
      assert.are.equal(1, count(mock, CREDITS))
      assert.are.same({}, slept)
    end)
  end)

  describe("opts.retry_unsafe", function()
    it("lets a 500 on a POST be retried", function()
      fault(mock, CREATE, { fault = "status", status = 500, times = 1 })
      local client, slept = helper.client(mock)
      assert(client:create_signal(SIGNAL, { retry_unsafe = true }))
      assert.are.equal(2, count(mock, CREATE))
      assert.are.equal(1, #slept)
    end)

    it("lets a reset POST be retried", function()
      fault(mock, CREATE, { fault = "reset", times = 1 })
      local client = helper.client(mock)
      assert(client:create_signal(SIGNAL, { retry_unsafe = true }))
      assert.are.equal(2, count(mock, CREATE))
    end)

    it("still never retries a 4xx other than 408 and 429", function()
      fault(mock, CREATE, { fault = "status", status = 422, times = 1 })
      local client = helper.client(mock)
      local _, err = client:create_signal(SIGNAL, { retry_unsafe = true })
      assert.are.equal(422, err.status)
      assert.are.equal(1, count(mock, CREATE))
    end)
  end)

  describe("how many times", function()
    it("stops after max_retries and returns the last error with the verdict", function()
      fault(mock, CREDITS, { fault = "status", status = 503, times = 10 })
      local client, slept = helper.client(mock, { max_retries = 3 })
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal(503, err.status)
      assert.is_true(err.retryable)
      assert.are.equal(4, count(mock, CREDITS))
      assert.are.equal(3, #slept)
    end)

    it("takes max_retries per call", function()
      fault(mock, CREDITS, { fault = "status", status = 503, times = 10 })
      local client, slept = helper.client(mock, { max_retries = 5 })
      local _, err = client:get_credits(nil, { max_retries = 1 })
      assert.are.equal(503, err.status)
      assert.are.equal(2, count(mock, CREDITS))
      assert.are.equal(1, #slept)
    end)

    it("makes one attempt with max_retries = 0 and still gives the verdict", function()
      fault(mock, CREDITS, { fault = "status", status = 502, times = 1 })
      local client, slept = helper.client(mock, { max_retries = 0 })
      local _, err = client:get_credits()
      assert.are.equal(502, err.status)
      assert.is_true(err.retryable)
      assert.are.equal(1, count(mock, CREDITS))
      assert.are.same({}, slept)
    end)
  end)

  describe("how long to wait", function()
    it("waits the body's retryAfter", function()
      fault(mock, CREDITS, { fault = "status", status = 429,
        body = '{"statusCode":429,"message":"Rate limit exceeded","error":"Too Many Requests","retryAfter":7}' })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.same({ 7 }, slept)
    end)

    it("waits a Retry-After header in seconds", function()
      fault(mock, CREDITS, { fault = "status", status = 429, headers = { ["Retry-After"] = "4" } })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.same({ 4 }, slept)
    end)

    it("waits until a Retry-After HTTP date", function()
      fault(mock, CREDITS, { fault = "status", status = 503,
                             headers = { ["Retry-After"] = http_date(os.time() + 6) } })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] >= 4 and slept[1] <= 6, "slept " .. slept[1])
    end)

    it("waits until X-Ratelimit-Reset on a 429", function()
      fault(mock, CREDITS, { fault = "status", status = 429,
                             headers = { ["X-Ratelimit-Reset"] = tostring(os.time() + 5) } })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] >= 3 and slept[1] <= 5, "slept " .. slept[1])
    end)

    it("prefers the body's retryAfter to Retry-After", function()
      fault(mock, CREDITS, { fault = "status", status = 429, headers = { ["Retry-After"] = "9" },
        body = '{"statusCode":429,"message":"Rate limit exceeded","retryAfter":2}' })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.same({ 2 }, slept)
    end)

    it("prefers Retry-After to X-Ratelimit-Reset", function()
      fault(mock, CREDITS, { fault = "status", status = 429, headers = { ["Retry-After"] = "3",
        ["X-Ratelimit-Reset"] = tostring(os.time() + 40) } })
      local client, slept = helper.client(mock)
      assert(client:get_credits())
      assert.are.same({ 3 }, slept)
    end)

    it("returns at once when the hint is above max_retry_after", function()
      fault(mock, CREDITS, { fault = "status", status = 429, times = 3,
        body = '{"statusCode":429,"message":"Rate limit exceeded","retryAfter":30}' })
      local client, slept = helper.client(mock, { max_retry_after = 10 })
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal(429, err.status)
      assert.are.equal(30, err.retry_after)
      assert.is_true(err.retryable)
      assert.are.equal(1, count(mock, CREDITS))
      assert.are.same({}, slept)
    end)

    it("waits a hint equal to max_retry_after", function()
      fault(mock, CREDITS, { fault = "status", status = 429, headers = { ["Retry-After"] = "10" } })
      local client, slept = helper.client(mock, { max_retry_after = 10 })
      assert(client:get_credits())
      assert.are.same({ 10 }, slept)
    end)

    it("honours the rate limiter's own 429", function()
      mock:config{ rate_limit = { limit = 1, window_s = 3, body = "global", retry_after = "seconds" } }
      -- Without the client's own limiter, which would hold the call back
      -- until the window resets (spec/ratelimit_spec.lua).
      local client, slept = helper.client(mock, { max_retries = 1, rate_limit = false })
      assert(client:get_credits())
      local _, err = client:get_credits()
      assert.are.equal(429, err.status)
      assert.is_number(err.retry_after)
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] > 0 and slept[1] <= 3, "slept " .. slept[1])
    end)

    it("backs off with full jitter without a hint", function()
      fault(mock, CREDITS, { fault = "status", status = 503, times = 4 })
      local client, slept = helper.client(mock, { max_retries = 4, retry_base_delay = 0.5, retry_max_delay = 2 })
      assert(client:get_credits())
      assert.are.equal(4, #slept)
      local ceilings = { 0.5, 1, 2, 2 }
      for n, delay in ipairs(slept) do
        assert.is_true(delay >= 0 and delay <= ceilings[n], "retry " .. n .. " waited " .. delay)
      end
    end)

    it("draws the n-th wait uniformly in [0, min(max, base * 2^(n-1))]", function()
      local options = { retry_base_delay = 0.25, retry_max_delay = 3 }
      for n = 1, 6 do
        local ceiling = math.min(3, 0.25 * 2 ^ (n - 1))
        local low, high, sum = math.huge, 0, 0
        for _ = 1, 2000 do
          local delay = retry.backoff(n, options)
          assert.is_true(delay >= 0 and delay <= ceiling)
          low, high, sum = math.min(low, delay), math.max(high, delay), sum + delay
        end
        -- full jitter spreads over the whole range, not around the ceiling
        assert.is_true(low < ceiling * 0.05, "lowest " .. low)
        assert.is_true(high > ceiling * 0.95, "highest " .. high)
        local mean = sum / 2000
        assert.is_true(mean > ceiling * 0.4 and mean < ceiling * 0.6, "mean " .. mean)
      end
    end)
  end)
end)

-- The fault matrix: every fault the network, a proxy or the API can produce,
-- one case per row, driven by signals-mock over real HTTP. Each row asserts
-- the error kind, the status where there is one, the number of attempts
-- (the mock's request log; the client's on_request hook where no server
-- sees the request), and that the same client then completes a normal call.
-- The matrix (row, result) is printed after the rows have run.
--
-- What a body the API should not send yields (CONTRACT §4, §9). CONTRACT §9 makes a
-- body a decode error when it "is not valid JSON or not the documented
-- shape"; these three are valid JSON syntax in the documented shape, so
-- they are data, passed through as CONTRACT §4 passes free-form JSON through:
--   * invalid UTF-8 inside a string: the bytes come through unchanged (a
--     signal whose one source title has a bad byte still has its answer;
--     the encoder, not the decoder, refuses invalid UTF-8 on the way out);
--   * numbers out of range: the nearest Lua number, 1e400 is math.huge and
--     integers beyond 2^53 are floats (RFC 8259 §6 leaves the range open);
--   * duplicate keys: the first one wins, in every field, totable and value
--     (RFC 8259 §4 leaves it open; one answer everywhere is what matters).
local helper = require("helper")
local signals = require("signals")
local socket = require("socket")

local SIGNAL_ID = "3f1b2a4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
local SIGNAL_PATH = "/v1/companies/signals/" .. SIGNAL_ID
local CREDITS = "/v1/credits"

local matrix = {}

-- One row of the matrix: the spec's body returns what it saw, in words.
local function row(name, body)
  it(name, function()
    local ok, outcome = pcall(body)
    matrix[#matrix + 1] = { name = name, ok = ok, seen = ok and outcome or tostring(outcome):match("[^\n]*") }
    if not ok then error(outcome, 0) end
  end)
end

local function print_matrix()
  local width = 0
  for _, r in ipairs(matrix) do width = math.max(width, #r.name) end
  local passed = 0
  local lines = { "", "fault matrix:" }
  for _, r in ipairs(matrix) do
    if r.ok then passed = passed + 1 end
    lines[#lines + 1] = string.format("  %-" .. width .. "s  %-4s  %s", r.name, r.ok and "pass" or "FAIL", r.seen)
  end
  lines[#lines + 1] = string.format("fault matrix: %d of %d rows passed", passed, #matrix)
  io.write(table.concat(lines, "\n"), "\n")
end

-- What an error says in the matrix: kind, status, code, attempts.
local function seen(err, attempts)
  return string.format("%s%s%s, %d attempt%s", err.kind, err.status and " " .. err.status or "",
    err.code and " " .. err.code or "", attempts, attempts == 1 and "" or "s")
end

-- The call fails as expected: kind, status (nil for none), and attempts
-- as the client reports them.
local function failed(kind, status, result, err)
  assert.is_nil(result)
  assert.is_not_nil(err, "the call succeeded")
  assert.are.equal("error", signals.kind(err))
  assert.are.equal(kind, err.kind, tostring(err))
  assert.are.equal(status, err.status, tostring(err))
  assert.is_true(#err.message > 0)
  return err
end

-- The same client then completes a normal call (with a per-call timeout of
-- its own, so that a row's short timeout does not decide it).
local function still_works(client)
  local credits, err = client:get_credits(nil, { timeout = 10 })
  assert.is_nil(err, err and tostring(err))
  assert.are.equal("number", type(credits.remainingCredits))
end

local function counting(opts)
  local sent = { n = 0 }
  opts.on_request = function() sent.n = sent.n + 1 end
  return opts, sent
end

-- The server comes up on the port a row's client failed to reach: the same
-- client reaches it, and it is the first request the server sees.
local function works_once_up(client, port)
  local late = helper.start_mock("--port " .. port)
  local ok, problem = pcall(function()
    still_works(client)
    assert.are.equal(1, #late:requests())
  end)
  late:stop()
  assert(ok, problem)
end

local function signal_body(fields)
  local t = helper.fixture_table("company_signal_processing.json")
  t.id = SIGNAL_ID
  for k, v in pairs(fields or {}) do t[k] = v end
  return helper.json.encode(t)
end

describe("fault matrix", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  teardown(print_matrix)

  local function attempts()
    return #mock:requests()
  end

  local function fault(spec)
    spec.path = spec.path or CREDITS
    spec.method = spec.method or "GET"
    mock:fault(spec)
  end

  row("connection refused", function()
    local port = helper.dead_port()
    local opts, sent = counting({})
    local client, slept = helper.client({ url = "http://127.0.0.1:" .. port }, opts)
    local err = failed("network", nil, client:get_credits())
    assert.are.equal("COULDNT_CONNECT", err.code)
    local tries = sent.n
    assert.are.equal(3, tries)
    assert.are.equal(3, err.attempts)
    assert.are.equal(2, #slept)
    works_once_up(client, port)
    return seen(err, tries)
  end)

  -- Faults of the transfer on a GET: retried (max_retries = 2, so three
  -- attempts), then the error of the last one. A stall of 1 s outlasts a
  -- total timeout of 0.3 s; the others keep helper.client's 10 s.
  for _, case in ipairs {
    { "reset before any byte", { fault = "reset" }, "network", "connection reset" },
    { "reset in the middle of the body", { fault = "reset_body" }, "network" },
    { "stall before the headers (total timeout)", { fault = "stall", seconds = 1 }, "timeout", "total timeout", 0.3 },
    { "stall in the middle of the body (total timeout)", { fault = "stall_body", seconds = 1 }, "timeout",
      "total timeout", 0.3 },
  } do
    local name, spec, kind, words, timeout = case[1], case[2], case[3], case[4], case[5]
    row(name, function()
      spec.times = 3
      fault(spec)
      local client, slept = helper.client(mock, { timeout = timeout })
      local t0 = socket.gettime()
      local err = failed(kind, nil, client:get_credits())
      assert.is_true(socket.gettime() - t0 < 5)
      if words then assert.matches(words, err.message:lower()) end
      assert.are.equal(3, attempts())
      assert.are.equal(2, #slept)
      still_works(client)
      return seen(err, 3)
    end)
  end

  row("stall before the connection (connect timeout)", function()
    local port, release = helper.unresponsive_port()
    local opts, sent = counting({ connect_timeout = 0.3 })
    local client = helper.client({ url = "http://127.0.0.1:" .. port }, opts)
    local ok, err = pcall(function() return failed("timeout", nil, client:get_credits()) end)
    release()
    assert(ok, err)
    assert.matches("connect timeout", err.message)
    local tries = sent.n
    assert.are.equal(3, tries)
    works_once_up(client, port)
    return seen(err, tries)
  end)

  row("truncated JSON with a full Content-Length", function()
    fault{ fault = "truncate", times = 3 }
    local client = helper.client(mock)
    local err = failed("network", nil, client:get_credits())
    assert.are.equal("PARTIAL_FILE", err.code)
    assert.are.equal(3, attempts())
    still_works(client)
    return seen(err, 3)
  end)

  row("empty 200", function()
    fault{ fault = "status", status = 200, body = "" }
    local client = helper.client(mock)
    local err = failed("decode", 200, client:get_credits())
    assert.matches("empty", err.message)
    assert.are.equal(1, attempts())
    still_works(client)
    return seen(err, 1)
  end)

  row("wrong content type", function()
    -- The body decides: JSON labelled text/html is data, a proxy's HTML
    -- page labelled as JSON is a decode error.
    fault{ fault = "status", status = 200, body = { remainingCredits = 7 }, headers = { ["Content-Type"] = "text/html" } }
    local client = helper.client(mock)
    assert.are.equal(7, assert(client:get_credits()).remainingCredits)
    fault{ fault = "status", status = 200, body = "<html><body>Sign in to continue</body></html>" }
    local err = failed("decode", 200, client:get_credits())
    assert.are.equal(2, attempts())
    still_works(client)
    return seen(err, 1) .. " (JSON as text/html: data)"
  end)

  for _, status in ipairs { 502, 503 } do
    row("HTML " .. status .. " from a proxy", function()
      fault{ fault = "html" .. status, times = 3 }
      local client = helper.client(mock)
      local err = failed("http", status, client:get_credits())
      assert.matches("HTTP " .. status, err.message)
      assert.is_nil(err.message:find("<", 1, true))
      assert.is_true(err.retryable)
      assert.are.equal(3, attempts())
      still_works(client)
      return seen(err, 3)
    end)
  end

  -- The mock's own rate limiter with no request admitted: every attempt is
  -- a 429 with the body the limiter was told to use.
  local function rate_limited(body)
    mock:config{ rate_limit = { limit = 0, window_s = 30, body = body } }
    local client, slept = helper.client(mock)
    local err = failed("http", 429, client:get_credits())
    assert.are.equal(3, attempts())
    assert.are.equal(2, #slept)
    -- the seconds left in the 30 s window (its end rounded up to a whole
    -- second): each wait is the hint of its attempt, on the client's clock,
    -- which the recorded waits move on (by then the end X-Ratelimit-Reset
    -- names may be past)
    assert.is_true(slept[1] > 0 and slept[1] <= 31, tostring(slept[1]))
    for _, wait in ipairs { err.retry_after, slept[2] } do
      assert.is_true(wait >= 0 and wait <= 31, tostring(wait))
    end
    mock:config{ rate_limit = helper.json.null }
    still_works(client)
    return err
  end

  row("429 with the rate limiter's body", function()
    local err = rate_limited("global")
    assert.are.equal("Too Many Requests", err.type)
    assert.are.equal("Rate limit exceeded", err.message)
    return seen(err, 3) .. ", retry_after " .. err.retry_after .. " (body)"
  end)

  row("429 with the API's per-route body", function()
    local err = rate_limited("route")
    assert.are.equal("TOO_MANY_REQUESTS", err.code)
    assert.are.equal("Per-route rate limit exceeded", err.message)
    return seen(err, 3) .. ", retry_after " .. err.retry_after .. " (X-Ratelimit-Reset)"
  end)

  row("429 with Retry-After in seconds", function()
    fault{ fault = "status", status = 429, body = { statusCode = 429, message = "slow down" },
           headers = { ["Retry-After"] = "7" }, times = 3 }
    local client, slept = helper.client(mock)
    local err = failed("http", 429, client:get_credits())
    assert.are.equal(7, err.retry_after)
    assert.are.same({ 7, 7 }, slept)
    assert.are.equal(3, attempts())
    still_works(client)
    return seen(err, 3) .. ", retry_after 7"
  end)

  row("429 with Retry-After as an HTTP date", function()
    local date = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 20)
    fault{ fault = "status", status = 429, body = "", headers = { ["Retry-After"] = date }, times = 3 }
    local client, slept = helper.client(mock)
    local err = failed("http", 429, client:get_credits())
    -- the first wait reaches the date on the client's clock: the next
    -- answers name a date already past
    assert.is_true(slept[1] >= 17 and slept[1] <= 20, tostring(slept[1]))
    assert.are.equal(2, #slept)
    assert.is_true(slept[2] < 0.001 and err.retry_after < 0.001, slept[2] .. " " .. err.retry_after)
    assert.are.equal(3, attempts())
    still_works(client)
    return seen(err, 3) .. ", waited " .. slept[1] .. " then 0"
  end)

  row("Retry-After longer than max_retry_after", function()
    fault{ fault = "status", status = 429, body = "", headers = { ["Retry-After"] = "120" } }
    local client, slept = helper.client(mock, { max_retry_after = 60 })
    local err = failed("http", 429, client:get_credits())
    assert.are.equal(120, err.retry_after)
    assert.is_true(err.retryable)
    assert.are.same({}, slept)
    assert.are.equal(1, attempts())
    still_works(client)
    return seen(err, 1) .. ", retry_after 120 not waited"
  end)

  row("5xx beyond max_retries", function()
    fault{ fault = "status", status = 500, body = helper.fixture("error_500_internal.json"), times = 3 }
    local client, slept = helper.client(mock, { max_retries = 2 })
    local err = failed("http", 500, client:get_credits())
    assert.is_true(err.retryable)
    assert.are.equal(3, attempts())
    assert.are.equal(2, #slept)
    still_works(client)
    assert.are.equal(4, attempts())
    return seen(err, 3)
  end)

  row("body over max_response_bytes", function()
    fault{ fault = "big", bytes = 5000 }
    local client = helper.client(mock, { max_response_bytes = 1000 })
    local err = failed("network", nil, client:get_credits())
    assert.are.equal("RESPONSE_TOO_LARGE", err.code)
    assert.is_false(err.retryable)
    assert.are.equal(1, attempts())
    still_works(client)
    return seen(err, 1)
  end)

  row("JSON nested 100000 deep", function()
    local deep = 100000
    fault{ path = SIGNAL_PATH, fault = "status", status = 200,
           body = '{"id":' .. string.rep("[", deep) .. string.rep("]", deep) .. "}" }
    local client = helper.client(mock)
    local err = failed("decode", 200, client:get_signal(SIGNAL_ID))
    assert.are.equal(1, attempts())
    still_works(client)
    return seen(err, 1)
  end)

  row("invalid UTF-8", function()
    local bytes = "\255\254\192\128\237\160\128"
    fault{ path = SIGNAL_PATH, fault = "status", status = 200, body = signal_body{ question = "Hiring? " .. bytes } }
    local client = helper.client(mock)
    local sig = assert(client:get_signal(SIGNAL_ID))
    assert.are.equal("Hiring? " .. bytes, sig.question)
    assert.are.equal("string", type(tostring(sig)))
    assert.are.equal(1, attempts())
    still_works(client)
    return "data: the bytes pass through, 1 attempt"
  end)

  row("numbers out of range", function()
    fault{ path = SIGNAL_PATH, fault = "status", status = 200,
           body = signal_body():gsub("}%s*$", ',"confidence":1e400,"rank":-1e400,"count":123456789012345678901234567890}') }
    local client = helper.client(mock)
    local sig = assert(client:get_signal(SIGNAL_ID))
    assert.are.equal(math.huge, sig.confidence)
    assert.are.equal(-math.huge, sig.rank)
    assert.are.equal(1.2345678901234568e29, sig.count)
    assert.are.equal(1, attempts())
    still_works(client)
    return "data: nearest Lua number (1e400 is inf), 1 attempt"
  end)

  row("duplicate keys", function()
    fault{ path = SIGNAL_PATH, fault = "status", status = 200,
           body = '{"id":"' .. SIGNAL_ID .. '","status":"completed","status":"failed",'
             .. '"answer":{"type":"number","number":{"value":1,"value":2}}}' }
    local client = helper.client(mock)
    local sig = assert(client:get_signal(SIGNAL_ID))
    assert.are.equal("completed", sig.status)
    assert.are.equal("completed", sig:totable().status)
    assert.are.equal(1, sig:value())
    assert.is_nil(sig:failure())
    assert.are.equal(1, attempts())
    still_works(client)
    return "data: the first key wins, 1 attempt"
  end)

  row("a 200 whose JSON is not the expected shape", function()
    fault{ path = SIGNAL_PATH, fault = "status", status = 200, body = "[" .. signal_body() .. "]" }
    fault{ path = "/v1/companies/signals", fault = "status", status = 200, body = signal_body() }
    local client = helper.client(mock)
    local err = failed("decode", 200, client:get_signal(SIGNAL_ID))
    assert.matches("expected a JSON object, got an array", err.message)
    local page_err = failed("decode", 200, client:list_signals())
    assert.matches("expected a page", page_err.message)
    assert.are.equal(2, attempts())
    still_works(client)
    return seen(err, 1) .. "; an object for a page too"
  end)
end)

describe("faults found by fuzzing", function()
  -- A body's retryAfter beyond a double's range parses as infinity, which
  -- classify_error once gave as the wait; it is garbage, and the header's
  -- hint is the one the client takes.
  it("a retryAfter of 1e999 in a body is no wait", function()
    local body = '{"statusCode":429,"message":"Rate limit exceeded","retryAfter":144e819}'
    assert.is_nil(require("signals.core").classify_error(429, body, "application/json").retry_after)
    local mock = helper.mock()
    mock:fault{ path = CREDITS, fault = "status", status = 429, body = body, headers = { ["Retry-After"] = "5" } }
    local client, slept = helper.client(mock)
    assert(client:get_credits())
    assert.are.same({ 5 }, slept)
  end)

  -- A server repeating a header with an empty value: the empty element
  -- is no part of the value (the transport once gave "7, ").
  it("a repeated header with an empty value keeps the other value", function()
    local url = helper.raw_server("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nRetry-After:\r\n"
      .. "X-Empty:\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    local seen_headers
    local client, slept = helper.client({ url = url }, { max_retries = 0,
      on_response = function(r) seen_headers = r.headers end })
    local err = failed("http", 429, client:get_credits())
    assert.are.equal("7", seen_headers["retry-after"])
    assert.are.equal("", seen_headers["x-empty"])
    assert.are.equal(7, err.retry_after)
    assert.are.same({}, slept)
  end)
end)

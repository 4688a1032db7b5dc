-- signals-mock enforcing the API's documented limits on demand
-- (API-NOTES §13): rate_limit mode "buckets" — token buckets for writes,
-- reads and template-extract proposals (which also take a write token),
-- with the X-Ratelimit-* headers and the 429 bodies of the window mode —,
-- the 100-signal cap of a batch without async, and GET /_mock/stats.
local helper = require("helper")
local http = require("socket.http")
local ltn12 = require("ltn12")

describe("signals-mock: rate-limit buckets", function()
  local mock

  before_each(function()
    mock = helper.api{ delay_ms = 0 }
  end)

  local function request(method, path, body)
    local payload = body and helper.json.encode(body) or nil
    local chunks = {}
    local _, status, headers = http.request{ url = mock.url .. path, method = method,
      headers = { authorization = "Bearer " .. helper.API_KEY, ["content-type"] = "application/json",
                  ["content-length"] = payload and tostring(#payload) or nil },
      source = payload and ltn12.source.string(payload) or nil, sink = ltn12.sink.table(chunks) }
    local text = table.concat(chunks)
    return status, headers, text ~= "" and helper.json.decode(text) or nil
  end

  local CREATE = { domain = "acme.com", question = "Hiring?", forceRefresh = true }
  local PROPOSE = { signalType = "company" }

  local function limit_of(h)
    return tonumber(h["x-ratelimit-limit"]), tonumber(h["x-ratelimit-remaining"]),
           tonumber(h["x-ratelimit-reset"])
  end

  it("has the API's defaults: writes 2000/min burst 400, reads 100 000/min burst 10 000", function()
    mock:config{ rate_limit = { mode = "buckets" } }
    local _, h = request("POST", "/v1/companies/signals", CREATE)
    local limit, remaining = limit_of(h)
    assert.are.equal(2000, limit)
    assert.are.equal(399, remaining)
    _, h = request("GET", "/v1/credits")
    limit, remaining = limit_of(h)
    assert.are.equal(100000, limit)
    assert.are.equal(9999, remaining)
    _, h = request("POST", "/v1/signal-templates/extract/propose", PROPOSE)
    limit, remaining = limit_of(h)
    assert.are.equal(6, limit)
    assert.are.equal(2, remaining)
  end)

  it("refuses a write once the burst is spent, and lets one through per refilled token", function()
    mock:config{ rate_limit = { mode = "buckets", writes_per_minute = 60, write_burst = 2 } }
    local t0 = os.time()
    assert.are.equal(200, (request("POST", "/v1/companies/signals", CREATE)))
    local status, h = request("POST", "/v1/companies/signals", CREATE)
    assert.are.equal(200, status)
    local _, remaining, reset = limit_of(h)
    assert.are.equal(0, remaining)
    -- full again two seconds on (2 tokens at one a second)
    assert.is_true(reset >= t0 + 1 and reset <= t0 + 4, tostring(reset - t0))
    local body
    status, h, body = request("POST", "/v1/companies/signals", CREATE)
    assert.are.equal(429, status)
    assert.are.same({ statusCode = 429, message = "Rate limit exceeded", error = "Too Many Requests",
                      retryAfter = 1 }, body)
    assert.are.equal("0", h["x-ratelimit-remaining"])
    -- reads have their own bucket
    assert.are.equal(200, (request("GET", "/v1/credits")))
    helper.sleep(1.05)
    assert.are.equal(200, (request("POST", "/v1/companies/signals", CREATE)))
    assert.are.equal(429, (request("POST", "/v1/companies/signals", CREATE)))
  end)

  it("gives proposals their own bucket on top of the write bucket (6/min, burst 3)", function()
    -- A write bucket that refills once a minute, so that the count below
    -- holds however slowly the requests go (under valgrind, say).
    mock:config{ rate_limit = { mode = "buckets", body = "route", retry_after = "seconds",
                                writes_per_minute = 1, write_burst = 400 } }
    for _ = 1, 3 do assert.are.equal(200, (request("POST", "/v1/signal-templates/extract/propose", PROPOSE))) end
    local status, h, body = request("POST", "/v1/signal-templates/extract/propose", PROPOSE)
    assert.are.equal(429, status)
    assert.are.equal("TOO_MANY_REQUESTS", body.error.code)
    assert.are.equal("6", h["x-ratelimit-limit"])
    assert.are.equal("10", h["retry-after"])  -- one token every 10 s
    -- the three proposals took write tokens as well; other writes still pass
    local _, wh = request("POST", "/v1/companies/signals", CREATE)
    assert.are.equal("1", wh["x-ratelimit-limit"])
    assert.are.equal("396", wh["x-ratelimit-remaining"])
  end)

  it("refuses a proposal when the write bucket is empty, reporting the write bucket", function()
    mock:config{ rate_limit = { mode = "buckets", writes_per_minute = 1, write_burst = 1 } }
    assert.are.equal(200, (request("POST", "/v1/companies/signals", CREATE)))
    local status, h = request("POST", "/v1/signal-templates/extract/propose", PROPOSE)
    assert.are.equal(429, status)
    assert.are.equal("1", h["x-ratelimit-limit"])
  end)

  it("refuses unknown members and bad numbers", function()
    for _, bad in ipairs{ { mode = "buckets", limit = 3 }, { mode = "buckets", write_burst = 0 },
                          { mode = "buckets", reads_per_minute = 1.5 }, { mode = "leaky" },
                          { limit = 3, write_burst = 2 } } do
      local status, body = mock:control("POST", "/_mock/config", { rate_limit = bad })
      assert.are.equal(400, status, helper.json.encode(bad))
      assert.are.equal("rate_limit", body.error.fields[1].field)
    end
    -- the window mode is still there, by name or by default
    mock:config{ rate_limit = { mode = "window", limit = 1, window_s = 30 } }
    assert.are.equal(200, (request("GET", "/v1/credits")))
    assert.are.equal(429, (request("GET", "/v1/credits")))
  end)

  it("counts reads, writes, proposals and 429s in GET /_mock/stats", function()
    mock:config{ rate_limit = { mode = "buckets", write_burst = 2 } }
    request("GET", "/v1/credits")
    request("POST", "/v1/signal-templates/extract/propose", PROPOSE)
    request("POST", "/v1/companies/signals", CREATE)
    request("POST", "/v1/companies/signals", CREATE)
    local status, stats = mock:control("GET", "/_mock/stats")
    assert.are.equal(200, status)
    assert.are.same({ reads = 1, writes = 3, extract_proposals = 1,
                      rate_limited = { reads = 0, writes = 1, extract_proposals = 0 } }, stats)
    mock:reset()
    stats = select(2, mock:control("GET", "/_mock/stats"))
    assert.are.same({ reads = 0, writes = 0, extract_proposals = 0,
                      rate_limited = { reads = 0, writes = 0, extract_proposals = 0 } }, stats)
  end)

  describe("batch cap", function()
    local function domains(n)
      local d = {}
      for i = 1, n do d[i] = "d" .. i .. ".example" end
      return d
    end

    it("holds at most 100 signals without async, naming the larger factor", function()
      local status, _, body = request("POST", "/v1/companies/signals/batch",
        { signals = { { question = "Q?" } }, domains = domains(101) })
      assert.are.equal(400, status)
      assert.are.equal("domains", body.error.fields[1].field)
      local many = {}
      for i = 1, 11 do many[i] = { question = "Q" .. i .. "?" } end
      status, _, body = request("POST", "/v1/companies/signals/batch", { signals = many, domains = domains(10) })
      assert.are.equal(400, status)
      assert.are.equal("signals", body.error.fields[1].field)
      status, _, body = request("POST", "/v1/companies/signals/batch",
        { signals = { { question = "Q?" } }, domains = domains(100) })
      assert.are.equal(200, status)
      assert.are.equal(100, body.accepted)
      status, _, body = request("POST", "/v1/companies/signals/batch",
        { signals = { { question = "Q?" } }, domains = domains(101), async = true })
      assert.are.equal(200, status)
      assert.are.equal(101, body.totalSignals)
    end)
  end)
end)

-- Every error shape of CONTRACT §5, end to end: signals-mock answers with the
-- body (its "status" fault, its transport faults, or its real error routes),
-- the client turns it into an error object, and the error object must carry
-- the fields the contract names, read in one line by tostring, without ever
-- showing the API key. After each error the same client still works.
local helper = require("helper")
local signals = require("signals")

local UUID = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"
local UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"

-- Walks an error's plain-table form and fails if any string contains s.
local function assert_nowhere(t, s, where)
  where = where or "err"
  if type(t) == "string" then
    assert.is_nil(t:find(s, 1, true), where .. " shows the API key")
  elseif type(t) == "table" then
    for k, v in pairs(t) do assert_nowhere(v, s, where .. "." .. tostring(k)) end
  end
end

-- The checks every error must pass. `want` lists the exact values expected
-- (a field absent from want is checked only for its type).
local function check_error(err, want, result)
  assert.is_nil(result, "a failed call returns nil first")
  assert.is_not_nil(err, "a failed call returns an error second")
  assert.are.equal("userdata", type(err))
  assert.are.equal("error", signals.kind(err))

  assert.are.equal(want.kind, err.kind)
  if want.status == false then
    assert.is_nil(err.status)
  elseif want.status ~= nil then
    assert.are.equal(want.status, err.status)
  end
  for _, name in ipairs({ "code", "type", "request_id", "action" }) do
    if want[name] == false then
      assert.is_nil(err[name], name)
    elseif want[name] ~= nil then
      assert.are.equal(want[name], err[name], name)
    end
  end
  if want.retry_after == false then
    assert.is_nil(err.retry_after)
  elseif want.retry_after ~= nil then
    assert.are.equal(want.retry_after, err.retry_after)
  end

  -- message: human readable, never empty, one line
  assert.is_string(err.message)
  assert.is_true(#err.message > 0, "empty message")
  assert.is_nil(err.message:find("[\r\n]"), "message is not one line: " .. err.message)
  if want.message then
    assert.are.equal(want.message, err.message)
  end
  if want.message_has then
    for _, part in ipairs(want.message_has) do
      assert.truthy(err.message:find(part, 1, true), "message lacks " .. part .. ": " .. err.message)
    end
  end

  assert.are.equal(want.retryable, err.retryable, "retryable verdict")
  assert.are.equal(want.method, err.method)
  assert.are.equal(want.path, err.path)

  if want.fields then
    assert.are.same(want.fields, err.fields)
  end

  -- tostring: one line, kind, status, code, message, request id
  local line = tostring(err)
  assert.is_string(line)
  assert.is_nil(line:find("[\r\n]"), "tostring is not one line: " .. line)
  assert.truthy(line:find(err.kind, 1, true), "tostring lacks kind: " .. line)
  if err.status then
    assert.truthy(line:find(tostring(err.status), 1, true), "tostring lacks status: " .. line)
  end
  if err.code then
    assert.truthy(line:find(err.code, 1, true), "tostring lacks code: " .. line)
  end
  assert.truthy(line:find(err.message, 1, true), "tostring lacks message: " .. line)
  if err.request_id then
    assert.truthy(line:find(err.request_id, 1, true), "tostring lacks request id: " .. line)
  end

  -- never the key
  assert.is_nil(line:find(helper.API_KEY, 1, true), "tostring shows the API key")
  assert.is_nil(line:find("Bearer%s+sk_"), "tostring shows a bearer token")
  assert_nowhere(err:totable(), helper.API_KEY)
  assert_nowhere(err.message, helper.API_KEY, "err.message")
end

local function assert_still_works(client)
  local credits, err = client:get_credits()
  assert.is_nil(err, err and tostring(err))
  assert.are.equal("object", signals.kind(credits))
  assert.is_number(credits.remainingCredits)
end

-- API-shaped bodies served with the "status" fault on GET /v1/credits.
local GET_CREDITS = { method = "GET", path = "/v1/credits" }

local BODY_CASES = {
  { name = "400 validation envelope with fields[]", status = 400, fixture = "error_400_validation.json",
    want = { kind = "http", status = 400, type = "VALIDATION", code = "VALIDATION_ERROR",
             message = "validation failed for 'domain': must be a valid hostname",
             request_id = "e69ed773-2674-4dca-be61-886d6698f360", retryable = false,
             fields = { { field = "domain",
               message = "'domain' must be a valid hostname (e.g., 'example.com') without protocol (https://) or path" } } } },
  { name = "401 unauthorized envelope", status = 401, fixture = "error_401_unauthorized.json",
    want = { kind = "http", status = 401, type = "AUTHENTICATION", code = "UNAUTHORIZED",
             message = "invalid or missing API key",
             request_id = "4d5e6f70-8192-4a3b-8c4d-5e6f708192a3", retryable = false } },
  { name = "404 not found envelope", status = 404, fixture = "error_404_not_found.json",
    want = { kind = "http", status = 404, type = "NOT_FOUND", code = "NOT_FOUND",
             message = "signal not found or access denied",
             request_id = "71829304-a5b6-4c7d-8e9f-0a1b2c3d4e5f", retryable = false } },
  { name = "408 sync timeout envelope", status = 408, fixture = "error_408_sync_timeout.json",
    want = { kind = "http", status = 408, type = "TIMEOUT", code = "REQUEST_TIMEOUT",
             message = "signal processing exceeded the requested timeout of 120 seconds",
             request_id = "a0b1c2d3-e4f5-4a6b-8c7d-8e9f0a1b2c3d", retryable = true } },
  { name = "409 conflict envelope", status = 409, fixture = "error_409_conflict.json",
    want = { kind = "http", status = 409, type = "CONFLICT", code = "CONFLICT",
             message = "a summary for this domain is already being generated",
             request_id = "b1c2d3e4-f5a6-4b7c-9d8e-9f0a1b2c3d4e", retryable = false } },
  { name = "422 envelope with errorAction", status = 422, fixture = "error_422_unprocessable.json",
    want = { kind = "http", status = 422, type = "VALIDATION", code = "INVALID_POINT_VALUES",
             message = "pointValues shape does not match answerType 'boolean': expected true/false keys",
             action = "send {\"true\": <points>, \"false\": <points>} for boolean templates",
             request_id = "c2d3e4f5-a6b7-4c8d-8e9f-a0b1c2d3e4f5", retryable = false,
             fields = { { field = "pointValues", message = "ranges are not allowed for boolean signals" } } } },
  { name = "429 per-route envelope", status = 429, fixture = "error_429_rate_limit_per_route.json",
    want = { kind = "http", status = 429, type = "TIMEOUT", code = "TOO_MANY_REQUESTS",
             message = "Per-route rate limit exceeded", retry_after = false,
             request_id = "d3e4f5a6-b7c8-4d9e-8f0a-b1c2d3e4f5a6", retryable = true } },
  { name = "500 internal envelope", status = 500, fixture = "error_500_internal.json",
    want = { kind = "http", status = 500, type = "INTERNAL", code = "INTERNAL_ERROR",
             message = "an unexpected error occurred",
             request_id = "e4f5a6b7-c8d9-4e0f-9a1b-c2d3e4f5a6b7", retryable = true } },
  { name = "429 global rate limiter body (retryAfter 12)", status = 429, fixture = "error_429_rate_limit_global.json",
    want = { kind = "http", status = 429, message = "Rate limit exceeded", retry_after = 12,
             request_id = false, retryable = true } },
  { name = "409 NestJS body (extract already attached)", status = 409,
    fixture = "error_409_extract_already_attached.json",
    want = { kind = "http", status = 409, message = "one or more executionIds are already attached",
             request_id = false, retryable = false } },
  { name = "{\"detail\": string}", status = 403, body = '{"detail":"Not enough permissions for this key"}',
    want = { kind = "http", status = 403, message = "Not enough permissions for this key",
             request_id = false, retryable = false } },
  { name = "{\"detail\": [{loc,msg,type}]} (FastAPI validation)", status = 422,
    body = '{"detail":[{"loc":["body","work_email"],"msg":"value is not a valid email address","type":"value_error.email"}]}',
    want = { kind = "http", status = 422, retryable = false, request_id = false,
             fields = { { field = "work_email", message = "value is not a valid email address" } } } },
  { name = "{\"ok\": false, \"error\": {code, message}}", status = 400,
    body = '{"ok":false,"error":{"code":"invalid_auth","message":"The token is not valid"}}',
    want = { kind = "http", status = 400, code = "invalid_auth", message = "The token is not valid",
             request_id = false, retryable = false } },
  { name = "flat {code, message}", status = 403,
    body = '{"code":"FORBIDDEN","message":"This key may not read credits"}',
    want = { kind = "http", status = 403, code = "FORBIDDEN", message = "This key may not read credits",
             request_id = false, retryable = false } },
  { name = "503 {detail} with a Retry-After header", status = 503,
    body = '{"detail":"Down for maintenance"}', headers = { ["Retry-After"] = "7" },
    want = { kind = "http", status = 503, message = "Down for maintenance", retry_after = 7,
             request_id = false, retryable = true } },
  { name = "empty-body 500", status = 500, body = "",
    want = { kind = "http", status = 500, code = false, request_id = false, retryable = true,
             message_has = { "500" } } },
}

describe("errors", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("API error bodies through the status fault", function()
    for _, case in ipairs(BODY_CASES) do
      it(case.name, function()
        local body = case.body or helper.fixture(case.fixture)
        mock:fault{ path = GET_CREDITS.path, fault = "status", status = case.status, body = body,
                    headers = case.headers }
        local client = helper.client(mock, { max_retries = 0 })
        local result, err = client:get_credits()
        local want = {}
        for k, v in pairs(case.want) do want[k] = v end
        want.method, want.path = GET_CREDITS.method, GET_CREDITS.path
        check_error(err, want, result)
        assert_still_works(client)
      end)
    end

    it("the FastAPI field path drops only the leading body/query/path element", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 422,
                  body = '{"detail":[{"loc":["body","filter","domains",0],"msg":"bad domain","type":"value_error"},'
                      .. '{"loc":["query","limit"],"msg":"too large","type":"value_error"}]}' }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "http", status = 422, retryable = false, method = "GET", path = "/v1/credits",
        fields = { { field = "filter.domains.0", message = "bad domain" },
                   { field = "limit", message = "too large" } } }, result)
      assert_still_works(client)
    end)

    -- CONTRACT §7: the key is redacted in everything an error shows, also when
    -- a server or proxy echoes the request's Authorization header back.
    it("an error body that echoes the Authorization header does not show the key", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 400,
                  body = '{"error":{"code":"BAD_HEADER","message":"bad header Authorization: Bearer '
                      .. helper.API_KEY .. '"}}' }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "http", status = 400, code = "BAD_HEADER", retryable = false,
                         method = "GET", path = "/v1/credits" }, result)
      assert_still_works(client)
    end)

    it("an error on a POST reports its own method and path", function()
      mock:fault{ path = "/v1/companies/signals/summaries", fault = "status", status = 409,
                  body = helper.fixture("error_409_conflict.json") }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:generate_signal_summary{ domain = "acme.com" }
      check_error(err, { kind = "http", status = 409, code = "CONFLICT", type = "CONFLICT",
        request_id = "b1c2d3e4-f5a6-4b7c-9d8e-9f0a1b2c3d4e", retryable = false,
        method = "POST", path = "/v1/companies/signals/summaries" }, result)
      assert_still_works(client)
    end)
  end)

  describe("real error routes of the mock", function()
    it("a real 401 for a wrong key", function()
      helper.with_mock("--api-key sk_right", function(other)
        local client = helper.client(other, { max_retries = 0 })
        local result, err = client:get_credits()
        check_error(err, { kind = "http", status = 401, retryable = false,
                           method = "GET", path = "/v1/credits" }, result)
        -- a client with the right key works against the same server
        local good = helper.client(other, { api_key = "sk_right" })
        assert_still_works(good)
      end)
    end)

    it("a real 404 for an unknown signal id", function()
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_signal(UNKNOWN_UUID)
      check_error(err, { kind = "http", status = 404, code = "NOT_FOUND", retryable = false,
                         method = "GET", path = "/v1/companies/signals/" .. UNKNOWN_UUID }, result)
      assert.is_string(err.request_id)
      assert_still_works(client)
    end)
  end)

  describe("non-API bodies and transport failures", function()
    it("an HTML 502 page from a proxy", function()
      mock:fault{ path = "/v1/credits", fault = "html502" }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "http", status = 502, retryable = true, code = false, request_id = false,
                         method = "GET", path = "/v1/credits", message_has = { "502" } }, result)
      assert.is_nil(err.message:find("<%/?%a"), "HTML tags in message: " .. err.message)
      assert.is_nil(err.message:find(">", 1, true), "HTML in message: " .. err.message)
      -- a short excerpt of the page's text (its title says "502 Bad Gateway")
      assert.truthy(err.message:find("Bad Gateway", 1, true), "no excerpt of the page: " .. err.message)
      assert.is_true(#err.message <= 300, "excerpt too long: " .. #err.message)
      assert_still_works(client)
    end)

    it("a body truncated before its Content-Length is a network error", function()
      mock:fault{ path = "/v1/credits", fault = "truncate" }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "network", retryable = true, method = "GET", path = "/v1/credits" }, result)
      assert_still_works(client)
    end)

    it("a 200 whose body is not JSON is a decode error", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 200, body = "remainingCredits: lots" }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "decode", status = 200, retryable = false,
                         method = "GET", path = "/v1/credits" }, result)
      assert_still_works(client)
    end)

    it("a 200 with an array where an object belongs is a decode error", function()
      local path = "/v1/companies/signals/" .. UUID
      mock:fault{ path = path, fault = "status", status = 200,
                  body = '[{"id":"' .. UUID .. '","status":"completed"}]' }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:get_signal(UUID)
      check_error(err, { kind = "decode", status = 200, retryable = false,
                         method = "GET", path = path }, result)
      assert_still_works(client)
    end)

    it("a 200 list whose envelope is not a page is a decode error", function()
      mock:fault{ path = "/v1/companies/signals", fault = "status", status = 200,
                  body = '{"results":"none","total":0}' }
      local client = helper.client(mock, { max_retries = 0 })
      local result, err = client:list_signals{ domain = "acme.com" }
      check_error(err, { kind = "decode", status = 200, retryable = false,
                         method = "GET", path = "/v1/companies/signals" }, result)
      assert_still_works(client)
    end)

    it("a refused connection is a network error without status", function()
      local client = helper.client({ url = "http://127.0.0.1:" .. helper.dead_port() }, { max_retries = 0 })
      local result, err = client:get_credits()
      check_error(err, { kind = "network", status = false, retryable = true,
                         method = "GET", path = "/v1/credits" }, result)
      -- the same options against a live server work
      assert_still_works(helper.client(mock, { max_retries = 0 }))
    end)

    it("a stall beyond the timeout is a timeout error without status", function()
      mock:fault{ path = "/v1/credits", fault = "stall", seconds = 1.5 }
      local client = helper.client(mock, { max_retries = 0, timeout = 0.3 })
      local socket = require("socket")
      local t0 = socket.gettime()
      local result, err = client:get_credits()
      local elapsed = socket.gettime() - t0
      check_error(err, { kind = "timeout", status = false, retryable = true,
                         method = "GET", path = "/v1/credits" }, result)
      assert.is_true(elapsed < 2, "the timeout of 0.3 s took " .. elapsed .. " s")
      assert_still_works(client)
    end)
  end)
end)

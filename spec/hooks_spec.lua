-- Hooks (CONTRACT §7): on_request, on_response and on_retry receive plain
-- tables describing what was sent and received, and never the API key.
local helper = require("helper")

local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers?" }

-- Fails if the key appears in any string anywhere in `value` (keys too).
local function assert_no_key(value, where)
  if type(value) == "string" then
    assert.is_nil(value:find(helper.API_KEY, 1, true), where .. " shows the API key")
  elseif type(value) == "table" then
    for k, v in pairs(value) do
      assert_no_key(k, where .. "[key]")
      assert_no_key(v, where .. "." .. tostring(k))
    end
  else
    assert.is_not.equal("userdata", type(value), where .. " is not plain data")
  end
end

local function recorder()
  local calls = {}
  local function hook(name)
    return function(payload) calls[#calls + 1] = { name = name, payload = payload } end
  end
  return calls, { on_request = hook("on_request"), on_response = hook("on_response"), on_retry = hook("on_retry") }
end

local function names(calls)
  local list = {}
  for i, call in ipairs(calls) do list[i] = call.name end
  return list
end

describe("hooks", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("on_request gets the method, URL, headers and body, with the key redacted", function()
    local calls, hooks = recorder()
    local client = helper.client(mock, hooks)
    assert(client:create_signal(SIGNAL))
    local payload = calls[1].payload
    assert.are.equal("on_request", calls[1].name)
    assert.are.equal("POST", payload.method)
    assert.are.equal(mock.url .. "/v1/companies/signals", payload.url)
    assert.is_table(payload.headers)
    local auth = payload.headers.Authorization
    assert.is_string(auth)
    assert.are_not.equal("Bearer " .. helper.API_KEY, auth)
    assert.truthy(auth:find("REDACTED", 1, true) or auth:find("cdef$"), auth)
    assert.are.same(SIGNAL, helper.json.decode(payload.body))
    assert_no_key(payload, "on_request")
  end)

  it("on_response gets the status, lower-case headers and body", function()
    local calls, hooks = recorder()
    local client = helper.client(mock, hooks)
    assert(client:get_credits())
    assert.are.same({ "on_request", "on_response" }, names(calls))
    local payload = calls[2].payload
    assert.are.equal(200, payload.status)
    assert.are.equal("GET", payload.method)
    assert.are.equal(mock.url .. "/v1/credits", payload.url)
    assert.truthy(payload.headers["content-type"]:find("application/json", 1, true))
    assert.is_number(helper.json.decode(payload.body).remainingCredits)
    assert_no_key(payload, "on_response")
  end)

  it("on_retry gets the attempt, the delay, the error as a plain table, method and URL", function()
    mock:fault{ method = "GET", path = "/v1/credits", fault = "status", status = 503, times = 2,
                body = '{"error":{"code":"UNAVAILABLE","message":"try later"}}' }
    local calls, hooks = recorder()
    local client, slept = helper.client(mock, hooks)
    assert(client:get_credits())
    assert.are.same({ "on_request", "on_response", "on_retry", "on_request", "on_response", "on_retry",
                      "on_request", "on_response" }, names(calls))
    local first, second = calls[3].payload, calls[6].payload
    assert.are.equal(1, first.attempt)
    assert.are.equal(2, second.attempt)
    assert.are.equal(slept[1], first.delay)
    assert.are.equal(slept[2], second.delay)
    assert.are.equal("GET", first.method)
    assert.are.equal(mock.url .. "/v1/credits", first.url)
    assert.is_table(first.error)
    assert.are.equal("http", first.error.kind)
    assert.are.equal(503, first.error.status)
    assert.are.equal("UNAVAILABLE", first.error.code)
    assert.are.equal("try later", first.error.message)
    for _, call in ipairs(calls) do assert_no_key(call.payload, call.name) end
  end)

  it("fire for a transport failure: request and retry, no response", function()
    local calls, hooks = recorder()
    hooks.max_retries = 1
    local client = helper.client({ url = "http://127.0.0.1:" .. helper.dead_port() }, hooks)
    local _, err = client:get_credits()
    assert.are.equal("network", err.kind)
    assert.are.same({ "on_request", "on_retry", "on_request" }, names(calls))
    assert.are.equal("network", calls[2].payload.error.kind)
    for _, call in ipairs(calls) do assert_no_key(call.payload, call.name) end
  end)

  it("never show the key, whatever its length", function()
    for _, key in ipairs({ "k", "sk_short", helper.API_KEY, "sk_live_" .. ("x"):rep(60) }) do
      local seen = {}
      local client = helper.client(mock, { api_key = key,
        on_request = function(p) seen[#seen + 1] = p.headers.Authorization end })
      client:get_credits()
      assert.is_nil(seen[1]:find(key, 1, true), "the key " .. key .. " shows: " .. seen[1])
    end
  end)

  it("get copies: changing a payload changes nothing that is sent", function()
    local client = helper.client(mock, { on_request = function(p)
      p.headers.Authorization = "Bearer stolen"
      p.url = "http://example.invalid/"
    end })
    assert(client:get_credits())
    assert.are.equal("Bearer " .. helper.API_KEY, mock:last_request().headers["authorization"])
  end)

  it("do not fire for a call refused by validation", function()
    local calls, hooks = recorder()
    local client = helper.client(mock, hooks)
    local _, err = client:create_signal{ domain = "https://acme.com", question = "q" }
    assert.are.equal("invalid_request", err.kind)
    assert.are.same({}, calls)
  end)
end)

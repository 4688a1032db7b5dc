-- The answer cache (client option `cache`): completed signals kept by what
-- defines their answer, answered without sending anything or taking a
-- rate-limit token, shared through a store.
local helper = require("helper")
local redis = require("support.redis")
local signals = require("signals")

local ASK = { domain = "acme.com", question = "Hiring engineers?", answerType = "boolean" }

local function with(base, changes)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(changes or {}) do t[k] = v end
  return t
end

local function posts(mock)
  return #mock:requests_to("POST", "/v1/*")
end

describe("answer cache", function()
  local mock

  before_each(function()
    mock = helper.mock()
    -- The API's own cache would answer a repeated question with the same
    -- signal; off, every request the client sends makes a new one, so
    -- that what the client's cache saves shows.
    mock:config{ delay_ms = 0, cache_ttl_s = 0 }
  end)

  local function cached_client(opts)
    local store = signals.store.memory()
    return helper.client(mock, with({ cache = { store = store } }, opts)), store
  end

  it("answers a question asked again from the store: nothing sent, no rate-limit token", function()
    local sent = 0
    local client, slept = helper.client(mock, { cache = { store = signals.store.memory() },
      rate_limit = { writes_per_minute = 60, write_burst = 1 },
      on_request = function() sent = sent + 1 end })
    local first = assert(client:run_signal(ASK))
    local second = assert(client:run_signal(ASK))
    local third = assert(client:create_company_signal_sync(ASK))
    assert.are.equal("completed", second.status)
    assert.are.equal(first.id, second.id)
    assert.are.equal(first.id, third.id)
    assert.are.equal(true, third:value())
    assert.are.equal("signal", signals.kind(second))
    assert.are.equal(1, sent)
    assert.are.equal(1, #mock:requests())
    -- The write bucket (burst 1) was never waited on: the hits took nothing.
    assert.are.same({}, slept)
  end)

  it("keys answers by kind, subject, question, answerType, outputSchema and the other fields", function()
    local client = cached_client()
    local schema = { type = "object", properties = { hiring = { type = "boolean" }, roles = { type = "array" } } }
    local base = with(ASK, { answerType = "json_schema", outputSchema = schema })
    local id = assert(client:run_signal(base)).id
    -- The same answer: the same schema built in another order, the domain in
    -- capitals, another webhook, sync or async.
    local reordered = { properties = { roles = { type = "array" }, hiring = { type = "boolean" } }, type = "object" }
    for _, same in ipairs{ with(base, { outputSchema = reordered }), with(base, { domain = "ACME.com" }),
                           with(base, { webhookUrl = "https://example.com/hook" }) } do
      assert.are.equal(id, assert(client:run_signal(same)).id)
    end
    assert.are.equal(id, assert(client:create_signal(base)).id)
    assert.are.equal(1, posts(mock))
    -- Another answer: each of these is asked.
    local others = {
      with(base, { outputSchema = { type = "object", properties = { hiring = { type = "string" } } } }),
      with(base, { answerType = "boolean", outputSchema = nil }),
      with(base, { question = "Hiring designers?" }),
      with(base, { domain = "globex.com" }),
      with(base, { weight = "nice_to_have" }),
    }
    for _, other in ipairs(others) do
      assert.are_not.equal(id, assert(client:run_signal(other)).id)
    end
    assert.are.equal(1 + #others, posts(mock))
    -- A contact signal is another kind of answer.
    local contact = { contactProfileUrl = "https://linkedin.com/in/jane", question = ASK.question }
    local c = assert(client:run_contact_signal(contact))
    assert.are.equal(c.id, assert(client:run_contact_signal(contact)).id)
    assert.are.equal(2 + #others, posts(mock))
  end)

  it("takes answerType's default as the same answer", function()
    local client = cached_client()
    local id = assert(client:run_signal{ domain = "acme.com", question = "Q?" }).id
    assert.are.equal(id, assert(client:run_signal{ domain = "acme.com", question = "Q?", answerType = "open_text" }).id)
    assert.are.equal(1, posts(mock))
  end)

  it("never keeps a failed signal", function()
    local client = cached_client()
    local params = with(ASK, { question = "Hiring? [fail:permanent]" })
    for _ = 1, 2 do
      local failed = assert(client:create_company_signal_sync(params))
      assert.are.equal("failed", failed.status)
    end
    assert.are.equal(2, posts(mock))
  end)

  it("keeps a signal created processing once this client reads it completed", function()
    mock:config{ delay_ms = 200 }
    local client = cached_client()
    local created = assert(client:create_signal(ASK))
    assert.are.equal("processing", created.status)
    -- Still processing: nothing kept, asked again.
    local again = assert(client:create_signal(ASK))
    assert.are_not.equal(created.id, again.id)
    local done = assert(client:wait(created, { interval = 0.05 }))
    assert.are.equal("completed", done.status)
    local hit = assert(client:create_signal(ASK))
    assert.are.same({ created.id, "completed" }, { hit.id, hit.status })
    assert.are.equal(2, posts(mock))
  end)

  it("forceRefresh skips the cache and keeps the fresh answer", function()
    local client = cached_client()
    local first = assert(client:run_signal(ASK))
    local fresh = assert(client:run_signal(with(ASK, { forceRefresh = true })))
    assert.are_not.equal(first.id, fresh.id)
    assert.is_true(helper.body_of(mock:last_request()).forceRefresh)
    assert.are.equal(fresh.id, assert(client:run_signal(ASK)).id)
    assert.are.equal(2, posts(mock))
  end)

  it("forceRefresh in opts.extra skips the cache and keeps the fresh answer too", function()
    local client = cached_client()
    local first = assert(client:run_signal(ASK))
    local fresh = assert(client:run_signal(ASK, { extra = { forceRefresh = true } }))
    assert.are_not.equal(first.id, fresh.id)
    assert.is_true(helper.body_of(mock:last_request()).forceRefresh)
    assert.are.equal(fresh.id, assert(client:run_signal(ASK)).id)
    -- opts.extra's value is what is sent: false there asks for no refresh.
    assert.are.equal(fresh.id, assert(client:run_signal(with(ASK, { forceRefresh = true }),
      { extra = { forceRefresh = false } })).id)
    assert.are.equal(2, posts(mock))
  end)

  it("keys by the JSON the request sends: {} and [] apart, every integer exactly", function()
    local client = cached_client()
    local core = require("signals.core")
    local function schema(properties)
      return with(ASK, { answerType = "json_schema", outputSchema = { type = "object", properties = properties } })
    end
    local object = assert(client:run_signal(schema(core.mark({}, "object")))).id
    local array = assert(client:run_signal(schema(core.mark({}, "array")))).id
    assert.are_not.equal(object, array)
    assert.matches('"properties":[]', mock:last_request().body, 1, true)
    assert.are.equal(object, assert(client:run_signal(schema(core.mark({}, "object")))).id)
    assert.are.equal(2, posts(mock))
    if math.type then -- Lua 5.3+: integers beyond 2^53 are sent exactly
      local two_60 = math.tointeger(2 ^ 60)
      local function big(n)
        return with(ASK, { qualificationCriteria = { minEmployees = n } })
      end
      local plus_one = assert(client:run_signal(big(two_60 + 1))).id
      local exact = assert(client:run_signal(big(two_60))).id
      assert.are_not.equal(plus_one, exact)
      assert.are.equal(plus_one, assert(client:run_signal(big(two_60 + 1))).id)
      assert.are.equal(4, posts(mock))
    end
  end)

  it("keeps an answer for the TTL less its age", function()
    local kept = {}
    local store = signals.store.memory()
    local recording = setmetatable({ set = function(_, key, value, ttl)
      kept[#kept + 1] = ttl
      return store.set(store, key, value, ttl)
    end }, { __index = store })
    local client = helper.client(mock, { cache = { store = recording } })
    assert(client:run_signal(ASK))
    client = helper.client(mock, { cache = { store = recording, ttl = 600 } })
    assert(client:run_signal(with(ASK, { question = "Other?" })))
    -- completedAt is whole seconds: the age is under two.
    assert.are.equal(2, #kept)
    assert.is_true(kept[1] > 43198 and kept[1] <= 43200, kept[1])
    assert.is_true(kept[2] > 598 and kept[2] <= 600, kept[2])
  end)

  it("answers client:all's calls from it too", function()
    local client = cached_client()
    assert(client:run_signal(ASK))
    local results = client:all{ { "create_company_signal_sync", ASK }, { "create_signal", ASK },
                                { "get_credits" } }
    assert.are.equal("completed", results[1].status)
    assert.are.equal(results[1].id, results[2].id)
    assert.are.equal(10000 - 1, results[3].remainingCredits)
    assert.are.equal(1, posts(mock))
  end)

  it("refuses an invalid call as without a cache, even one that would match a kept answer", function()
    local client = cached_client()
    assert(client:run_signal(ASK))
    local value, err = client:run_signal(with(ASK, { webhookUrl = 42 }))
    assert.is_nil(value)
    assert.are.equal("invalid_request", err.kind)
    value, err = client:create_signal(with(ASK, { questoin = "typo" }))
    assert.is_nil(value)
    assert.are.equal("invalid_request", err.kind)
  end)

  it("goes to the API when the store fails", function()
    local failing = { get = function() return nil, "down" end, set = function() return nil, "down" end,
                      reserve = function() return nil, "down" end }
    local reports = 0
    local client = helper.client(mock, { cache = { store = failing },
      on_store_error = function() reports = reports + 1 end })
    assert(client:run_signal(ASK))
    assert(client:run_signal(ASK))
    assert.are.equal(2, posts(mock))
    assert.are.equal(1, reports)
  end)

  describe("in Redis", function()
    local server = redis.for_block()
    if not server then return end

    it("is shared by every client of the store, per API key", function()
      local function client_of(key)
        return helper.client(mock, { api_key = key,
          cache = { store = signals.store.redis(redis.connect(server.port)) } })
      end
      local a, b = client_of(helper.API_KEY), client_of(helper.API_KEY)
      local other_key = client_of("sk_test_another_key_0001")
      local first = assert(a:run_signal(ASK))
      assert.are.equal(first.id, assert(b:run_signal(ASK)).id)
      assert.are_not.equal(first.id, assert(other_key:run_signal(ASK)).id)
      assert.are.equal(2, posts(mock))
    end)
  end)
end)

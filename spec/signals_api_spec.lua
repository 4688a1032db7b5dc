-- The routes signals-mock emulates, used through the client as a user would:
-- signals created, polled and listed; answers unwrapped; failed signals
-- returned as data; run_signal's signal-level retries; pages; batch; contact
-- signals; contact research; contact search; credits; subscription logs.
local helper = require("helper")
local signals = require("signals")
local socket = require("socket")

local DOMAIN = "acme.com"
local PROFILE = "https://www.linkedin.com/in/jane-example"

local ok = helper.assert_ok

-- A client whose sleeps really sleep, briefly (for polling helpers).
local function polling_client(mock, opts)
  local o = { sleep = function(s) socket.sleep(math.min(s, 0.02)) end }
  for k, v in pairs(opts or {}) do o[k] = v end
  return helper.client(mock, o)
end

-- Polls get_signal (or get_contact_signal, get_contact_research) until the
-- signal or research leaves "processing"; at most `limit` seconds of real
-- time.
local function poll(client, method, id, limit)
  local deadline = socket.gettime() + (limit or 3)
  repeat
    local current = ok(client[method](client, id))
    if current.status ~= "processing" then return current end
    socket.sleep(0.02)
  until socket.gettime() > deadline
  error(tostring(id) .. " still processing after " .. tostring(limit or 3) .. " s")
end

describe("signals API through the client", function()
  local mock

  before_each(function()
    mock = helper.mock()
    -- signals finish at once unless a spec asks for a processing phase
    mock:config{ delay_ms = 0 }
  end)

  describe("company signals", function()
    it("create_signal returns a processing signal that get_signal later shows completed", function()
      mock:config{ delay_ms = 50 }
      local client = helper.client(mock)
      local sig = ok(client:create_signal{ domain = DOMAIN, question = "Are they hiring engineers?",
                                           answerType = "boolean" })
      assert.are.equal("userdata", type(sig))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal("processing", sig.status)
      assert.is_string(sig.id)
      assert.truthy(sig.id:match("^%x+%-%x+%-%x+%-%x+%-%x+$"))
      assert.are.equal(DOMAIN, sig.domain)
      assert.is_string(sig.createdAt)
      assert.is_nil(sig:value())
      assert.is_nil(sig:failure())

      local done = poll(client, "get_signal", sig.id)
      assert.are.equal("completed", done.status)
      assert.are.equal(sig.id, done.id)
      assert.are.equal("boolean", type(done:value()))
      assert.is_nil(done:failure())
    end)

    it("client:wait polls a created signal until it completes", function()
      mock:config{ delay_ms = 50 }
      local client = polling_client(mock)
      local sig = ok(client:create_signal{ domain = DOMAIN, question = "Do they use Kubernetes?",
                                           answerType = "boolean" })
      assert.are.equal("processing", sig.status)
      local done = ok(client:wait(sig, { timeout = 5 }))
      assert.are.equal("signal", signals.kind(done))
      assert.are.equal("completed", done.status)
      assert.are.equal(sig.id, done.id)
      assert.is_true(#mock:requests_to("GET", "/v1/companies/signals/" .. sig.id) >= 1)
    end)

    it("client:wait also takes an id", function()
      mock:config{ delay_ms = 50 }
      local client = polling_client(mock)
      local sig = ok(client:create_signal{ domain = DOMAIN, question = "Is there a CTO?" })
      local done = ok(client:wait(sig.id, { timeout = 5 }))
      assert.are.equal("completed", done.status)
      assert.are.equal(sig.id, done.id)
    end)

    -- signals-mock's deterministic answers (mock/answers.c), per answerType
    local ANSWERS = {
      { answerType = "boolean", value = true, lua_type = "boolean" },
      { answerType = "number", value = 42, lua_type = "number" },
      { answerType = "list", value = { "Go", "Lua" }, lua_type = "table" },
      { answerType = "percentage", value = 35, lua_type = "number" },
      { answerType = "currency", value = "5000000", lua_type = "string" },
      { answerType = "url", value = "https://acme.com/jobs", lua_type = "string" },
      { answerType = "open_text", value = "signals-mock answer about acme.com", lua_type = "string" },
      { answerType = "json_schema", lua_type = "table",
        outputSchema = { type = "object", properties = { raised = { type = "boolean" },
                                                         stage = { type = "string" } } },
        value = { raised = true, stage = "example" } },
    }
    for _, case in ipairs(ANSWERS) do
      it("sig:value() unwraps a " .. case.answerType .. " answer", function()
        mock:config{ delay_ms = 0 }
        local client = helper.client(mock)
        local sig = ok(client:create_company_signal_sync({ domain = DOMAIN,
          question = "Question answered as " .. case.answerType, answerType = case.answerType,
          outputSchema = case.outputSchema }, { wait = 10 }))
        assert.are.equal("completed", sig.status)
        assert.are.equal(case.answerType, sig.answerType)
        local answer = sig.answer
        assert.is_table(answer)
        assert.are.equal(case.answerType, answer.type)
        local v = sig:value()
        assert.are.equal(case.lua_type, type(v))
        assert.are.same(case.value, v)
        if case.answerType == "json_schema" then
          -- no value wrapper: the object itself
          assert.are.same(answer.jsonSchema, v)
          assert.is_nil(v.value)
        end
        -- the same answer through get_signal
        local again = ok(client:get_signal(sig.id))
        assert.are.same(case.value, again:value())
      end)
    end

    it("create_company_signal_sync with wait returns the completed signal", function()
      mock:config{ delay_ms = 50 }
      local client = helper.client(mock)
      local sig = ok(client:create_company_signal_sync({ domain = DOMAIN,
        question = "Are they hiring engineers?", answerType = "boolean" }, { wait = 10 }))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal("completed", sig.status)
      assert.are.equal(DOMAIN, sig.domain)
      assert.is_string(sig.completedAt)
      assert.is_number(sig.confidence)
      assert.are.equal("10", mock:last_request().headers["x-sbr-timeout-sec"])
    end)

    it("a sync call that outlives X-Sbr-Timeout-Sec returns the processing signal (202) as data", function()
      local client = helper.client(mock)
      local t0 = socket.gettime()
      local sig, err = client:create_company_signal_sync({ domain = DOMAIN,
        question = "Slow one [delay:3000]" }, { wait = 1 })
      local elapsed = socket.gettime() - t0
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal("processing", sig.status)
      assert.is_string(sig.id)
      assert.is_nil(sig:value())
      assert.is_nil(sig:failure())
      assert.is_true(elapsed < 2.5, "took " .. elapsed .. " s")
      assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/sync"))
    end)

    describe("failed signals are data", function()
      it("a retryable failure from the sync create, get and list", function()
        local client = helper.client(mock)
        local sig = ok(client:create_company_signal_sync({ domain = DOMAIN,
          question = "Breaks for now [fail:retryable]" }, { wait = 10 }))
        assert.are.equal("signal", signals.kind(sig))
        assert.are.equal("failed", sig.status)
        assert.is_true(sig.retryable)
        assert.is_string(sig.errorCode)
        assert.is_string(sig.error)
        assert.is_nil(sig:value())
        local f = sig:failure()
        assert.are.equal("error", signals.kind(f))
        assert.are.equal("signal", f.kind)
        assert.is_true(f.retryable)
        assert.are.equal(sig.errorCode, f.code)
        assert.is_string(f.message)
        assert.is_true(#f.message > 0)

        local again = ok(client:get_signal(sig.id))
        assert.are.equal("failed", again.status)
        assert.is_true(again.retryable)
        assert.are.equal(sig.errorCode, again.errorCode)
        assert.are.equal("signal", again:failure().kind)

        local page = ok(client:list_signals{ domain = DOMAIN, status = { "failed" } })
        assert.are.equal("page", signals.kind(page))
        assert.are.equal(1, #page)
        assert.are.equal(sig.id, page.items[1].id)
        assert.are.equal("failed", page.items[1].status)
        assert.is_true(page.items[1].retryable)
      end)

      it("a permanent failure from the async create, then get", function()
        mock:config{ delay_ms = 20 }
        local client = helper.client(mock)
        local sig = ok(client:create_signal{ domain = DOMAIN, question = "Never works [fail:permanent]" })
        assert.are.equal("signal", signals.kind(sig))
        local final = sig.status == "processing" and poll(client, "get_signal", sig.id) or sig
        assert.are.equal("failed", final.status)
        assert.is_false(final.retryable)
        assert.is_string(final.errorCode)
        local f = final:failure()
        assert.are.equal("signal", f.kind)
        assert.is_false(f.retryable)
        assert.are.equal(final.errorCode, f.code)
      end)
    end)

    describe("run_signal", function()
      it("returns nil and a signal error at once for a permanent failure", function()
        local client, slept = helper.client(mock)
        local sig, err = client:run_signal{ domain = DOMAIN, question = "Never works [fail:permanent]" }
        assert.is_nil(sig)
        assert.are.equal("error", signals.kind(err))
        assert.are.equal("signal", err.kind)
        assert.is_false(err.retryable)
        assert.is_string(err.code)
        assert.are.equal("signal", signals.kind(err.signal))
        assert.are.equal("failed", err.signal.status)
        assert.are.equal(err.code, err.signal.errorCode)
        assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/sync"))
        assert.are.same({}, slept)
      end)

      it("creates again after a retryable failure ([flaky:1]) and returns the completed signal", function()
        local client, slept = helper.client(mock)
        local sig, err = client:run_signal{ domain = DOMAIN, question = "Flaky once [flaky:1]",
                                            answerType = "boolean" }
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("signal", signals.kind(sig))
        assert.are.equal("completed", sig.status)
        assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals/sync"))
        assert.are.equal(1, #slept, "one backoff between the two attempts")
      end)

      it("polls when the sync endpoint answers 202 processing", function()
        local client = polling_client(mock)
        local sig, err = client:run_signal({ domain = DOMAIN, question = "Slowish [delay:1200]",
                                             answerType = "number" }, { wait = 1 })
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("completed", sig.status)
        assert.are.equal(42, sig:value())
        assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/sync"))
        assert.is_true(#mock:requests_to("GET", "/v1/companies/signals/" .. sig.id) >= 1)
      end)

      it("gives up after max_attempts retryable failures", function()
        local client, slept = helper.client(mock)
        local sig, err = client:run_signal({ domain = DOMAIN, question = "Always flaky [fail:retryable]" },
                                           { max_attempts = 2 })
        assert.is_nil(sig)
        assert.are.equal("signal", err.kind)
        assert.is_true(err.retryable)
        assert.are.equal("failed", err.signal.status)
        assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals/sync"))
        assert.are.equal(1, #slept)
      end)
    end)

    it("list_signals pages carry items, total, limit, offset, has_more and #page", function()
      local client = helper.client(mock)
      local ids = {}
      for i = 1, 3 do
        ids[ok(client:create_signal{ domain = DOMAIN, question = "Listed question " .. i }).id] = true
      end
      ok(client:create_signal{ domain = "globex.com", question = "Other domain" })

      local first = ok(client:list_signals{ domain = DOMAIN, limit = 2 })
      assert.are.equal("page", signals.kind(first))
      assert.are.equal(2, #first)
      assert.are.equal(2, #first.items)
      assert.are.equal(3, first.total)
      assert.are.equal(2, first.limit)
      assert.are.equal(0, first.offset)
      assert.is_true(first.has_more)
      local seen = 0
      for i, item in ipairs(first.items) do
        assert.are.equal("signal", signals.kind(item))
        assert.are.equal(DOMAIN, item.domain)
        assert.is_true(ids[item.id], "item " .. i .. " is not one of ours")
        ids[item.id] = nil
        seen = seen + 1
      end
      assert.are.equal(2, seen)

      local second = ok(client:list_signals{ domain = DOMAIN, limit = 2, offset = 2 })
      assert.are.equal(1, #second)
      assert.are.equal(3, second.total)
      assert.are.equal(2, second.offset)
      assert.is_false(second.has_more)
      assert.is_true(ids[second.items[1].id])

      local all = {}
      for sig in client:paginate("list_signals", { domain = DOMAIN, limit = 2 }) do
        all[#all + 1] = sig.id
      end
      assert.are.equal(3, #all)
    end)

    it("create_signal_batch (sync) returns a plain object with its results, not a page", function()
      local client = helper.client(mock)
      local res = ok(client:create_signal_batch{
        signals = { { question = "Do they sell to enterprise customers?", answerType = "boolean" },
                    { question = "Which CRM do they use?" } },
        domains = { "acme.com", "globex.com" } })
      assert.are.equal("object", signals.kind(res))
      assert.are_not.equal("page", signals.kind(res))
      assert.is_nil(res.items)
      assert.is_table(res.results)
      assert.are.equal(4, #res.results)
      assert.are.equal(4, res.totalSignals)
      local domains = {}
      for _, r in ipairs(res.results) do
        assert.is_table(r)
        assert.is_string(r.status)
        domains[r.domain] = (domains[r.domain] or 0) + 1
      end
      assert.are.same({ ["acme.com"] = 2, ["globex.com"] = 2 }, domains)
      local body = helper.body_of(mock:last_request())
      assert.are.same({ "acme.com", "globex.com" }, body.domains)
    end)
  end)

  describe("contact signals", function()
    it("create, get, list and sync", function()
      mock:config{ delay_ms = 50 }
      local client = helper.client(mock)
      local sig = ok(client:create_contact_signal{ contactProfileUrl = PROFILE,
        question = "Which topics does Jane post about?", answerType = "list" })
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal("processing", sig.status)
      assert.are.equal(PROFILE, sig.contactProfileUrl)

      local done = poll(client, "get_contact_signal", sig.id)
      assert.are.equal("completed", done.status)
      assert.is_table(done:value())

      local page = ok(client:list_contact_signals{ contactProfileUrl = PROFILE })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(1, #page)
      assert.are.equal(sig.id, page.items[1].id)
      assert.are.equal("signal", signals.kind(page.items[1]))

      local sync = ok(client:create_contact_signal_sync({ contactProfileUrl = PROFILE,
        question = "Is Jane hiring?", answerType = "boolean" }, { wait = 10 }))
      assert.are.equal("completed", sync.status)
      assert.are.equal("boolean", type(sync:value()))
      assert.are.equal("10", mock:last_request().headers["x-sbr-timeout-sec"])

      -- the company list does not show contact signals
      local companies = ok(client:list_signals{})
      for _, item in ipairs(companies.items) do
        assert.are_not.equal(sig.id, item.id)
      end
    end)

    it("run_contact_signal returns the completed contact signal", function()
      local client = helper.client(mock)
      local sig = ok(client:run_contact_signal{ contactProfileUrl = PROFILE, question = "Is Jane hiring?",
                                                answerType = "boolean" })
      assert.are.equal("completed", sig.status)
      assert.are.equal(1, #mock:requests_to("POST", "/v1/contacts/signals/sync"))
    end)
  end)

  describe("contact research", function()
    local PERSON = { firstName = "John", lastName = "Doe", companyName = "Acme Corp",
                     companyDomain = "acme.com" }

    it("create, then get by id", function()
      mock:config{ delay_ms = 50 }
      local client = helper.client(mock)
      local res = ok(client:create_contact_research(PERSON))
      assert.are.equal("contact_research", signals.kind(res))
      assert.is_string(res.id)
      assert.are.equal("John", res.firstName)
      assert.are.equal("acme.com", res.companyDomain)
      assert.is_string(res.status)

      local got = poll(client, "get_contact_research", res.id)
      assert.are.equal("contact_research", signals.kind(got))
      assert.are.equal(res.id, got.id)
      assert.are.equal("completed", got.status)
      assert.is_nil(got:failure())
      assert.are.same({ "supply-chain automation", "AI in logistics" }, got.interests)
      assert.are.equal("/v1/contacts/research/" .. res.id, mock:last_request().path)
    end)

    it("get by external id (fields passed through opts.extra)", function()
      local client = helper.client(mock)
      local res = ok(client:create_contact_research(PERSON,
        { extra = { externalId = "hubspot_12345", externalSource = "hubspot" } }))
      local body = helper.body_of(mock:last_request())
      assert.are.equal("hubspot_12345", body.externalId)
      assert.are.equal("hubspot", body.externalSource)

      local got = ok(client:get_contact_research_by_external_id{ externalId = "hubspot_12345",
                                                                 externalSource = "hubspot" })
      assert.are.equal("contact_research", signals.kind(got))
      assert.are.equal(res.id, got.id)
      assert.are.equal("hubspot_12345", got.externalId)

      local missing, err = client:get_contact_research_by_external_id{ externalId = "hubspot_99999",
                                                                       externalSource = "hubspot" }
      assert.is_nil(missing)
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
    end)

    it("a failed research is data", function()
      local client = helper.client(mock)
      local person = {}
      for k, v in pairs(PERSON) do person[k] = v end
      person.firstName = "Fail"  -- signals-mock scripts a failing research by this name
      local res = ok(client:create_contact_research(person))
      local final = poll(client, "get_contact_research", res.id)
      assert.are.equal("contact_research", signals.kind(final))
      assert.are.equal("failed", final.status)
      assert.are.equal("Could not retrieve LinkedIn profile data", final.error)
      assert.are.equal("CONTACT_NOT_FOUND", final.errorCode)
      assert.is_false(final.retryable)
      local f = final:failure()
      assert.are.equal("error", signals.kind(f))
      assert.are.equal("Could not retrieve LinkedIn profile data", f.message)
      assert.are.equal("CONTACT_NOT_FOUND", f.code)
      assert.is_false(f.retryable)
    end)
  end)

  describe("contact search", function()
    it("returns a page with salesNavConnected, and paginate walks every contact", function()
      local client = helper.client(mock)
      local page = ok(client:search_contacts{ companyLinkedInUrls = { "https://www.linkedin.com/company/acme" },
                                              jobTitles = { "VP Operations" }, limit = 2 })
      assert.are.equal("page", signals.kind(page))
      assert.is_true(page.salesNavConnected)
      assert.are.equal(2, #page)
      assert.are.equal(2, page.limit)
      assert.are.equal(0, page.offset)
      assert.is_number(page.total)
      assert.is_true(page.total > 2, "the mock's search has more than one page")
      assert.is_true(page.has_more)
      for _, c in ipairs(page.items) do
        assert.are.equal("contact", signals.kind(c))
        assert.is_string(c.fullName)
      end

      local n = 0
      for c in client:paginate("search_contacts", { jobTitles = { "VP Operations" }, limit = 2 }) do
        assert.are.equal("contact", signals.kind(c))
        assert.is_string(c.fullName)
        n = n + 1
      end
      assert.are.equal(page.total, n)
      -- the pages were fetched with growing offsets in the body
      local offsets = {}
      for i, r in ipairs(mock:requests_to(nil, "/v1/contacts/search")) do
        offsets[i] = helper.body_of(r).offset or 0
      end
      assert.are.equal(0, offsets[2])
      assert.are.equal(2, offsets[3])
    end)
  end)

  describe("account", function()
    it("get_credits decreases after creates", function()
      local client = helper.client(mock)
      local before = ok(client:get_credits())
      assert.are.equal("object", signals.kind(before))
      assert.is_number(before.remainingCredits)
      ok(client:create_signal{ domain = DOMAIN, question = "Costs credits?" })
      ok(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Costs credits too?" })
      local after = ok(client:get_credits())
      assert.is_true(after.remainingCredits < before.remainingCredits,
        before.remainingCredits .. " -> " .. after.remainingCredits)
    end)
  end)

  describe("subscription logs", function()
    it("list_subscription_logs returns the seeded signals of the subscription", function()
      mock:seed{ count = 3, subscriptionId = "sub-1" }
      mock:seed{ count = 2, subscriptionId = "sub-2" }
      local client = helper.client(mock)
      local page = ok(client:list_subscription_logs{ subscriptionId = "sub-1" })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(3, #page)
      assert.are.equal(3, page.total)
      assert.is_false(page.has_more)
      for _, sig in ipairs(page.items) do
        assert.are.equal("signal", signals.kind(sig))
        assert.is_string(sig.id)
        assert.is_string(sig.status)
      end
      assert.are.equal("/v1/companies/signals/subscriptions/sub-1/logs", mock:last_request().path)

      local limited = ok(client:list_subscription_logs({ subscriptionId = "sub-1", limit = 2 }))
      assert.are.equal(2, #limited)
      assert.is_true(limited.has_more)
    end)
  end)
end)

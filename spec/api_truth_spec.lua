-- What the client does to match the API as Saber's own CLI uses it
-- (docs/API-NOTES.md §16a): a question may come from a template, a sync
-- call always carries the server-side wait it will outlast, a batch is
-- judged per item, one id finds a signal of either kind, a 429 without a
-- hint waits for the limit to pass, and an error of a POST that went out
-- says that it may have been processed. Against signals-mock over HTTP.
local helper = require("helper")
local signals = require("signals")

local TEMPLATE = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
local PROFILE = "https://www.linkedin.com/in/jane-example"

local function header(req, name)
  return req.headers[name:lower()]
end

describe("true to the API", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
  end)

  describe("a question from a template", function()
    local creates = {
      { "create_signal", { domain = "acme.com" } },
      { "create_company_signal_sync", { domain = "acme.com" } },
      { "create_contact_signal", { contactProfileUrl = PROFILE } },
      { "create_contact_signal_sync", { contactProfileUrl = PROFILE } },
    }
    for _, case in ipairs(creates) do
      local name, subject = case[1], case[2]

      it(name .. " sends a template id without a question", function()
        local client = helper.client(mock, { max_retries = 0 })
        local params = { signalTemplateId = TEMPLATE }
        for k, v in pairs(subject) do params[k] = v end
        client[name](client, params)
        local req = mock:last_request()
        assert.is_not_nil(req, name .. " sent nothing")
        local body = helper.body_of(req)
        assert.are.equal(TEMPLATE, body.signalTemplateId)
        assert.is_nil(body.question)
      end)

      it(name .. " refuses a call with neither question nor template, sending nothing", function()
        local client = helper.client(mock, { max_retries = 0 })
        local res, err = client[name](client, subject)
        assert.is_nil(res)
        assert.are.equal("invalid_request", err.kind)
        assert.matches("'question' is required unless 'signalTemplateId' is given", err.message, 1, true)
        assert.are.same({}, mock:requests())
      end)
    end

    it("run_signal and run_contact_signal accept a template alone", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:run_signal{ domain = "acme.com", signalTemplateId = TEMPLATE }
      client:run_contact_signal{ contactProfileUrl = PROFILE, signalTemplateId = TEMPLATE }
      local log = mock:requests()
      assert.are.equal("/v1/companies/signals/sync", log[1].path)
      assert.are.equal("/v1/contacts/signals/sync", log[2].path)
      for _, req in ipairs({ log[1], log[2] }) do
        assert.are.equal(TEMPLATE, helper.body_of(req).signalTemplateId)
      end
    end)
  end)

  describe("the server-side wait of sync calls", function()
    it("is sent as X-Sbr-Timeout-Sec 120 when the caller gives none", function()
      local client = helper.client(mock, { max_retries = 0 })
      helper.assert_ok(client:create_company_signal_sync{ domain = "acme.com", question = "Hiring?" })
      assert.are.equal("120", header(mock:last_request(), "X-Sbr-Timeout-Sec"))
      helper.assert_ok(client:create_contact_signal_sync{ contactProfileUrl = PROFILE, question = "Hiring?" })
      assert.are.equal("120", header(mock:last_request(), "X-Sbr-Timeout-Sec"))
    end)

    it("follows the sync_wait option, and opts.wait over it", function()
      local client = helper.client(mock, { max_retries = 0, sync_wait = 30 })
      helper.assert_ok(client:create_company_signal_sync{ domain = "acme.com", question = "Hiring?" })
      assert.are.equal("30", header(mock:last_request(), "X-Sbr-Timeout-Sec"))
      helper.assert_ok(client:create_company_signal_sync({ domain = "acme.com", question = "Hiring?" }, { wait = 7 }))
      assert.are.equal("7", header(mock:last_request(), "X-Sbr-Timeout-Sec"))
    end)

    it("is outlasted by the HTTP timeout, 30 s more than the wait", function()
      local seen = {}
      local client = helper.client(mock, { max_retries = 0, timeout = 10,
        on_request = function(r) seen[#seen + 1] = r.timeout end })
      helper.assert_ok(client:create_company_signal_sync{ domain = "acme.com", question = "Hiring?" })
      helper.assert_ok(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      assert.are.same({ 150, 10 }, seen)
    end)

    it("sync_wait must be a whole number of seconds from 1 to 900", function()
      for _, bad in ipairs({ 0, 901, 1.5, "120" }) do
        assert.has_error(function() signals.new{ sync_wait = bad } end)
      end
      assert.has_no.errors(function() signals.new{ sync_wait = 900 } end)
    end)
  end)

  describe("a batch is judged per item", function()
    it("sends a malformed domain and returns the API's verdict on each item", function()
      local client = helper.client(mock, { max_retries = 0 })
      local batch = helper.assert_ok(client:create_signal_batch{
        signals = { { question = "Hiring?" } }, domains = { "acme.com", "not a domain", "globex.com" } })
      assert.are.same({ "acme.com", "not a domain", "globex.com" },
        helper.body_of(mock:last_request()).domains)
      assert.are.equal(3, batch.totalSignals)
      assert.are.equal(2, batch.accepted)
      assert.are.equal(1, batch.rejected)
      local rejected = signals.rejected_items(batch)
      assert.are.equal(1, #rejected)
      assert.are.equal(2, rejected[1].index)
      assert.are.equal("not a domain", rejected[1].domain)
      assert.are.equal("Hiring?", rejected[1].question)
      assert.is_string(rejected[1].error)
    end)

    it("still checks the types of the items before sending", function()
      local client = helper.client(mock, { max_retries = 0 })
      local res, err = client:create_signal_batch{ signals = { { question = "Hiring?" } }, domains = { "acme.com", 42 } }
      assert.is_nil(res)
      assert.are.equal("invalid_request", err.kind)
      assert.matches("'domains' item 2 must be a string", err.message, 1, true)
      assert.are.same({}, mock:requests())
    end)

    it("rejected_items is empty for a batch with no rejection, and refuses what is no batch", function()
      local client = helper.client(mock, { max_retries = 0 })
      local batch = helper.assert_ok(client:create_signal_batch{
        signals = { { question = "Hiring?" } }, domains = { "acme.com" } })
      assert.are.same({}, signals.rejected_items(batch))
      assert.has_error(function() signals.rejected_items("batch") end)
    end)
  end)

  describe("one id, either kind", function()
    it("get_any_signal finds a company signal and a contact signal by id", function()
      local client = helper.client(mock, { max_retries = 0 })
      local company = helper.assert_ok(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      local contact = helper.assert_ok(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Hiring?" })
      assert.are.equal("acme.com", helper.assert_ok(client:get_any_signal(company.id)).domain)
      local found = helper.assert_ok(client:get_any_signal{ signalId = contact.id })
      assert.are.equal(PROFILE, found.contactProfileUrl)
      local paths = {}
      for _, req in ipairs(mock:requests_to("GET", "/v1/*")) do paths[#paths + 1] = req.path end
      assert.are.same({ "/v1/companies/signals/" .. company.id, "/v1/companies/signals/" .. contact.id,
                        "/v1/contacts/signals/" .. contact.id }, paths)
    end)

    it("get_any_signal answers the 404 when neither kind knows the id", function()
      local client = helper.client(mock, { max_retries = 0 })
      local res, err = client:get_any_signal("0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b")
      helper.assert_http_error(404, nil, res, err)
    end)

    it("wait finds a contact signal by its id alone, then polls the contact endpoint", function()
      mock:config{ delay_ms = 200 }
      local client = helper.client(mock, { max_retries = 0, sleep = helper.sleep })
      local contact = helper.assert_ok(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Hiring?" })
      local done = helper.assert_ok(client:wait(contact.id, { interval = 0.05, timeout = 5 }))
      assert.are.equal("completed", done.status)
      assert.are.equal(PROFILE, done.contactProfileUrl)
      local gets = mock:requests_to("GET", "/v1/*")
      assert.are.equal("/v1/companies/signals/" .. contact.id, gets[1].path)
      for i = 2, #gets do assert.are.equal("/v1/contacts/signals/" .. contact.id, gets[i].path) end
      assert.is_true(#gets >= 3, "polled more than once")
    end)
  end)

  describe("template extraction", function()
    it("proposes clusters of ad-hoc signals, applies a plan, and keeps alreadyAttached on the 409", function()
      local client = helper.client(mock, { max_retries = 0 })
      local a = helper.assert_ok(client:create_signal{ domain = "acme.com", question = "Do they use Lua?" })
      local b = helper.assert_ok(client:create_signal{ domain = "globex.com", question = "Do they use Lua?" })
      local plan = helper.assert_ok(client:propose_template_extraction{ signalType = "company", maxCandidates = 10 })
      assert.are.equal("object", signals.kind(plan))
      local cluster
      for _, c in ipairs(plan.clusters) do
        if c.question == "Do they use Lua?" then cluster = c end
      end
      assert.is_table(cluster, "no cluster for the question asked")
      table.sort(cluster.executionIds)
      local expected = { a.id, b.id }
      table.sort(expected)
      assert.are.same(expected, cluster.executionIds)
      local applied = helper.assert_ok(client:apply_template_extraction{ clusters = { cluster } })
      assert.are.equal(1, #applied.created)
      assert.is_string(applied.created[1].templateId)
      local again, err = client:apply_template_extraction{ clusters = { cluster } }
      helper.assert_http_error(409, nil, again, err)
      table.sort(err.details.alreadyAttached)
      assert.are.same(expected, err.details.alreadyAttached)
      assert.is_false(err.maybe_processed)
      assert.matches("already", err.message)
    end)
  end)

  describe("a 429 without a hint", function()
    local function limited(times)
      mock:fault{ path = "/v1/credits", fault = "status", status = 429, times = times,
                  body = { error = { type = "TIMEOUT", code = "TOO_MANY_REQUESTS", message = "slow down" } } }
    end

    it("waits at least rate_limit_floor (default 5 s) before the retry", function()
      limited(1)
      local client, slept = helper.client(mock)
      helper.assert_ok(client:get_credits())
      assert.are.same({ 5 }, slept)
    end)

    it("takes the floor from the option, bounded by max_retry_after", function()
      limited(2)
      local client, slept = helper.client(mock, { rate_limit_floor = 12, max_retry_after = 9 })
      helper.assert_ok(client:get_credits())
      assert.are.same({ 9, 9 }, slept)
    end)

    it("leaves the backoff of other statuses alone", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 500, times = 1 }
      local client, slept = helper.client(mock, { retry_base_delay = 0.5 })
      helper.assert_ok(client:get_credits())
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] <= 0.5)
    end)
  end)

  describe("an error of a POST that was sent", function()
    local function create(client)
      return client:create_signal{ domain = "acme.com", question = "Hiring?" }
    end

    local cases = {
      { what = "a reset after the request went out", maybe = true,
        fault = { fault = "reset" } },
      { what = "a 500", maybe = true, fault = { fault = "status", status = 500 } },
      { what = "a 502 page from a proxy", maybe = true, fault = { fault = "html502" } },
      { what = "a 2xx that does not decode", maybe = true,
        fault = { fault = "status", status = 200, body = "<html>ok</html>" } },
      { what = "a 503", maybe = false, fault = { fault = "status", status = 503 } },
      { what = "a 429", maybe = false, fault = { fault = "status", status = 429, headers = { ["Retry-After"] = "0" } } },
      { what = "a 400", maybe = false,
        fault = { fault = "status", status = 400, body = { error = { code = "VALIDATION_ERROR", message = "no" } } } },
    }
    for _, case in ipairs(cases) do
      it("says maybe_processed = " .. tostring(case.maybe) .. " after " .. case.what, function()
        local fault = { path = "/v1/companies/signals", method = "POST", times = 5 }
        for k, v in pairs(case.fault) do fault[k] = v end
        mock:fault(fault)
        local client = helper.client(mock, { max_retries = 0 })
        local res, err = create(client)
        assert.is_nil(res)
        assert.are.equal(case.maybe, err.maybe_processed, tostring(err))
        assert.are.equal(case.maybe, err:totable().maybe_processed)
      end)
    end

    it("says false when no connection was made, and for a GET", function()
      local client = signals.new{ api_key = helper.API_KEY, max_retries = 0,
        base_url = "http://127.0.0.1:" .. helper.dead_port() }
      local _, err = create(client)
      assert.are.equal("network", err.kind)
      assert.is_false(err.maybe_processed)
      mock:fault{ path = "/v1/credits", fault = "status", status = 500 }
      _, err = helper.client(mock, { max_retries = 0 }):get_credits()
      assert.is_false(err.maybe_processed)
    end)
  end)
end)

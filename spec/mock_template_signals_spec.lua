-- signals-mock: signals made from a template (API-NOTES §5: the template's
-- question, answerType, weight and qualificationCriteria are used), on
-- every create route, and the 404 of a template the mock does not know.
-- Raw requests (mock:api) where the body names a template and no question.
local helper = require("helper")

local failed = helper.assert_http_error

describe("signals-mock: signals from a template", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0 }
  end)

  local function template(params)
    return assert(client:create_signal_template(params or { name = "Hiring",
      question = "Are they hiring engineers?", answerType = "boolean", weight = "nice_to_have",
      qualificationCriteria = { ["true"] = "good" } }))
  end

  -- A raw answer (status, decoded body, text) that must be a 200.
  local function ok_json(status, body)
    assert.are.equal(200, status, helper.json.encode(body))
    return body
  end

  local function not_found(status, body)
    assert.are.equal(404, status, helper.json.encode(body))
    assert.are.equal("NOT_FOUND", body.error.code)
    assert.are.equal("signal template not found or access denied", body.error.message)
    assert.is_string(body.error.requestId)
  end

  describe("single creates", function()
    it("take the template's question and answer type (company, async)", function()
      local t = template()
      local sig = ok_json(mock:api("POST", "/v1/companies/signals",
        { domain = "acme.com", signalTemplateId = t.id }))
      assert.are.equal("Are they hiring engineers?", sig.question)
      assert.are.equal("boolean", sig.answerType)
      local done = ok_json(mock:api("GET", "/v1/companies/signals/" .. sig.id))
      assert.are.equal("completed", done.status)
      assert.are.same({ type = "boolean", boolean = { value = true } }, done.answer)
    end)

    it("use the template's definition over the inline one", function()
      local t = template()
      local sig = ok_json(mock:api("POST", "/v1/companies/signals", { domain = "acme.com",
        signalTemplateId = t.id, question = "Something else?", answerType = "number" }))
      assert.are.equal("Are they hiring engineers?", sig.question)
      assert.are.equal("boolean", sig.answerType)
    end)

    it("follow the template's latest version", function()
      local t = template()
      assert(client:update_signal_template{ templateId = t.id, question = "Hiring in Berlin?" })
      local sig = ok_json(mock:api("POST", "/v1/companies/signals",
        { domain = "acme.com", signalTemplateId = t.id }))
      assert.are.equal("Hiring in Berlin?", sig.question)
    end)

    it("shape a json_schema answer by the template's outputSchema", function()
      local t = template{ name = "Funding", question = "Funding?", answerType = "json_schema",
        outputSchema = { type = "object", properties = { raised = { type = "boolean" } } } }
      local sig = ok_json(mock:api("POST", "/v1/companies/signals/sync",
        { domain = "acme.com", signalTemplateId = t.id }))
      assert.are.equal("completed", sig.status)
      assert.are.same({ type = "json_schema", jsonSchema = { raised = true } }, sig.answer)
    end)

    it("work on the sync route, and for contact signals (async and sync)", function()
      local t = template()
      local profile = "https://www.linkedin.com/in/jane-example"
      local sync = ok_json(mock:api("POST", "/v1/companies/signals/sync",
        { domain = "globex.com", signalTemplateId = t.id }))
      assert.are.equal("completed", sync.status)
      assert.are.equal("Are they hiring engineers?", sync.question)
      local contact = ok_json(mock:api("POST", "/v1/contacts/signals",
        { contactProfileUrl = profile, signalTemplateId = t.id }))
      assert.are.equal("Are they hiring engineers?", contact.question)
      assert.are.equal("boolean", contact.answerType)
      local contact_sync = ok_json(mock:api("POST", "/v1/contacts/signals/sync",
        { contactProfileUrl = profile .. "-2", signalTemplateId = t.id }))
      assert.are.equal("completed", contact_sync.status)
      assert.are.same({ type = "boolean", boolean = { value = true } }, contact_sync.answer)
    end)

    it("answer 404 NOT_FOUND for a template the mock does not know, on every route", function()
      local unknown = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
      not_found(mock:api("POST", "/v1/companies/signals", { domain = "acme.com", signalTemplateId = unknown }))
      not_found(mock:api("POST", "/v1/companies/signals/sync", { domain = "acme.com", signalTemplateId = unknown }))
      not_found(mock:api("POST", "/v1/contacts/signals",
        { contactProfileUrl = "https://www.linkedin.com/in/x", signalTemplateId = unknown }))
      not_found(mock:api("POST", "/v1/contacts/signals/sync",
        { contactProfileUrl = "https://www.linkedin.com/in/x", signalTemplateId = unknown }))
      -- nothing was created, nothing charged
      assert.are.equal(0, assert(client:list_signals{}).total)
      assert.are.equal(10000, assert(client:get_credits()).remainingCredits)
    end)

    it("answer 404 for a deleted template, also through the client", function()
      local t = template()
      assert(client:delete_signal_template{ templateId = t.id })
      not_found(mock:api("POST", "/v1/companies/signals", { domain = "acme.com", signalTemplateId = t.id }))
      failed(404, "NOT_FOUND", client:create_signal{ domain = "acme.com", question = "Q?",
                                                     signalTemplateId = t.id })
    end)

    it("still answer 400 before 404 for a body that is wrong as well", function()
      local status, body = mock:api("POST", "/v1/companies/signals",
        { domain = "not a domain", signalTemplateId = "nope" })
      assert.are.equal(400, status)
      assert.are.equal("domain", body.error.fields[1].field)
    end)
  end)

  describe("batch items", function()
    it("take the template's definition from signalTemplateId or templateId", function()
      local t = template()
      local other = template{ name = "CRM", question = "Which CRM?", answerType = "list" }
      local out = ok_json(mock:api("POST", "/v1/companies/signals/batch", {
        signals = { { signalTemplateId = t.id }, { templateId = other.id, question = "ignored" },
                    { question = "Inline?" } },
        domains = { "acme.com" } }))
      assert.are.equal(3, out.accepted)
      local r = out.results
      assert.are.equal("Are they hiring engineers?", r[1].question)
      assert.are.equal(t.id, r[1].templateId)
      assert.are.equal("Which CRM?", r[2].question)
      assert.are.equal(other.id, r[2].templateId)
      assert.are.equal("Inline?", r[3].question)
      assert.is_nil(r[3].templateId)
      local sig = ok_json(mock:api("GET", "/v1/companies/signals/" .. r[2].id))
      assert.are.equal("list", sig.answerType)
      assert.are.same({ "Go", "Lua" }, sig.answer.list.value)
    end)

    it("answer 404 for an unknown template and create nothing", function()
      not_found(mock:api("POST", "/v1/companies/signals/batch", {
        signals = { { question = "Fine?" }, { templateId = "no-such-template" } },
        domains = { "acme.com", "globex.com" } }))
      assert.are.equal(0, assert(client:list_signals{}).total)
    end)
  end)

  describe("what reads a template's answers", function()
    it("exports and scores read the template-made signals under the template's question", function()
      local t = template()
      ok_json(mock:api("POST", "/v1/companies/signals", { domain = "acme.com", signalTemplateId = t.id }))
      local list = assert(client:create_company_list{ name = "One", filter = { domains = { "acme.com" } } })
      local csv = assert(client:export_company_list{ listId = list.id, signalTemplateIds = { t.id } })
      assert.are.equal("name,domain,Hiring\r\nAcme Corp,acme.com,true\r\n", csv)
      local p = assert(client:create_scoring_profile{ profileType = "company", name = "Fit" })
      assert(client:upsert_scoring_rule{ profileId = p.id, signalTemplateId = t.id, dimension = "fit",
        answerType = "boolean", pointValues = { ["true"] = 10, ["false"] = 0 } })
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      local score = assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }).items[1]
      assert.are.equal(10, score.score)
      assert.are.equal("true", score.contributions[1].matchedValue)
    end)

    it("never shows a made-up stand-in question", function()
      local t = template()
      ok_json(mock:api("POST", "/v1/companies/signals", { domain = "acme.com", signalTemplateId = t.id }))
      ok_json(mock:api("POST", "/v1/companies/signals/batch",
        { signals = { { templateId = t.id } }, domains = { "globex.com" } }))
      local _, _, text = mock:api("GET", "/v1/companies/signals")
      assert.is_nil(text:find("question of signal template", 1, true), text)
      assert.are.equal(2, select(2, text:gsub("Are they hiring engineers%?", "")))
    end)
  end)
end)

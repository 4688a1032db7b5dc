-- signals-mock: template extraction (API-NOTES §8.7, §8.8, §16a). propose
-- clusters the mock's template-less signals by question; apply creates the
-- templates of "new" clusters and attaches the executions; the same plan
-- applied again is a NestJS-style 409 with alreadyAttached.
local helper = require("helper")

describe("signals-mock: template extraction", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0, cache_ttl_s = 0 }
  end)

  local function post(path, body)
    return mock:api("POST", "/v1/signal-templates/extract/" .. path, body)
  end

  local function ask(domain, question, answer_type)
    local status, sig = mock:api("POST", "/v1/companies/signals",
      { domain = domain, question = question, answerType = answer_type })
    assert.are.equal(200, status)
    return sig.id
  end

  local function propose(body)
    local status, out = post("propose", body or { signalType = "company" })
    assert.are.equal(200, status, helper.json.encode(out))
    return out
  end

  it("proposes one cluster per question and answer type, newest first", function()
    local a1 = ask("acme.com", "Are they hiring?", "boolean")
    local a2 = ask("globex.com", "Are they hiring?", "boolean")
    local b = ask("acme.com", "Which CRM?", "open_text")
    local c = ask("acme.com", "Are they hiring?", "number")
    local out = propose()
    assert.are.equal(4, out.totalCandidates)
    assert.are.equal(4, out.processedCandidates)
    assert.is_false(out.hasMore)
    assert.are.equal(3, #out.clusters)
    assert.are.same({ kind = "new", name = "Are they hiring?", question = "Are they hiring?",
                      answerType = "number", executionIds = { c }, sampleQuestions = { "Are they hiring?" } },
                    out.clusters[1])
    assert.are.same({ b }, out.clusters[2].executionIds)
    assert.are.same({ a2, a1 }, out.clusters[3].executionIds)
    assert.are.equal("boolean", out.clusters[3].answerType)
  end)

  it("caps the candidates with maxCandidates, and keeps company and contact apart", function()
    for i = 1, 5 do ask("d" .. i .. ".example", "Q?", "boolean") end
    mock:api("POST", "/v1/contacts/signals", { contactProfileUrl = "https://www.linkedin.com/in/x", question = "Open?" })
    local out = propose{ signalType = "company", maxCandidates = 2 }
    assert.are.equal(5, out.totalCandidates)
    assert.are.equal(2, out.processedCandidates)
    assert.is_true(out.hasMore)
    assert.are.equal(2, #out.clusters[1].executionIds)
    local contact = propose{ signalType = "contact" }
    assert.are.equal(1, contact.totalCandidates)
    assert.are.equal("Open?", contact.clusters[1].question)
  end)

  it("proposes an existing cluster where a template asks the question", function()
    local t = assert(client:create_signal_template{ name = "Hiring", question = "Are they hiring?" })
    local id = ask("acme.com", "Are they hiring?", "boolean")
    local cl = propose().clusters[1]
    assert.are.same({ kind = "existing", templateId = t.id, name = "Hiring", executionIds = { id },
                      sampleQuestions = { "Are they hiring?" } }, cl)
  end)

  it("counts a run of a template's subscription as that template's executions, not as candidates", function()
    local t = assert(client:create_signal_template{ name = "Hiring", question = "Are they hiring?",
                                                    answerType = "boolean" })
    local list = assert(client:create_company_list{ name = "Two", filter = { domains = { "acme.com", "globex.com" } } })
    local sub = assert(client:create_signal_subscription{ listId = list.id, signalTemplateId = t.id,
                                                          frequency = "weekly" })
    assert(client:trigger_signal_subscription(sub.id))
    assert.are.equal(2, assert(client:list_subscription_logs{ subscriptionId = sub.id }).total)
    assert.are.equal(0, propose().totalCandidates)
    local inline = assert(client:create_signal_subscription{ listId = list.id, name = "Inline",
                                                             question = "Inline?", frequency = "weekly" })
    assert(client:trigger_signal_subscription(inline.id))
    assert.are.equal(2, propose().totalCandidates)
  end)

  it("applies a plan: templates for new clusters, executions attached; the same plan again is a 409", function()
    local a = ask("acme.com", "Are they hiring?", "boolean")
    local b = ask("acme.com", "Which CRM?", "open_text")
    local plan = { clusters = propose().clusters }
    local status, out = post("apply", plan)
    assert.are.equal(200, status, helper.json.encode(out))
    assert.are.equal(2, #out.created)
    local by_name = {}
    for _, created in ipairs(out.created) do
      assert.are.equal("new", created.kind)
      assert.are.equal(1, created.attached)
      assert.truthy(created.versionId:match("^%x+%-%x+%-%x+%-%x+%-%x+$"))
      by_name[created.name] = created
    end
    local t = assert(client:get_signal_template(by_name["Are they hiring?"].templateId))
    assert.are.equal("Are they hiring?", t.question)
    assert.are.equal("boolean", t.answerType)
    -- attached: no longer candidates, and their answers are the template's
    assert.are.equal(0, propose().totalCandidates)
    local list = assert(client:create_company_list{ name = "A", filter = { domains = { "acme.com" } } })
    local csv = assert(client:export_company_list{ listId = list.id, signalTemplateIds = { t.id } })
    assert.truthy(csv:find("acme.com,true", 1, true), csv)
    -- the same plan again
    status, out = post("apply", plan)
    assert.are.equal(409, status)
    assert.are.equal(409, out.statusCode)
    assert.are.equal("Conflict", out.error)
    assert.is_string(out.message)
    table.sort(out.alreadyAttached)
    local expected = { a, b }
    table.sort(expected)
    assert.are.same(expected, out.alreadyAttached)
    assert.are.equal(2, assert(client:list_signal_templates{}).total)  -- nothing more created
  end)

  it("attaches to an existing template and names its current version", function()
    local t = assert(client:create_signal_template{ name = "Hiring", question = "Are they hiring?" })
    local id = ask("acme.com", "Are they hiring?", "boolean")
    local status, out = post("apply", { clusters = { { kind = "existing", templateId = t.id, executionIds = { id } } } })
    assert.are.equal(200, status, helper.json.encode(out))
    assert.are.same({ kind = "existing", templateId = t.id, versionId = out.created[1].versionId,
                      name = "Hiring", attached = 1 }, out.created[1])
    assert(client:update_signal_template{ templateId = t.id, name = "Hiring v2" })
    local id2 = ask("globex.com", "Something else?", "boolean")
    local _, again = post("apply", { clusters = { { kind = "existing", templateId = t.id, executionIds = { id2 } } } })
    assert.are.equal("Hiring v2", again.created[1].name)
    assert.are_not.equal(out.created[1].versionId, again.created[1].versionId)
  end)

  it("refuses bad plans: shape (400), unknown executions (400), unknown templates (404)", function()
    local id = ask("acme.com", "Q?", "boolean")
    local status, out = post("apply", { clusters = { { kind = "new", executionIds = {} } } })
    assert.are.equal(400, status)
    local fields = {}
    for _, f in ipairs(out.error.fields) do fields[f.field] = true end
    assert.is_true(fields["clusters[0].name"])
    assert.is_true(fields["clusters[0].question"])
    assert.is_true(fields["clusters[0].executionIds"])
    status, out = post("apply", { clusters = { { kind = "new", name = "N", question = "Q?",
                                                 executionIds = { id, "no-such-signal" } } } })
    assert.are.equal(400, status)
    assert.are.equal("clusters[0].executionIds", out.error.fields[1].field)
    status, out = post("apply", { clusters = { { kind = "existing", templateId = "nope", executionIds = { id } } } })
    assert.are.equal(404, status)
    assert.are.equal("NOT_FOUND", out.error.code)
    status, out = post("propose", { signalType = "account" })
    assert.are.equal(400, status)
    assert.are.equal("signalType", out.error.fields[1].field)
    -- nothing was attached by the refused plans
    assert.are.equal(1, propose().totalCandidates)
  end)
end)

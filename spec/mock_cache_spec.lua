-- signals-mock: the API's answer cache (API-NOTES §4.4). The same question
-- (same answerType, outputSchema and template) about the same subject,
-- asked again while the newest such signal completed less than
-- `cache_ttl_s` ago (12 hours by default), is answered with that signal:
-- same id, completed, no credit. forceRefresh processes afresh.
local helper = require("helper")

describe("signals-mock: answer cache", function()
  local mock

  before_each(function()
    mock = helper.api{ delay_ms = 0 }
  end)

  local function create(body, path)
    local status, sig = mock:api("POST", path or "/v1/companies/signals", body)
    assert.are.equal(200, status, helper.json.encode(sig))
    return sig
  end

  local function credits()
    local _, body = mock:api("GET", "/v1/credits")
    return body.remainingCredits
  end

  local ASK = { domain = "acme.com", question = "Are they hiring?", answerType = "boolean" }

  local function with(extra)
    local body = {}
    for k, v in pairs(ASK) do body[k] = v end
    for k, v in pairs(extra) do body[k] = v end
    return body
  end

  it("answers a repeated question with the completed signal, free of charge", function()
    local first = create(ASK)
    assert.are.equal("processing", first.status)
    assert.are.equal(9999, credits())
    local again = create(ASK)
    assert.are.equal(first.id, again.id)
    assert.are.equal("completed", again.status)
    assert.are.same({ type = "boolean", boolean = { value = true } }, again.answer)
    assert.are.equal(9999, credits())
    -- the request was received and logged all the same
    assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals"))
    local _, page = mock:api("GET", "/v1/companies/signals")
    assert.are.equal(1, page.total)
  end)

  it("processes afresh with forceRefresh, which renews the cached answer", function()
    local first = create(ASK)
    local fresh = create(with{ forceRefresh = true })
    assert.are_not.equal(first.id, fresh.id)
    assert.are.equal("processing", fresh.status)
    assert.are.equal(9998, credits())
    assert.are.equal(fresh.id, create(ASK).id)
  end)

  it("refuses a forceRefresh that is not a boolean", function()
    local status, body = mock:api("POST", "/v1/companies/signals", with{ forceRefresh = "yes" })
    assert.are.equal(400, status)
    assert.are.equal("forceRefresh", body.error.fields[1].field)
  end)

  it("keys on subject, question, answerType, outputSchema and template", function()
    local first = create(ASK)
    local t = assert(helper.client(mock):create_signal_template{ name = "T", question = ASK.question,
                                                                 answerType = "boolean" })
    local others = {
      with{ domain = "globex.com" },
      with{ question = "Are they hiring engineers?" },
      with{ answerType = "open_text" },
      with{ outputSchema = { type = "object" } },
      { domain = "acme.com", signalTemplateId = t.id },
    }
    for _, body in ipairs(others) do
      assert.are_not.equal(first.id, create(body).id, helper.json.encode(body))
    end
    local schema = { type = "object", properties = { n = { type = "integer" } } }
    local a = create(with{ answerType = "json_schema", outputSchema = schema })
    assert.are.equal(a.id, create(with{ answerType = "json_schema", outputSchema = schema }).id)
    -- a template's signals are cached under the template
    local from_t = create({ domain = "globex.com", signalTemplateId = t.id })
    assert.are.equal(from_t.id, create({ domain = "globex.com", signalTemplateId = t.id }).id)
  end)

  it("does not answer from a signal still processing or one that failed", function()
    mock:config{ delay_ms = 60000 }
    local slow = create(ASK)
    assert.are_not.equal(slow.id, create(ASK).id)
    mock:reset{ delay_ms = 0 }
    local failing = with{ question = "Hiring? [fail:retryable]" }
    local a, b = create(failing), create(failing)
    assert.are_not.equal(a.id, b.id)
    assert.are.equal(9998, credits())
  end)

  it("keeps answers cache_ttl_s seconds; 0 switches the cache off", function()
    mock:config{ cache_ttl_s = 1 }
    local first = create(ASK)
    assert.are.equal(first.id, create(ASK).id)
    helper.sleep(1.1)
    local later = create(ASK)
    assert.are_not.equal(first.id, later.id)
    mock:config{ cache_ttl_s = 0 }
    assert.are_not.equal(later.id, create(ASK).id)
  end)

  it("is back to 12 hours after a reset, and refuses a bad cache_ttl_s", function()
    mock:config{ cache_ttl_s = 0 }
    mock:reset{ delay_ms = 0 }
    local first = create(ASK)
    assert.are.equal(first.id, create(ASK).id)
    local status, body = mock:control("POST", "/_mock/config", { cache_ttl_s = -1 })
    assert.are.equal(400, status)
    assert.are.equal("cache_ttl_s", body.error.fields[1].field)
  end)

  it("answers sync creates, contact signals and batch items from the cache", function()
    local first = create(ASK)
    local sync = create(ASK, "/v1/companies/signals/sync")
    assert.are.equal(first.id, sync.id)
    assert.are.equal("completed", sync.status)
    local profile = { contactProfileUrl = "https://www.linkedin.com/in/jane-example", question = "Open to work?" }
    local c1 = create(profile, "/v1/contacts/signals")
    assert.are.equal(c1.id, create(profile, "/v1/contacts/signals").id)
    local out = create({ signals = { { question = ASK.question, answerType = "boolean" } },
                         domains = { "acme.com", "globex.com" } }, "/v1/companies/signals/batch")
    assert.are.equal(2, out.accepted)
    assert.are.equal(first.id, out.results[1].id)
    assert.are.equal("completed", out.results[1].status)
    assert.are.equal("processing", out.results[2].status)
  end)

  it("leaves seeded signals and subscription runs out", function()
    local seeded = mock:seed{ domain = "acme.com", question = ASK.question, answerType = "boolean" }
    local created = create(ASK)
    assert.are_not.equal(seeded.ids[1], created.id)
    assert.are.equal("processing", created.status)
  end)
end)

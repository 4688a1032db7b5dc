-- The documented errors of the signal, research and search operations, as
-- signals-mock answers them through the client (API-NOTES §4.3, §5, §6, §9):
-- one describe per operation. Their successes are specced in
-- signals_api_spec.lua; what the client refuses before sending goes
-- through opts.extra, which it does not check against the contract.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local PROFILE = "https://www.linkedin.com/in/jane-example"
local UNKNOWN_UUID = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"

describe("signal and contact errors", function()
  local mock, client

  before_each(function()
    mock, client = helper.api()
  end)

  describe("create_signal", function()
    it("answers 400 for a json_schema signal without an outputSchema", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:create_signal{ domain = "acme.com", question = "Funding?", answerType = "json_schema" })
      assert.are.equal("outputSchema", err.fields[1].field)
      assert.are.equal("VALIDATION", err.type)
      assert.is_string(err.request_id)
    end)
  end)

  describe("create_company_signal_sync", function()
    it("answers 400 for an outputSchema that is not an object", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_company_signal_sync{ domain = "acme.com",
        question = "Funding?", answerType = "json_schema", outputSchema = { "not", "an", "object" } })
      assert.are.equal("outputSchema", err.fields[1].field)
    end)
  end)

  describe("get_signal", function()
    it("answers 404 for an unknown id, and for a contact signal's id", function()
      failed(404, "NOT_FOUND", client:get_signal(UNKNOWN_UUID))
      local contact = assert(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Hiring?" })
      failed(404, "NOT_FOUND", client:get_signal(contact.id))
    end)
  end)

  describe("list_signals", function()
    it("answers 400 for a fromDate that is no date", function()
      local err = failed(400, "VALIDATION_ERROR", client:list_signals({}, { extra = { fromDate = "yesterday" } }))
      assert.are.equal("fromDate", err.fields[1].field)
    end)
  end)

  describe("create_signal_batch", function()
    it("answers 400 for an empty list of signals", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:create_signal_batch{ signals = {}, domains = { "acme.com" } })
      assert.are.equal("signals", err.fields[1].field)
    end)
  end)

  describe("create_contact_signal", function()
    it("answers 400 for an empty contactProfileUrl", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:create_contact_signal{ contactProfileUrl = "", question = "Hiring?" })
      assert.are.equal("contactProfileUrl", err.fields[1].field)
    end)
  end)

  describe("create_contact_signal_sync", function()
    it("answers 408 when the signal outlives the wait and X-Sbr-Timeout-Error is true", function()
      local err = failed(408, "REQUEST_TIMEOUT", client:create_contact_signal_sync{ contactProfileUrl = PROFILE,
        question = "Slow? [delay:3000]", ["X-Sbr-Timeout-Sec"] = 1, ["X-Sbr-Timeout-Error"] = "true" })
      assert.are.equal("TIMEOUT", err.type)
      assert.is_false(err.retryable)  -- a POST that was processed is not sent again
      assert.are.equal(1, #mock:requests())
    end)
  end)

  describe("get_contact_signal", function()
    it("answers 404 for a company signal's id", function()
      local company = assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      failed(404, "NOT_FOUND", client:get_contact_signal(company.id))
    end)
  end)

  describe("list_contact_signals", function()
    it("answers 400 for a limit above 25", function()
      local err = failed(400, "VALIDATION_ERROR", client:list_contact_signals({}, { extra = { limit = 26 } }))
      assert.are.equal("limit", err.fields[1].field)
    end)
  end)

  describe("create_contact_research", function()
    it("answers 422 for an empty first name", function()
      local err = failed(422, "VALIDATION_ERROR", client:create_contact_research{ firstName = "",
        lastName = "Example", companyName = "Acme Corp", companyDomain = "acme.com" })
      assert.are.equal("firstName", err.fields[1].field)
    end)
  end)

  describe("get_contact_research", function()
    it("answers 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:get_contact_research("cr_0000000000000000"))
    end)
  end)

  describe("get_contact_research_by_external_id", function()
    it("answers 404 when no research carries that external id", function()
      failed(404, "NOT_FOUND",
        client:get_contact_research_by_external_id{ externalId = "hubspot_1", externalSource = "hubspot" })
    end)
  end)

  describe("search_contacts", function()
    it("answers 400 for a department outside the Sales Navigator taxonomy", function()
      local err = failed(400, "VALIDATION_ERROR", client:search_contacts{ departments = { "Wizardry" } })
      assert.are.equal("validation failed for 'departments': invalid value: Wizardry", err.message)
      assert.are.equal("error", signals.kind(err))
    end)
  end)
end)

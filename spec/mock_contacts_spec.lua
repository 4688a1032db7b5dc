-- signals-mock: the contact search (API-NOTES §9.4, §16a) and contact
-- research (API-NOTES §9.1) field by field: the default page for limit 0, every
-- filter narrowing the pool, salesNavConnected following the connector,
-- the 422 "Could not process LinkedIn URL", research's 422/400 and the
-- members present in each state. Raw requests where the client would
-- refuse (limit 0, bodies that are not objects).
local helper = require("helper")

describe("signals-mock: contacts", function()
  local mock

  before_each(function()
    mock = helper.api()
  end)

  local function search(body)
    local status, page = mock:api("POST", "/v1/contacts/search", body)
    assert.are.equal(200, status, helper.json.encode(page))
    return page
  end

  local function every(page, check)
    assert.is_true(#page.items > 0, "an empty page proves nothing")
    for _, c in ipairs(page.items) do assert.is_true(check(c), helper.json.encode(c)) end
  end

  describe("search", function()
    it("answers limit 0 and offset 0 (what Saber's CLI sends) with the default page of 25", function()
      local page = search{ limit = 0, offset = 0 }
      assert.are.equal(25, page.limit)
      assert.are.equal(0, page.offset)
      assert.are.equal(25, #page.items)
      assert.are.equal(60, page.total)
      assert.is_true(page.hasMore)
      assert.is_true(page.salesNavConnected)
    end)

    it("still refuses a limit above 100 or a negative offset", function()
      local status, body = mock:api("POST", "/v1/contacts/search", { limit = 101 })
      assert.are.equal(400, status)
      assert.are.equal("limit", body.error.fields[1].field)
      status, body = mock:api("POST", "/v1/contacts/search", { offset = -1 })
      assert.are.equal(400, status)
      assert.are.equal("offset", body.error.fields[1].field)
    end)

    it("narrows by departments, seniorityLevels, countries, companies, keywords and titles", function()
      local page = search{ departments = { "Engineering" }, limit = 100 }
      assert.are.equal(10, page.total)
      every(page, function(c) return c.role == "Software Engineer" end)
      page = search{ seniorityLevels = { "CXO", "Vice President" }, limit = 100 }
      assert.are.equal(20, page.total)
      every(page, function(c) return c.seniority[1] == "CXO" or c.seniority[1] == "Vice President" end)
      page = search{ countries = { "GB" }, limit = 100 }
      assert.are.equal(15, page.total)
      every(page, function(c) return c.location:find("United Kingdom", 1, true) ~= nil end)
      page = search{ companyLinkedInUrls = { "https://www.linkedin.com/company/globex/" }, limit = 100 }
      assert.are.equal(20, page.total)
      every(page, function(c) return c.companyName == "Globex" end)
      page = search{ keywords = "kubernetes", limit = 100 }
      assert.are.equal(10, page.total)
      every(page, function(c) return c.role == "Software Engineer" end)
      page = search{ jobTitles = { "director" }, limit = 100 }
      assert.are.equal(10, page.total)
      every(page, function(c) return c.role == "Sales Director" end)
      -- together they all apply (AND), each array OR within
      page = search{ departments = { "Operations" }, countries = { "DE" },
                     companyLinkedInUrls = { "https://www.linkedin.com/company/acme" }, limit = 100 }
      every(page, function(c)
        return c.companyName == "Acme Corp" and c.location == "Berlin, Germany"
          and (c.role == "VP Operations" or c.role == "Head of Logistics")
      end)
      assert.are.equal(#page.items, page.total)
      assert.are.equal(0, search{ companyLinkedInUrls = { "https://www.linkedin.com/company/nobody" } }.total)
    end)

    it("answers an empty page with salesNavConnected false while Sales Navigator is not connected", function()
      mock:config{ connectors = { salesNavigator = "needs-authentication" } }
      local page = search{ limit = 25 }
      assert.is_false(page.salesNavConnected)
      assert.are.equal(0, page.total)
      assert.are.equal(0, #page.items)
      mock:config{ connectors = { salesNavigator = "connected" } }
      assert.is_true(search{ limit = 25 }.salesNavConnected)
    end)

    it("answers 422 'Could not process LinkedIn URL' for a URL holding invalid-linkedin", function()
      local url = "https://www.linkedin.com/company/invalid-linkedin-42"
      local status, body = mock:api("POST", "/v1/contacts/search", { companyLinkedInUrls = { url } })
      assert.are.equal(422, status)
      assert.are.equal("Could not process LinkedIn URL", body.error.message)
      assert.are.equal("VALIDATION", body.error.type)
      assert.are.equal("companyLinkedInUrls", body.error.fields[1].field)
      assert.are.equal(url, body.error.details.url)
      assert.is_string(body.error.requestId)
    end)
  end)

  describe("research", function()
    local BODY = { firstName = "Jane", lastName = "Example", companyName = "Acme Corp", companyDomain = "acme.com" }

    local function research(overrides)
      local body = {}
      for k, v in pairs(BODY) do body[k] = v end
      for k, v in pairs(overrides or {}) do body[k] = v end
      return mock:api("POST", "/v1/contacts/research", body)
    end

    it("answers 422 for validation errors, naming every field", function()
      local status, body = research{ firstName = "", companyDomain = "https://acme.com" }
      assert.are.equal(422, status)
      assert.are.equal("VALIDATION_ERROR", body.error.code)
      assert.are.equal("firstName", body.error.fields[1].field)
      assert.are.equal("companyDomain", body.error.fields[2].field)
      -- a JSON body that is not an object is a validation error as well
      status, body = mock:api("POST", "/v1/contacts/research", { 1, 2 })
      assert.are.equal(422, status)
      assert.are.equal("body", body.error.fields[1].field)
    end)

    it("answers 400 only for a body that is not JSON", function()
      local http, ltn12 = require("socket.http"), require("ltn12")
      local chunks = {}
      local _, status = http.request{ url = mock.url .. "/v1/contacts/research", method = "POST",
        headers = { authorization = "Bearer " .. helper.API_KEY, ["content-type"] = "application/json",
                    ["content-length"] = "9" },
        source = ltn12.source.string("{not json"), sink = ltn12.sink.table(chunks) }
      assert.are.equal(400, status)
      local body = helper.json.decode(table.concat(chunks))
      assert.are.equal("body", body.error.fields[1].field)
    end)

    it("shows completedAt when it ends, interests and challenges only when completed", function()
      mock:config{ delay_ms = 200 }
      local _, started = research()
      local _, failing = research{ firstName = "Fail" }
      for _, r in ipairs{ started, failing } do
        assert.are.equal("processing", r.status)
        assert.is_nil(r.completedAt)
        assert.is_nil(r.interests)
        assert.is_nil(r.challenges)
      end
      helper.sleep(0.3)
      local _, done = mock:api("GET", "/v1/contacts/research/" .. started.id)
      assert.are.equal("completed", done.status)
      assert.is_string(done.completedAt)
      assert.is_table(done.interests)
      assert.is_table(done.challenges)
      assert.is_nil(done.error)
      local _, failed = mock:api("GET", "/v1/contacts/research/" .. failing.id)
      assert.are.equal("failed", failed.status)
      assert.is_string(failed.completedAt)
      assert.are.equal("Could not retrieve LinkedIn profile data", failed.error)
      assert.is_nil(failed.interests)
      assert.is_nil(failed.challenges)
    end)
  end)
end)

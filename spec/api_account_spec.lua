-- The account against signals-mock (API-NOTES §9.5, §11.1-§11.3): credits,
-- connectors, the organisation and the email finder (its snake_case body,
-- its FastAPI-style 422s), one describe per operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error

describe("account", function()
  local mock, client

  before_each(function()
    mock, client = helper.api()
  end)

  describe("get_credits", function()
    it("answers the remaining credits", function()
      local credits = assert(client:get_credits())
      assert.are.equal("object", signals.kind(credits))
      assert.are.equal(10000, credits.remainingCredits)
    end)

    it("answers 401 for a wrong key", function()
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):get_credits())
    end)
  end)

  describe("list_connectors", function()
    it("starts with both connectors connected", function()
      local c = assert(client:list_connectors())
      assert.are.equal("object", signals.kind(c))
      assert.are.same({ { source = "salesNavigator", status = "connected" },
                        { source = "hubspotApp", status = "connected" } }, c.connectors)
    end)

    it("shows what /_mock/config set; HubSpot is connected or absent", function()
      mock:config{ connectors = { salesNavigator = "needs-authentication", hubspotApp = helper.json.null } }
      assert.are.same({ { source = "salesNavigator", status = "needs-authentication" } },
                      assert(client:list_connectors()).connectors)
      local status = mock:control("POST", "/_mock/config", { connectors = { hubspotApp = "error" } })
      assert.are.equal(400, status)
      mock:reset()
      assert.are.equal(2, #assert(client:list_connectors()).connectors)
    end)

    it("answers 401 for a wrong key", function()
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):list_connectors())
    end)
  end)

  describe("get_organisation", function()
    it("answers the organisation with its four descriptions", function()
      local org = assert(client:get_organisation())
      assert.are.equal("object", signals.kind(org))
      assert.is_string(org.name)
      assert.is_string(org.website)
      for _, key in ipairs{ "general", "products", "useCases", "valueProp" } do
        assert.is_string(org.description[key], key)
      end
    end)

    it("answers 401 for a wrong key", function()
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):get_organisation())
    end)
  end)

  describe("update_organisation", function()
    it("updates only what is sent, description member by member", function()
      local before = assert(client:get_organisation())
      local org = assert(client:update_organisation{ website = "acme.com",
                                                     description = { products = "Route optimisation" } })
      assert.are.equal(before.name, org.name)
      assert.are.equal("acme.com", org.website)
      assert.are.equal("Route optimisation", org.description.products)
      assert.are.equal(before.description.general, org.description.general)
      assert.are.same(org:totable(), assert(client:get_organisation()):totable())
    end)

    it("answers 400 for an unknown description member, changing nothing", function()
      local before = assert(client:get_organisation())
      local err = failed(400, "VALIDATION_ERROR", client:update_organisation{ name = "New",
        description = { mission = "x" } })
      assert.are.equal("description.mission", err.fields[1].field)
      assert.are.same(before:totable(), assert(client:get_organisation()):totable())
    end)
  end)

  describe("find_email", function()
    it("answers the address and its verification", function()
      local found = assert(client:find_email{ full_name = "Jane Example", domain = "acme.com" })
      assert.are.equal("object", signals.kind(found))
      assert.are.equal("jane.example@acme.com", found.email)
      assert.are.same({ state = "deliverable", score = 97, accept_all = false }, found.verification)
    end)

    it("takes particles, www. and a trailing dot", function()
      local found = assert(client:find_email{ full_name = "Jan van der Berg", domain = "www.acme.com." })
      assert.are.equal("jan.berg@acme.com", found.email)
    end)

    it("answers both null when no address is found", function()
      local found = assert(client:find_email{ full_name = "Nobody Example", domain = "acme.com" })
      assert.are.equal(signals.null, found.email)
      assert.are.equal(signals.null, found.verification)
    end)

    it("answers 422 for a name of one word or more than four", function()
      for _, name in ipairs{ "Madonna", "Anna Maria Luisa de Medici Example" } do
        local err = failed(422, "VALIDATION_ERROR", client:find_email{ full_name = name, domain = "acme.com" })
        assert.are.equal("full_name", err.fields[1].field)
        assert.are.equal("VALIDATION", err.type)
      end
    end)

    it("answers 422 in the API's envelope for a URL as domain or a missing name (sent without the client)", function()
      local status, body = mock:api("POST", "/v1/contacts/find-email",
                                    { full_name = "Jane Example", domain = "https://acme.com/team" })
      assert.are.equal(422, status)
      assert.are.equal("domain", body.error.fields[1].field)
      assert.are.equal("VALIDATION_ERROR", body.error.code)
      assert.is_string(body.error.requestId)
      assert.is_nil(body.detail)
      status, body = mock:api("POST", "/v1/contacts/find-email", { fullName = "Jane Example", domain = "acme.com" })
      assert.are.equal(422, status)
      assert.are.equal("full_name", body.error.fields[1].field)
      assert.are.equal("validation failed for 'full_name': 'full_name' is required", body.error.message)
    end)
  end)
end)

-- Contact lists, company search and company lists against signals-mock
-- (API-NOTES §10, §11.4): snapshots of the contact pool, saved filters over
-- the company pool, the CSV export (a string), the HubSpot import, the
-- connectors they need and the documented errors, one describe per
-- operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local ok = helper.assert_ok
local ACME_URL = "https://www.linkedin.com/company/acme"

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

describe("contact lists", function()
  local mock, client

  before_each(function()
    mock, client = helper.api()
  end)

  local function new_list(titles, name)
    return ok(client:create_contact_list{ name = name or "Ops leaders",
      filters = { companyLinkedInUrls = { ACME_URL }, jobTitles = titles or { "VP Operations" } } })
  end

  describe("create_contact_list", function()
    it("answers the list with the size of its snapshot", function()
      local filters = { companyLinkedInUrls = { ACME_URL }, jobTitles = { "VP Operations" },
                        keywords = "logistics", countries = { "US", "GB" } }
      local list = assert(client:create_contact_list{ name = "Ops leaders", filters = filters })
      assert.are.equal("object", signals.kind(list))
      assert.truthy(list.id:match("^cl_%x+$"))
      assert.are.equal("Ops leaders", list.name)
      assert.are.same(filters, list.filters)
      -- the search's pool, narrowed by the same filters the same way
      local search = assert(client:search_contacts(filters))
      assert.are.equal(search.total, list.contactCount)
      assert.is_true(list.contactCount < assert(client:search_contacts{ jobTitles = { "VP Operations" } }).total)
      assert.is_true(list.contactCount > 0)
      assert.is_string(list.createdAt)
      assert.are.equal(list.createdAt, list.updatedAt)
    end)

    it("answers 400 for a company URL without another filter, or no company URL", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_contact_list{ name = "x",
        filters = { companyLinkedInUrls = { ACME_URL } } })
      assert.are.equal("filters", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:create_contact_list{ name = "x",
        filters = { jobTitles = { "CFO" } } })
      assert.are.equal("filters.companyLinkedInUrls", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:create_contact_list{ name = "x",
        filters = { companyLinkedInUrls = { ACME_URL }, countries = { "Germany" } } })
      assert.are.equal("filters.countries", err.fields[1].field)
    end)

    it("answers a connector error, and creates nothing, without Sales Navigator", function()
      mock:config{ connectors = { salesNavigator = "needs-authentication" } }
      local err = failed(400, "CONNECTOR_NOT_CONNECTED", client:create_contact_list{ name = "x",
        filters = { companyLinkedInUrls = { ACME_URL }, keywords = "ops" } })
      assert.truthy(err.message:find("salesNavigator"))
      assert.are.equal(0, assert(client:list_contact_lists()).total)
    end)
  end)

  describe("list_contact_lists", function()
    it("is a style B page, newest first", function()
      local a, b = new_list(nil, "A"), new_list(nil, "B")
      local page = assert(client:list_contact_lists{ limit = 1 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(b.id, page.items[1].id)
      assert.are.equal(2, page.total)
      assert.is_true(page.has_more)
      assert.are.equal(a.id, assert(client:list_contact_lists{ offset = 1 }).items[1].id)
    end)

    it("answers 400 for a limit above 100", function()
      failed(400, "VALIDATION_ERROR", client:list_contact_lists({}, { extra = { limit = 500 } }))
    end)
  end)

  describe("get_contact_list", function()
    it("answers the list", function()
      local list = new_list()
      assert.are.same(list:totable(), assert(client:get_contact_list(list.id)):totable())
    end)

    it("answers 404 for an unknown list", function()
      failed(404, "NOT_FOUND", client:get_contact_list("cl_nope"))
    end)
  end)

  describe("update_contact_list", function()
    it("renames the list", function()
      local list = new_list()
      local renamed = assert(client:update_contact_list{ listId = list.id, name = "Renamed" })
      assert.are.equal("Renamed", renamed.name)
      assert.are.equal(list.contactCount, renamed.contactCount)
      assert.are.equal("Renamed", assert(client:get_contact_list(list.id)).name)
    end)

    it("answers 400 for an empty name and 404 for an unknown list", function()
      local list = new_list()
      failed(400, "VALIDATION_ERROR", client:update_contact_list{ listId = list.id, name = "" })
      failed(404, "NOT_FOUND", client:update_contact_list{ listId = "cl_nope", name = "x" })
    end)
  end)

  describe("delete_contact_list", function()
    it("deletes the list and its contacts for good", function()
      local list = new_list()
      local gone = assert(client:delete_contact_list(list.id))
      assert.are.equal(list.id, gone.id)
      assert.is_true(gone.deleted)
      failed(404, "NOT_FOUND", client:get_contact_list(list.id))
      failed(404, "NOT_FOUND", client:get_contact_list_contacts(list.id))
      failed(404, "NOT_FOUND", client:delete_contact_list(list.id))
    end)
  end)

  describe("get_contact_list_contacts", function()
    it("is a style B page of the stored contacts", function()
      local list = new_list({ "VP", "Director" })
      local page = assert(client:get_contact_list_contacts{ listId = list.id, limit = 3 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(list.contactCount, page.total)
      assert.are.equal(3, #page)
      assert.is_true(page.has_more)
      local c = page.items[1]
      assert.are.equal("contact", signals.kind(c))
      assert.truthy(c.id:match("^c_%x+$"))
      assert.are.equal(list.id, c.listId)
      for _, key in ipairs{ "firstName", "lastName", "fullName", "headline", "role", "companyName", "location" } do
        assert.is_string(c[key], key)
      end
      assert.are.equal(25, assert(client:get_contact_list_contacts(list.id)).limit)
    end)

    it("answers 404 for an unknown list", function()
      failed(404, "NOT_FOUND", client:get_contact_list_contacts("cl_nope"))
    end)
  end)
end)

describe("company search and company lists", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0 }
  end)

  local US = { location = { countryCodes = { "US" } } }

  local function new_list(filter, name)
    return ok(client:create_company_list{ name = name or "US companies", filter = filter or US })
  end

  describe("search_companies", function()
    it("previews at most 50 matches with the total", function()
      local all = assert(client:search_companies{ filter = signals.object({}) })
      assert.are.equal("object", signals.kind(all))
      assert.are.equal(60, all.total)
      assert.are.equal(50, #all.companies)
      local acme = assert(client:search_companies{ filter = { domains = { "acme.com" } } })
      assert.are.equal(1, acme.total)
      local c = acme.companies[1]
      assert.are.equal("acme.com", c.domain)
      assert.are.equal("Acme Corp", c.name)
      assert.are.equal("company/acme.com", c.handle)
      assert.are.equal("US", c.countryCode)
      for _, key in ipairs{ "id", "industry", "size", "type", "city", "state" } do
        assert.is_string(c[key], key)
      end
      assert.is_number(c.founded)
    end)

    it("narrows by every filter and exclusion", function()
      local us = assert(client:search_companies{ filter = US })
      assert.are.equal(20, us.total)
      local narrowed = assert(client:search_companies{ filter = { location = { countryCodes = { "US" } },
        exclude = { domains = { "acme.com" } }, names = { "corp" } } })
      assert.are.equal(19, narrowed.total)
      assert.are.equal(19, #narrowed.companies)
      for _, c in ipairs(narrowed.companies) do
        assert.are.equal("US", c.countryCode)
        assert.are_not.equal("acme.com", c.domain)
      end
    end)

    it("answers 400 for an unknown filter member or size bucket", function()
      local err = failed(400, "VALIDATION_ERROR", client:search_companies{ filter = { country = "US" } })
      assert.are.equal("filter.country", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:search_companies{ filter = { sizes = { "50-200" } } })
      assert.are.equal("filter.sizes", err.fields[1].field)
    end)
  end)

  describe("count_preview_company_list", function()
    it("counts the matches, free", function()
      local before = assert(client:get_credits()).remainingCredits
      local preview = assert(client:count_preview_company_list{ filter = { industries = { "Software" } } })
      assert.are.equal("object", signals.kind(preview))
      assert.are.equal(10, preview.count)
      assert.are.equal(preview.count, preview.credits)
      assert.are.equal(before, assert(client:get_credits()).remainingCredits)
    end)

    it("answers 400 for a malformed exclusion", function()
      local err = failed(400, "VALIDATION_ERROR", client:count_preview_company_list{
        filter = { exclude = { sizes = { "huge" } } } })
      assert.are.equal("filter.exclude.sizes", err.fields[1].field)
    end)
  end)

  describe("create_company_list", function()
    it("answers the saved filter", function()
      local list = new_list({ industries = { "Retail" } }, "Retail")
      assert.are.equal("object", signals.kind(list))
      assert.is_string(list.id)
      assert.are.equal("Retail", list.name)
      assert.are.same({ industries = { "Retail" } }, list.filter)
      assert.is_string(list.createdAt)
      assert.is_string(list.updatedAt)
    end)

    it("answers 400 for a country code that is not ISO 3166-1 alpha-2", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_company_list{ name = "x",
        filter = { location = { countryCodes = { "usa" } } } })
      assert.are.equal("filter.location.countryCodes", err.fields[1].field)
    end)
  end)

  describe("list_company_lists", function()
    it("is a style B page, newest first", function()
      local a, b = new_list(nil, "A"), new_list(nil, "B")
      local page = assert(client:list_company_lists())
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ b.id, a.id }, { page.items[1].id, page.items[2].id })
      assert.is_false(page.has_more)
      assert.are.equal(20, page.limit)
    end)

    it("answers 400 for a limit of 0", function()
      failed(400, "VALIDATION_ERROR", client:list_company_lists({}, { extra = { limit = 0 } }))
    end)
  end)

  describe("get_company_list", function()
    it("answers the list", function()
      local list = new_list()
      assert.are.same(list:totable(), assert(client:get_company_list(list.id)):totable())
    end)

    it("answers 404 for an unknown list", function()
      failed(404, "NOT_FOUND", client:get_company_list("nope"))
    end)
  end)

  describe("update_company_list", function()
    it("replaces name and filter; the companies follow", function()
      local list = new_list()
      local updated = assert(client:update_company_list{ listId = list.id, name = "German",
        filter = { location = { countryCodes = { "DE" } } } })
      assert.are.equal("German", updated.name)
      local page = assert(client:get_company_list_companies(list.id))
      assert.are.equal(20, page.total)
      assert.are.equal("DE", page.items[1].countryCode)
    end)

    it("answers 404 for an unknown list and 400 for a bad filter", function()
      failed(404, "NOT_FOUND", client:update_company_list{ listId = "nope", name = "x", filter = US })
      local list = new_list()
      failed(400, "VALIDATION_ERROR", client:update_company_list{ listId = list.id, name = "x",
        filter = { domains = "acme.com" } })
    end)
  end)

  describe("delete_company_list", function()
    it("soft-deletes: answered with deletedAt, then gone", function()
      local list = new_list()
      local deleted = assert(client:delete_company_list(list.id))
      assert.are.equal(list.id, deleted.id)
      assert.is_string(deleted.deletedAt)
      failed(404, "NOT_FOUND", client:get_company_list(list.id))
      assert.are.equal(0, assert(client:list_company_lists()).total)
      failed(404, "NOT_FOUND", client:delete_company_list(list.id))
    end)
  end)

  describe("get_company_list_companies", function()
    it("is a style B page of the companies the filter selects", function()
      local list = new_list()
      local page = assert(client:get_company_list_companies{ listId = list.id, limit = 15 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(20, page.total)
      assert.are.equal(15, #page)
      assert.is_true(page.has_more)
      page = assert(client:get_company_list_companies{ listId = list.id, offset = 15 })
      assert.are.equal(5, #page)
      assert.is_false(page.has_more)
      assert.are.equal(25, page.limit)
    end)

    it("answers 404 for an unknown list", function()
      failed(404, "NOT_FOUND", client:get_company_list_companies("nope"))
    end)
  end)

  describe("export_company_list", function()
    it("answers CSV as a string: name, domain, the fields, one column per template", function()
      local list = new_list({ domains = { "acme.com", "globex.com" } })
      local t = assert(client:create_signal_template{ name = "Hiring, engineering", question = "Hiring?",
                                                      answerType = "boolean" })
      -- a completed answer to the template's question fills the cell
      assert(client:create_signal{ domain = "acme.com", question = "Hiring?", answerType = "boolean" })
      local csv, err = client:export_company_list{ listId = list.id, fields = { "industry", "founded" },
                                                   signalTemplateIds = { t.id } }
      assert.is_nil(err, err and tostring(err))
      assert.is_string(csv)
      assert.truthy(mock:last_request().status == 200)
      local lines = {}
      for line in csv:gmatch("([^\r\n]*)\r\n") do lines[#lines + 1] = line end
      assert.are.same({
        'name,domain,industry,founded,"Hiring, engineering"',
        "Acme Corp,acme.com,Software,1950,true",
        "Globex Corp,globex.com,Logistics,1957,",
      }, lines)
    end)

    it("exports name and domain alone by default", function()
      local list = new_list({ domains = { "acme.de" } })
      assert.are.equal("name,domain\r\nAcme GmbH,acme.de\r\n", assert(client:export_company_list(list.id)))
    end)

    it("answers 400 for an unknown column or template and 404 for an unknown list", function()
      local list = new_list()
      local err = failed(400, "VALIDATION_ERROR", client:export_company_list{ listId = list.id,
        fields = { "revenue" } })
      assert.are.equal("fields", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:export_company_list{ listId = list.id,
        signalTemplateIds = { "no-such-template" } })
      assert.are.equal("signalTemplateIds", err.fields[1].field)
      failed(404, "NOT_FOUND", client:export_company_list("nope"))
    end)
  end)

  describe("import_company_list", function()
    local SOURCE = { type = "hubspot", filter = { propertyName = "lifecyclestage", operator = "EQ",
                                                  value = "customer" } }

    it("makes a list of the portal's companies and names the unresolved domains", function()
      local imported = assert(client:import_company_list{ name = "HubSpot customers", source = SOURCE })
      assert.are.equal("object", signals.kind(imported))
      assert.are.equal("HubSpot customers", imported.name)
      assert.are.equal(5, #imported.filter.domains)
      assert.is_true(contains(imported.filter.domains, "acme.com"))
      assert.are.same({ "hubspot-only.example" }, imported.unresolvedDomains)
      local list = assert(client:get_company_list(imported.id))
      assert.is_nil(list.unresolvedDomains)
      assert.are.equal(5, assert(client:get_company_list_companies(imported.id)).total)
    end)

    it("answers 400 without a HubSpot portal connected", function()
      mock:config{ connectors = { hubspotApp = helper.json.null } }
      failed(400, "CONNECTOR_NOT_CONNECTED", client:import_company_list{ name = "x", source = SOURCE })
      assert.are.equal(0, assert(client:list_company_lists()).total)
    end)

    it("answers 400 for an unknown operator or a missing value", function()
      local err = failed(400, "VALIDATION_ERROR", client:import_company_list{ name = "x",
        source = { type = "hubspot", filter = { propertyName = "p", operator = "LIKE", value = "v" } } })
      assert.are.equal("source.filter.operator", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:import_company_list{ name = "x",
        source = { type = "hubspot", filter = { propertyName = "p", operator = "GT" } } })
      assert.are.equal("source.filter.value", err.fields[1].field)
      assert(client:import_company_list{ name = "x",
        source = { type = "hubspot", filter = { propertyName = "p", operator = "HAS_PROPERTY" } } })
    end)
  end)
end)

-- The iterators (CONTRACT §4) over every pagination style of API-NOTES §2, as
-- signals-mock serves them from its own state (no faults): A
-- {results,…,count}, B {items,…,hasMore}, C {items,…} without hasMore, and
-- D the bare array. Each list is walked with paginate and pages, every item
-- once, with the requests the envelope calls for.
local helper = require("helper")
local signals = require("signals")

-- The requests of one path, with their offsets ("0" when absent).
local function offsets(mock, path)
  local found = {}
  for i, req in ipairs(mock:requests_to("GET", path)) do
    found[i] = helper.query_of(req).offset or "0"
  end
  return found
end

local function collect(iterator)
  local ids, seen = {}, {}
  for item in iterator do
    assert.is_nil(seen[item.id], "yielded twice: " .. tostring(item.id))
    seen[item.id] = true
    ids[#ids + 1] = item.id
  end
  return ids
end

describe("paging styles", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0 }
  end)

  describe("style A (results, count)", function()
    it("paginate walks the summaries of a domain, stopping at total", function()
      local made = {}
      for i = 1, 3 do
        mock:seed{ count = 1, domain = "acme.com", question = "Q" .. i }
        table.insert(made, 1, assert(client:generate_signal_summary{ domain = "acme.com" }).id)
      end
      local ids = collect(client:paginate("get_signal_summaries", { domain = "acme.com", limit = 1 }))
      assert.are.same(made, ids)
      assert.are.same({ "0", "1", "2" }, offsets(mock, "/v1/companies/signals/summaries"))
    end)

    it("pages walks a subscription's logs page by page", function()
      mock:seed{ count = 25, subscriptionId = "sub-paged" }
      local sizes = {}
      for page in client:pages("list_subscription_logs", { subscriptionId = "sub-paged", limit = 10 }) do
        assert.are.equal("page", signals.kind(page))
        assert.are.equal(25, page.total)
        assert.are.equal(#page, page.count)
        sizes[#sizes + 1] = #page
      end
      assert.are.same({ 10, 10, 5 }, sizes)
    end)
  end)

  describe("style B (items, hasMore)", function()
    it("paginate walks the templates until hasMore is false", function()
      local made = {}
      for i = 1, 5 do
        table.insert(made, 1, assert(client:create_signal_template{ name = "T" .. i, question = "q" .. i }).id)
      end
      assert.are.same(made, collect(client:paginate("list_signal_templates", { limit = 2 })))
      assert.are.same({ "0", "2", "4" }, offsets(mock, "/v1/companies/signals/templates"))
    end)

    it("pages walks the companies of a list", function()
      local list = assert(client:create_company_list{ name = "US", filter = { location = { countryCodes = { "US" } } } })
      local has_more, domains = {}, {}
      for page in client:pages("get_company_list_companies", { listId = list.id, limit = 8 }) do
        has_more[#has_more + 1] = page.has_more
        assert.is_boolean(page:totable().hasMore)
        for _, c in ipairs(page.items) do domains[#domains + 1] = c.domain end
      end
      assert.are.same({ true, true, false }, has_more)
      local whole = {}
      for _, c in ipairs(assert(client:get_company_list_companies{ listId = list.id, limit = 100 }).items) do
        whole[#whole + 1] = c.domain
      end
      assert.are.equal(20, #whole)
      assert.are.same(whole, domains)
    end)

    it("paginate walks the stored contacts of a contact list", function()
      local list = assert(client:create_contact_list{ name = "All", filters = {
        companyLinkedInUrls = { "https://www.linkedin.com/company/acme", "https://www.linkedin.com/company/globex" },
        countries = { "US", "GB", "DE" } } })
      local n = 0
      for contact in client:paginate("get_contact_list_contacts", { listId = list.id, limit = 25 }) do
        assert.are.equal("contact", signals.kind(contact))
        n = n + 1
      end
      assert.are.equal(list.contactCount, n)
      assert.is_true(n > 25, "the list fits on one page: " .. n)
      assert.are.equal(math.ceil(n / 25), #offsets(mock, "/v1/contacts/lists/" .. list.id .. "/contacts"))
    end)
  end)

  describe("style C (items, no hasMore)", function()
    it("paginate walks the market subscriptions, stopping at total", function()
      local made = {}
      for _ = 1, 5 do
        table.insert(made, 1, assert(client:create_market_signal_subscription{ type = "IPO",
          webhookUrl = "https://hooks.example.org/m" }).id)
      end
      assert.are.same(made, collect(client:paginate("list_market_signal_subscriptions", { limit = 2 })))
      assert.are.same({ "0", "2", "4" }, offsets(mock, "/v1/market-signals/subscriptions"))
    end)

    it("pages walks a subscription's deliveries; has_more comes from total", function()
      local sub = assert(client:create_market_signal_subscription{ type = "JOB_POSTS",
        webhookUrl = "https://hooks.example.org/m" })
      assert(client:trigger_market_signal_subscription(sub.id))
      assert(client:trigger_market_signal_subscription(sub.id))
      local has_more, n = {}, 0
      for page in client:pages("list_market_signal_subscription_signals", { subscriptionId = sub.id, limit = 4 }) do
        assert.is_nil(page:totable().hasMore)
        has_more[#has_more + 1] = page.has_more
        n = n + #page
      end
      assert.are.same({ true, false }, has_more)
      assert.are.equal(6, n)
    end)
  end)

  describe("style D (bare array)", function()
    it("paginate yields every profile from one request", function()
      local made = {}
      for i = 1, 3 do made[i] = assert(client:create_scoring_profile{ profileType = "company", name = "P" .. i }).id end
      assert.are.same(made, collect(client:paginate("list_scoring_profiles")))
      assert.are.equal(1, #offsets(mock, "/v1/scoring/profiles"))
    end)

    it("pages yields one page of scores", function()
      local p = assert(client:create_scoring_profile{ profileType = "company", name = "P" })
      assert(client:upsert_scoring_rule{ profileId = p.id, signalTemplateId = "t", dimension = "fit",
        answerType = "boolean", pointValues = { ["true"] = 1, ["false"] = 0 } })
      assert(client:bulk_create_profile_assignments{ profileId = p.id, objectType = "company",
        objectIds = { "acme.com", "globex.com" } })
      local pages = 0
      for page in client:pages("get_scores", { objectType = "company", objectId = { "acme.com", "globex.com" } }) do
        pages = pages + 1
        assert.are.equal(2, #page)
        assert.is_nil(page.total)
      end
      assert.are.equal(1, pages)
    end)
  end)

  it("yields nothing for an empty list of any style, after one request", function()
    local lists = {
      { "get_signal_summaries", { domain = "nobody.example" }, "/v1/companies/signals/summaries" },
      { "list_signal_templates", nil, "/v1/companies/signals/templates" },
      { "list_market_signal_subscriptions", nil, "/v1/market-signals/subscriptions" },
      { "list_scoring_profiles", nil, "/v1/scoring/profiles" },
    }
    for _, case in ipairs(lists) do
      local n = 0
      for _ in client:paginate(case[1], case[2]) do n = n + 1 end
      assert.are.equal(0, n, case[1])
      assert.are.equal(1, #offsets(mock, case[3]), case[1])
    end
  end)
end)

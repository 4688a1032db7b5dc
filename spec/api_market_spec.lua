-- Market-signal subscriptions against signals-mock (API-NOTES §11.5): create,
-- partial update, pause/resume, trigger and its deliveries, soft delete,
-- the style C envelope (no hasMore) and the documented errors, one
-- describe per operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local ok = helper.assert_ok
local HOOK = "https://hooks.example.org/market"

describe("market-signal subscriptions", function()
  local client

  before_each(function()
    client = select(2, helper.api())
  end)

  local function subscribe(params)
    params = params or {}
    params.type = params.type or "JOB_POSTS"
    params.webhookUrl = params.webhookUrl or HOOK
    return ok(client:create_market_signal_subscription(params))
  end

  describe("create_market_signal_subscription", function()
    it("answers an active subscription with the defaults, never the secret", function()
      local sub = subscribe{ name = "Data engineers", prompt = "Senior data engineers in the US",
                             filters = { titleKeywords = { "Data Engineer" }, countries = { "US" } },
                             webhookSecret = "whsec_123" }
      assert.are.equal("object", signals.kind(sub))
      assert.is_string(sub.id)
      assert.is_string(sub.organizationId)
      assert.are.equal("JOB_POSTS", sub.type)
      assert.are.equal("Data engineers", sub.name)
      assert.are.equal("active", sub.status)
      assert.are.equal("Senior data engineers in the US", sub.prompt)
      assert.are.same({ titleKeywords = { "Data Engineer" }, countries = { "US" } }, sub.filters)
      assert.are.equal(HOOK, sub.webhookUrl)
      assert.are.equal(500, sub.intervalSignalLimit)
      assert.are.equal("daily", sub.interval)
      assert.is_string(sub.createdAt)
      assert.is_string(sub.updatedAt)
      assert.is_nil(sub.webhookSecret)
      assert.is_nil(sub:totable()._webhookSecret)
    end)

    it("answers 400 for a prompt on a type other than JOB_POSTS, or a webhookUrl that is no URL", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_market_signal_subscription{
        type = "FUND_RAISED", webhookUrl = HOOK, prompt = "Series B" })
      assert.are.equal("prompt", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:create_market_signal_subscription{
        type = "IPO", webhookUrl = "hooks.example.org" })
      assert.are.equal("webhookUrl", err.fields[1].field)
    end)
  end)

  describe("list_market_signal_subscriptions", function()
    it("is a style C page (no hasMore), newest first", function()
      local a, b = subscribe(), subscribe{ type = "IPO" }
      local page = assert(client:list_market_signal_subscriptions{ limit = 1 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(b.id, page.items[1].id)
      assert.are.equal(2, page.total)
      assert.is_nil(page:totable().hasMore)
      assert.is_true(page.has_more)  -- computed from total
      page = assert(client:list_market_signal_subscriptions{ limit = 1, offset = 1 })
      assert.are.equal(a.id, page.items[1].id)
      assert.is_false(page.has_more)
    end)

    it("answers 400 for includeDeleted that is not a boolean", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:list_market_signal_subscriptions({}, { extra = { includeDeleted = "yes" } }))
      assert.are.equal("includeDeleted", err.fields[1].field)
    end)
  end)

  describe("get_market_signal_subscription", function()
    it("answers the subscription", function()
      local sub = subscribe()
      assert.are.same(sub:totable(), assert(client:get_market_signal_subscription(sub.id)):totable())
    end)

    it("answers 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:get_market_signal_subscription("nope"))
    end)
  end)

  describe("update_market_signal_subscription", function()
    it("changes only the fields sent", function()
      local sub = subscribe{ name = "Before", intervalSignalLimit = 50 }
      local updated = assert(client:update_market_signal_subscription{ subscriptionId = sub.id,
        interval = "weekly", name = "After" })
      assert.are.equal("After", updated.name)
      assert.are.equal("weekly", updated.interval)
      assert.are.equal(50, updated.intervalSignalLimit)
      assert.are.equal(HOOK, updated.webhookUrl)
      assert.are.equal("JOB_POSTS", updated.type)
    end)

    it("answers 400 when the type would change, and 404 for an unknown id", function()
      local sub = subscribe()
      local err = failed(400, "VALIDATION_ERROR", client:update_market_signal_subscription(
        { subscriptionId = sub.id, name = "x" }, { extra = { type = "IPO" } }))
      assert.are.equal("type", err.fields[1].field)
      failed(404, "NOT_FOUND", client:update_market_signal_subscription{ subscriptionId = "nope", name = "x" })
    end)
  end)

  describe("delete_market_signal_subscription", function()
    it("soft-deletes: still readable, listed only with includeDeleted", function()
      local sub, keep = subscribe(), subscribe()
      local deleted = assert(client:delete_market_signal_subscription(sub.id))
      assert.are.equal("deleted", deleted.status)
      assert.is_string(deleted.deletedAt)
      assert.are.equal("deleted", assert(client:get_market_signal_subscription(sub.id)).status)
      local page = assert(client:list_market_signal_subscriptions())
      assert.are.equal(1, page.total)
      assert.are.equal(keep.id, page.items[1].id)
      assert.are.equal(2, assert(client:list_market_signal_subscriptions{ includeDeleted = true }).total)
    end)

    it("answers 404 once deleted, for every change", function()
      local sub = subscribe()
      assert(client:delete_market_signal_subscription(sub.id))
      failed(404, "NOT_FOUND", client:delete_market_signal_subscription(sub.id))
      failed(404, "NOT_FOUND", client:pause_market_signal_subscription(sub.id))
      failed(404, "NOT_FOUND", client:trigger_market_signal_subscription(sub.id))
    end)
  end)

  describe("pause_market_signal_subscription and resume_market_signal_subscription", function()
    it("switch the status between paused and active", function()
      local sub = subscribe()
      assert.are.equal("paused", assert(client:pause_market_signal_subscription(sub.id)).status)
      assert.are.equal("paused", assert(client:get_market_signal_subscription(sub.id)).status)
      assert.are.equal("active", assert(client:resume_market_signal_subscription(sub.id)).status)
    end)

    it("answer 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:pause_market_signal_subscription("nope"))
      failed(404, "NOT_FOUND", client:resume_market_signal_subscription("nope"))
    end)
  end)

  describe("trigger_market_signal_subscription", function()
    it("polls now: the deliveries show in the subscription's signals", function()
      local sub = subscribe()
      local triggered = assert(client:trigger_market_signal_subscription(sub.id))
      assert.are.equal(sub.id, triggered.id)
      local page = assert(client:list_market_signal_subscription_signals(sub.id))
      assert.are.equal(3, page.total)
      local d = page.items[1]
      assert.truthy(d.id:match("^ms_%x+$"))
      assert.are.equal(sub.id, d.subscriptionId)
      assert.truthy(d.jobPostingId:match("^jp_"))
      assert.are.equal(signals.null, d.externalSignalId)
      assert.are.equal("Senior Data Engineer", d.payload.title)
      assert.is_string(d.payload.companyDomain)
      assert.are.equal("delivered", d.status)
      assert.is_number(d.confidenceScore)
      for _, key in ipairs{ "publishedAt", "createdAt", "deliveredAt" } do assert.is_string(d[key], key) end
    end)

    it("never delivers more than intervalSignalLimit per poll", function()
      local sub = subscribe{ type = "FUND_RAISED", intervalSignalLimit = 1 }
      assert(client:trigger_market_signal_subscription(sub.id))
      local page = assert(client:list_market_signal_subscription_signals(sub.id))
      assert.are.equal(1, page.total)
      assert.are.equal(signals.null, page.items[1].jobPostingId)
      assert.is_string(page.items[1].externalSignalId)
    end)

    it("answers 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:trigger_market_signal_subscription("nope"))
    end)
  end)

  describe("list_market_signal_subscription_signals", function()
    it("is a style C page, newest first", function()
      local sub = subscribe()
      assert(client:trigger_market_signal_subscription(sub.id))
      assert(client:trigger_market_signal_subscription(sub.id))
      local page = assert(client:list_market_signal_subscription_signals{ subscriptionId = sub.id, limit = 4 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(6, page.total)
      assert.are.equal(4, #page)
      assert.is_nil(page:totable().hasMore)
      assert.are.equal(20, assert(client:list_market_signal_subscription_signals(sub.id)).limit)
    end)

    it("answers 404 for an unknown subscription", function()
      failed(404, "NOT_FOUND", client:list_market_signal_subscription_signals("nope"))
    end)
  end)
end)

-- Signal subscriptions and their webhook actions against signals-mock
-- (API-NOTES §8.9, §8.10): created stopped, start/stop/trigger, runs that
-- show in the logs, at most 10 actions, pause/unpause, and the documented
-- errors, one describe per operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local ok = helper.assert_ok
local DAY = 86400

-- Seconds since the epoch of an RFC 3339 UTC time (days from the civil
-- date, so that the local time zone plays no part).
local function epoch(text)
  local y, m, d, h, mi, s = text:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  local days = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
  return days * DAY + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

describe("signal subscriptions", function()
  local client

  before_each(function()
    client = select(2, helper.api{ delay_ms = 0 })
  end)

  local function subscribe(extra)
    local params = { listId = "list-1", name = "Hiring", question = "Are they hiring?",
                     answerType = "boolean", frequency = "weekly" }
    for k, v in pairs(extra or {}) do params[k] = v end
    return ok(client:create_signal_subscription(params))
  end

  describe("create_signal_subscription", function()
    it("answers a stopped subscription with an inline definition", function()
      local sub = subscribe{ timezone = "Europe/Berlin" }
      assert.are.equal("object", signals.kind(sub))
      assert.is_string(sub.id)
      assert.are.equal("stopped", sub.status)
      assert.are.equal("list-1", sub.listId)
      assert.are.equal("Hiring", sub.name)
      assert.are.equal("Are they hiring?", sub.question)
      assert.are.equal("boolean", sub.answerType)
      assert.are.equal("weekly", sub.frequency)
      assert.are.equal(signals.null, sub.cronExpression)
      assert.are.equal("Europe/Berlin", sub.timezone)
      assert.are.equal(signals.null, sub.signalTemplateId)
      assert.are.equal(1, sub.version)
      assert.are.equal(signals.null, sub.lastRunAt)
      assert.are.equal(signals.null, sub.nextRunAt)
      assert.are.equal("api", sub.source)
      assert.is_string(sub.createdAt)
    end)

    it("takes the definition of a template, an inline field overriding it", function()
      local t = assert(client:create_signal_template{ name = "CRM", question = "Which CRM?",
                                                      answerType = "list" })
      t = assert(client:update_signal_template{ templateId = t.id, weight = "nice_to_have" })
      local sub = assert(client:create_signal_subscription{ listId = "list-1", signalTemplateId = t.id,
        name = "CRM weekly", cronExpression = "0 9 * * 1,3,5" })
      assert.are.equal(t.id, sub.signalTemplateId)
      assert.are.equal(2, sub.version)
      assert.are.equal("Which CRM?", sub.question)
      assert.are.equal("list", sub.answerType)
      assert.are.equal("nice_to_have", sub.weight)
      assert.are.equal("CRM weekly", sub.name)
      assert.are.equal("0 9 * * 1,3,5", sub.cronExpression)
      assert.are.equal(signals.null, sub.frequency)
      assert.are.equal("UTC", sub.timezone)
    end)

    it("answers 400 for both frequency and cronExpression, or neither", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_signal_subscription{ listId = "l",
        name = "n", question = "q?", frequency = "daily", cronExpression = "0 9 * * *" })
      assert.are.equal("frequency", err.fields[1].field)
      failed(400, "VALIDATION_ERROR", client:create_signal_subscription{ listId = "l", name = "n", question = "q?" })
      assert.are.same({}, assert(client:list_signal_subscriptions()).items)
    end)

    it("answers 400 for an unknown template, a cron expression of 3 fields, or no question", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_signal_subscription{ listId = "l",
        signalTemplateId = "no-such-template", frequency = "daily" })
      assert.are.equal("signalTemplateId", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:create_signal_subscription{ listId = "l",
        name = "n", question = "q?", cronExpression = "0 9 *" })
      assert.are.equal("cronExpression", err.fields[1].field)
      err = failed(400, "VALIDATION_ERROR", client:create_signal_subscription{ listId = "l",
        name = "n", frequency = "daily" })
      assert.are.equal("question", err.fields[1].field)
    end)
  end)

  describe("list_signal_subscriptions", function()
    it("is a style B page, newest first", function()
      local a, b = subscribe(), subscribe{ name = "Second" }
      local page = assert(client:list_signal_subscriptions{ limit = 1 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(b.id, page.items[1].id)
      assert.are.equal(2, page.total)
      assert.is_true(page.has_more)
      page = assert(client:list_signal_subscriptions{ limit = 1, offset = 1 })
      assert.are.equal(a.id, page.items[1].id)
      assert.is_false(page.has_more)
    end)

    it("answers 400 for a negative offset", function()
      local err = failed(400, "VALIDATION_ERROR", client:list_signal_subscriptions({}, { extra = { offset = -1 } }))
      assert.are.equal("offset", err.fields[1].field)
    end)
  end)

  describe("get_signal_subscription", function()
    it("answers the subscription", function()
      local sub = subscribe()
      assert.are.same(sub:totable(), assert(client:get_signal_subscription(sub.id)):totable())
    end)

    it("answers 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:get_signal_subscription("no-such-subscription"))
    end)
  end)

  describe("update_signal_subscription", function()
    it("replaces the definition and schedule, one version up", function()
      local sub = subscribe{ outputSchema = signals.null }
      local updated = assert(client:update_signal_subscription{ subscriptionId = sub.id,
        timezone = "America/New_York", name = "Hiring (daily)", question = "Hiring engineers?",
        answerType = "json_schema", outputSchema = { type = "object", properties = { n = { type = "integer" } } },
        cronExpression = "30 8 * * *" })
      assert.are.equal(2, updated.version)
      assert.are.equal("Hiring (daily)", updated.name)
      assert.are.equal("json_schema", updated.answerType)
      assert.are.equal("30 8 * * *", updated.cronExpression)
      assert.are.equal(signals.null, updated.frequency)
      assert.are.equal("America/New_York", updated.timezone)
      assert.are.equal("stopped", updated.status)
      local cleared = assert(client:update_signal_subscription{ subscriptionId = sub.id,
        timezone = "UTC", name = "n", question = "q?", answerType = "open_text", outputSchema = signals.null })
      assert.are.equal(signals.null, cleared.outputSchema)
      assert.are.equal("30 8 * * *", cleared.cronExpression)
    end)

    it("answers 404 for an unknown subscription", function()
      failed(404, "NOT_FOUND", client:update_signal_subscription{ subscriptionId = "nope",
        timezone = "UTC", name = "n", question = "q?", answerType = "boolean" })
    end)

    it("answers 400 for frequency and cronExpression together", function()
      local sub = subscribe()
      failed(400, "VALIDATION_ERROR", client:update_signal_subscription{ subscriptionId = sub.id,
        timezone = "UTC", name = "n", question = "q?", answerType = "boolean",
        frequency = "daily", cronExpression = "0 9 * * *" })
      assert.are.equal(1, assert(client:get_signal_subscription(sub.id)).version)
    end)
  end)

  describe("start_signal_subscription and stop_signal_subscription", function()
    it("start activates the schedule; stop stops it", function()
      local sub = subscribe()
      local started = assert(client:start_signal_subscription(sub.id))
      assert.are.equal("active", started.status)
      local wait = epoch(started.nextRunAt) - epoch(started.createdAt)
      assert.is_true(wait >= 7 * DAY - 2 and wait <= 7 * DAY + 2, "nextRunAt is a week away")
      assert.are.equal("active", assert(client:start_signal_subscription(sub.id)).status)
      local stopped = assert(client:stop_signal_subscription(sub.id))
      assert.are.equal("stopped", stopped.status)
      assert.are.equal(signals.null, stopped.nextRunAt)
      assert.are.equal("stopped", assert(client:get_signal_subscription(sub.id)).status)
    end)

    it("a cron schedule has no nextRunAt in the mock", function()
      local sub = subscribe{ frequency = signals.null, cronExpression = "0 9 * * 1" }
      assert.are.equal(signals.null, assert(client:start_signal_subscription(sub.id)).nextRunAt)
    end)

    it("answer 404 for an unknown subscription", function()
      failed(404, "NOT_FOUND", client:start_signal_subscription("nope"))
      failed(404, "NOT_FOUND", client:stop_signal_subscription("nope"))
    end)
  end)

  describe("trigger_signal_subscription", function()
    it("runs the question over a company list now; the logs show the signals", function()
      local list = assert(client:create_company_list{ name = "German retail",
        filter = { industries = { "Retail" }, location = { countryCodes = { "DE" } } } })
      local companies = assert(client:get_company_list_companies{ listId = list.id })
      assert.is_true(companies.total > 0)
      local sub = subscribe{ listId = list.id }
      local before = assert(client:get_credits()).remainingCredits
      local run = assert(client:trigger_signal_subscription(sub.id))
      assert.are.equal(sub.id, run.id)
      assert.is_string(run.lastRunAt)
      assert.are.equal("stopped", run.status)
      assert.are.equal(before - companies.total, assert(client:get_credits()).remainingCredits)
      local logs = assert(client:list_subscription_logs{ subscriptionId = sub.id })
      assert.are.equal(companies.total, logs.total)
      assert.are.equal(companies.total, #logs.items)
      local domains = {}
      for _, c in ipairs(companies.items) do domains[c.domain] = true end
      for _, sig in ipairs(logs.items) do
        assert.is_true(domains[sig.domain], sig.domain)
        assert.are.equal("Are they hiring?", sig.question)
        assert.are.equal(sub.id, sig.subscriptionId)
        assert.are.equal("completed", sig.status)
        assert.are.equal(true, sig:value())
      end
    end)

    it("runs over the contacts of a contact list", function()
      local list = assert(client:create_contact_list{ name = "VPs",
        filters = { companyLinkedInUrls = { "https://www.linkedin.com/company/acme" },
                    jobTitles = { "VP Operations" } } })
      assert.is_true(list.contactCount > 0)
      local sub = subscribe{ listId = list.id }
      assert(client:trigger_signal_subscription(sub.id))
      local logs = assert(client:list_subscription_logs{ subscriptionId = sub.id })
      assert.are.equal(list.contactCount, logs.total)
      assert.are.equal("contact", logs.items[1].signalType)
      assert.truthy(logs.items[1].contactProfileUrl:find("^https://www.linkedin.com/in/"))
    end)

    it("answers 404 for an unknown subscription", function()
      failed(404, "NOT_FOUND", client:trigger_signal_subscription("nope"))
    end)
  end)

  describe("list_subscription_logs", function()
    it("answers 400 for a status that is not one of the three", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:list_subscription_logs({ subscriptionId = "sub-1" }, { extra = { status = "done" } }))
      assert.are.equal("status", err.fields[1].field)
    end)
  end)
end)

describe("subscription actions", function()
  local client, sub

  before_each(function()
    client = select(2, helper.api())
    sub = assert(client:create_signal_subscription{ listId = "list-1", name = "n", question = "q?",
                                                    frequency = "daily" })
  end)

  local function add(destination, subscription)
    return ok(client:create_subscription_action{ subscriptionId = subscription or sub.id,
      type = "webhook", webhook = { destination = destination or "https://hooks.example.org/a" } })
  end

  describe("create_subscription_action", function()
    it("answers an enabled webhook action", function()
      local a = add("https://hooks.example.org/saber")
      assert.are.equal("object", signals.kind(a))
      assert.is_string(a.id)
      assert.are.equal(sub.id, a.subscriptionId)
      assert.are.equal("webhook", a.type)
      assert.are.same({ destination = "https://hooks.example.org/saber" }, a.webhook)
      assert.is_true(a.enabled)
      assert.is_string(a.createdAt)
      assert.are.equal(a.createdAt, a.updatedAt)
    end)

    it("answers 400 from the 11th action on", function()
      for i = 1, 10 do add("https://hooks.example.org/" .. i) end
      local err = failed(400, "VALIDATION_ERROR", client:create_subscription_action{ subscriptionId = sub.id,
        type = "webhook", webhook = { destination = "https://hooks.example.org/11" } })
      assert.truthy(err.message:find("at most 10"))
      assert.are.equal(10, assert(client:list_subscription_actions(sub.id)).total)
    end)

    it("answers 400 for an invalid configuration and 404 for an unknown subscription", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_subscription_action{ subscriptionId = sub.id,
        type = "webhook", webhook = { destination = "not a url" } })
      assert.are.equal("webhook.destination", err.fields[1].field)
      failed(400, "VALIDATION_ERROR", client:create_subscription_action{ subscriptionId = sub.id, type = "webhook" })
      failed(404, "NOT_FOUND", client:create_subscription_action{ subscriptionId = "nope", type = "webhook",
        webhook = { destination = "https://hooks.example.org/a" } })
    end)
  end)

  describe("list_subscription_actions", function()
    it("is a style B page of this subscription's actions, oldest first", function()
      local other = assert(client:create_signal_subscription{ listId = "l", name = "o", question = "o?",
                                                              frequency = "daily" })
      local a, b = add(), add("https://hooks.example.org/b")
      add(nil, other.id)
      local page = assert(client:list_subscription_actions{ subscriptionId = sub.id, limit = 1 })
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(a.id, page.items[1].id)
      assert.are.equal(2, page.total)
      assert.is_true(page.has_more)
      page = assert(client:list_subscription_actions{ subscriptionId = sub.id, offset = 1 })
      assert.are.equal(b.id, page.items[1].id)
      assert.is_false(page.has_more)
    end)

    it("answers 404 for an unknown subscription", function()
      failed(404, "NOT_FOUND", client:list_subscription_actions("nope"))
    end)
  end)

  describe("get_subscription_action", function()
    it("answers the action", function()
      local a = add()
      local got = assert(client:get_subscription_action{ subscriptionId = sub.id, actionId = a.id })
      assert.are.same(a:totable(), got:totable())
    end)

    it("answers 404 for an action of another subscription", function()
      local other = assert(client:create_signal_subscription{ listId = "l", name = "o", question = "o?",
                                                              frequency = "daily" })
      local a = add(nil, other.id)
      failed(404, "NOT_FOUND", client:get_subscription_action{ subscriptionId = sub.id, actionId = a.id })
    end)
  end)

  describe("update_subscription_action", function()
    it("replaces the webhook configuration", function()
      local a = add()
      local updated = assert(client:update_subscription_action{ subscriptionId = sub.id, actionId = a.id,
        webhook = { destination = "https://hooks.example.org/new" } })
      assert.are.equal("https://hooks.example.org/new", updated.webhook.destination)
      assert.are.equal(a.id, updated.id)
      assert.are.equal("webhook", updated.type)
    end)

    it("answers 400 when the type would change, and 404 for an unknown action", function()
      local a = add()
      local err = failed(400, "VALIDATION_ERROR", client:update_subscription_action({ subscriptionId = sub.id,
        actionId = a.id, webhook = { destination = "https://hooks.example.org/x" } }, { extra = { type = "email" } }))
      assert.are.equal("type", err.fields[1].field)
      failed(404, "NOT_FOUND", client:update_subscription_action{ subscriptionId = sub.id, actionId = "nope",
        webhook = { destination = "https://hooks.example.org/x" } })
    end)
  end)

  describe("delete_subscription_action", function()
    it("deletes for good", function()
      local a = add()
      local gone = assert(client:delete_subscription_action{ subscriptionId = sub.id, actionId = a.id })
      assert.are.equal("object", signals.kind(gone))
      assert.are.equal(a.id, gone.id)
      assert.is_true(gone.deleted)
      failed(404, "NOT_FOUND", client:get_subscription_action{ subscriptionId = sub.id, actionId = a.id })
      failed(404, "NOT_FOUND", client:delete_subscription_action{ subscriptionId = sub.id, actionId = a.id })
    end)
  end)

  describe("pause_subscription_action and unpause_subscription_action", function()
    it("switch enabled off and on", function()
      local a = add()
      local paused = assert(client:pause_subscription_action{ subscriptionId = sub.id, actionId = a.id })
      assert.is_false(paused.enabled)
      assert.is_false(assert(client:get_subscription_action{ subscriptionId = sub.id, actionId = a.id }).enabled)
      local resumed = assert(client:unpause_subscription_action{ subscriptionId = sub.id, actionId = a.id })
      assert.is_true(resumed.enabled)
    end)

    it("answer 404 for an unknown action", function()
      failed(404, "NOT_FOUND", client:pause_subscription_action{ subscriptionId = sub.id, actionId = "nope" })
      failed(404, "NOT_FOUND", client:unpause_subscription_action{ subscriptionId = sub.id, actionId = "nope" })
    end)
  end)
end)

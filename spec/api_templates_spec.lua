-- Signal templates against signals-mock (API-NOTES §8.1-§8.6): the objects,
-- versions on update, soft delete, the list envelope (style B) and the
-- documented errors, one describe per operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local ok = helper.assert_ok

describe("signal templates", function()
  local client

  before_each(function()
    client = select(2, helper.api())
  end)

  local function create(params)
    return ok(client:create_signal_template(params or { name = "CRM", question = "Which CRM?" }))
  end

  describe("create_signal_template", function()
    it("answers the template at version 1 with the defaults filled in", function()
      local t = create{ name = "CRM detection", question = "Which CRM are they using?",
                        description = "Which CRM each company runs" }
      assert.are.equal("object", signals.kind(t))
      assert.truthy(t.id:match("^%x+%-%x+%-%x+%-%x+%-%x+$"))
      assert.are.equal(t.id, t.templateId)
      assert.are.equal(1, t.version)
      assert.are.equal("CRM detection", t.name)
      assert.are.equal("Which CRM each company runs", t.description)
      assert.are.equal("Which CRM are they using?", t.question)
      assert.are.equal("open_text", t.answerType)
      assert.are.equal("important", t.weight)
      assert.are.equal(signals.null, t.outputSchema)
      assert.are.equal(signals.null, t.deletedAt)
      assert.are.equal("api", t.source)
      assert.is_string(t.organizationId)
      assert.truthy(t.createdAt:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"))
    end)

    it("keeps an outputSchema and the qualification criteria as sent", function()
      local schema = { type = "object", properties = { raised = { type = "boolean" } } }
      local t = create{ name = "Funding", question = "Did they raise?", answerType = "json_schema",
                        outputSchema = schema, weight = "nice_to_have",
                        qualificationCriteria = { raised = "good" } }
      assert.are.same(schema, t.outputSchema)
      assert.are.same({ raised = "good" }, t.qualificationCriteria)
      assert.are.equal("nice_to_have", t.weight)
    end)

    it("answers 400 for a json_schema template without an outputSchema", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:create_signal_template{ name = "Funding", question = "Raised?", answerType = "json_schema" })
      assert.are.equal("outputSchema", err.fields[1].field)
    end)

    it("answers 400 for an empty question", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_signal_template{ name = "x", question = "" })
      assert.are.equal("question", err.fields[1].field)
    end)
  end)

  describe("list_signal_templates", function()
    it("is a style B page, newest first, with hasMore", function()
      local a, b, c = create{ name = "A", question = "a?" }, create{ name = "B", question = "b?" },
                      create{ name = "C", question = "c?" }
      local page = assert(client:list_signal_templates{ limit = 2 })
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ c.id, b.id }, { page.items[1].id, page.items[2].id })
      assert.are.equal(3, page.total)
      assert.are.equal(2, page.limit)
      assert.are.equal(0, page.offset)
      assert.is_true(page.has_more)
      assert.is_true(page:totable().hasMore)
      page = assert(client:list_signal_templates{ limit = 2, offset = 2 })
      assert.are.equal(a.id, page.items[1].id)
      assert.is_false(page.has_more)
    end)

    it("defaults to 20 per page", function()
      assert.are.equal(20, assert(client:list_signal_templates()).limit)
    end)

    it("answers 400 for a limit above 100", function()
      local err = failed(400, "VALIDATION_ERROR", client:list_signal_templates({}, { extra = { limit = 101 } }))
      assert.are.equal("limit", err.fields[1].field)
    end)
  end)

  describe("get_signal_template", function()
    it("answers the template", function()
      local t = create()
      local got = assert(client:get_signal_template(t.id))
      assert.are.same(t:totable(), got:totable())
    end)

    it("answers 404 for an unknown id", function()
      failed(404, "NOT_FOUND", client:get_signal_template("no-such-template"))
    end)
  end)

  describe("update_signal_template", function()
    it("makes a new version with the fields sent and keeps the rest", function()
      local t = create{ name = "CRM", question = "Which CRM?", description = "first" }
      local v2 = assert(client:update_signal_template{ templateId = t.id, question = "Which CRM now?",
                                                       answerType = "list" })
      assert.are.equal(t.id, v2.id)
      assert.are.equal(t.id, v2.templateId)
      assert.are.equal(2, v2.version)
      assert.are.equal("Which CRM now?", v2.question)
      assert.are.equal("list", v2.answerType)
      assert.are.equal("CRM", v2.name)
      assert.are.equal("first", v2.description)
      local v3 = assert(client:update_signal_template{ templateId = t.id, description = signals.null })
      assert.are.equal(3, v3.version)
      assert.are.equal(signals.null, v3.description)
      assert.are.equal(3, assert(client:get_signal_template(t.id)).version)
      -- the list shows the latest version only
      local page = assert(client:list_signal_templates())
      assert.are.equal(1, page.total)
      assert.are.equal(3, page.items[1].version)
    end)

    it("answers 404 for an unknown template", function()
      failed(404, "NOT_FOUND", client:update_signal_template{ templateId = "nope", name = "x" })
    end)

    it("answers 400 when the update leaves a json_schema template without a schema", function()
      local t = create()
      failed(400, "VALIDATION_ERROR", client:update_signal_template{ templateId = t.id, answerType = "json_schema" })
      assert.are.equal(1, assert(client:get_signal_template(t.id)).version)
    end)
  end)

  describe("delete_signal_template", function()
    it("soft-deletes: still readable, listed only with includeDeleted", function()
      local t = create()
      local keep = create{ name = "Keep", question = "Keep?" }
      local deleted = assert(client:delete_signal_template(t.id))
      assert.are.equal("object", signals.kind(deleted))
      assert.are.equal(t.id, deleted.id)
      assert.is_string(deleted.deletedAt)
      assert.are.equal(deleted.deletedAt, assert(client:get_signal_template(t.id)).deletedAt)
      local page = assert(client:list_signal_templates())
      assert.are.equal(1, page.total)
      assert.are.equal(keep.id, page.items[1].id)
      assert.are.equal(2, assert(client:list_signal_templates{ includeDeleted = true }).total)
    end)

    it("answers 404 for a template deleted already, and refuses to update it", function()
      local t = create()
      assert(client:delete_signal_template(t.id))
      failed(404, "NOT_FOUND", client:delete_signal_template(t.id))
      failed(404, "NOT_FOUND", client:update_signal_template{ templateId = t.id, name = "again" })
    end)
  end)
end)

-- Scoring against signals-mock (API-NOTES §11.6): profiles, rules (422
-- INVALID_POINT_VALUES on a shape that does not fit the answer type),
-- assignments (bulk up to 500), scores computed from the newest completed
-- answers, compute (202), the bare-array lists, cascades and the
-- documented errors, one describe per operation.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error
local ok = helper.assert_ok
local TEMPLATE = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
local BOOLEAN_POINTS = { ["true"] = 10, ["false"] = 0 }

describe("scoring", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0 }
  end)

  local function new_profile(type, name)
    return ok(client:create_scoring_profile{ profileType = type or "company", name = name or "Fit" })
  end

  local function new_rule(profile, extra)
    local params = { profileId = profile.id, signalTemplateId = TEMPLATE, dimension = "fit",
                     answerType = "boolean", pointValues = BOOLEAN_POINTS }
    for k, v in pairs(extra or {}) do params[k] = v end
    return ok(client:upsert_scoring_rule(params))
  end

  -- A template and a completed answer to its question for acme.com.
  local function answered(answer_type)
    local t = assert(client:create_signal_template{ name = answer_type, question = "Q " .. answer_type,
                                                    answerType = answer_type })
    assert(client:create_signal{ domain = "acme.com", question = t.question, answerType = answer_type })
    return t
  end

  describe("create_scoring_profile", function()
    it("answers the profile", function()
      local p = new_profile("contact", "Champion")
      assert.are.equal("object", signals.kind(p))
      assert.is_string(p.id)
      assert.are.equal("contact", p.type)
      assert.are.equal("Champion", p.name)
      assert.are.equal(signals.null, p.description)
      assert.is_string(p.organizationId)
      assert.is_string(p.createdAt)
      assert.is_string(p.updatedAt)
    end)

    it("answers 400 for an empty name", function()
      local err = failed(400, "VALIDATION_ERROR", client:create_scoring_profile{ profileType = "company", name = "" })
      assert.are.equal("name", err.fields[1].field)
    end)
  end)

  describe("list_scoring_profiles", function()
    it("is a bare array, oldest first", function()
      local a, b = new_profile(), new_profile("contact", "B")
      local page = assert(client:list_scoring_profiles())
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ a.id, b.id }, { page.items[1].id, page.items[2].id })
      assert.is_nil(page.total)
      local _, _, text = mock:api("GET", "/v1/scoring/profiles")
      assert.truthy(text:match("^%["), text)
    end)

    it("answers 401 for a wrong key", function()
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):list_scoring_profiles())
    end)
  end)

  describe("get_scoring_profile", function()
    it("answers the profile", function()
      local p = new_profile()
      assert.are.same(p:totable(), assert(client:get_scoring_profile(p.id)):totable())
    end)

    it("answers 404 for an unknown profile", function()
      failed(404, "NOT_FOUND", client:get_scoring_profile("nope"))
    end)
  end)

  describe("update_scoring_profile", function()
    it("changes name and description, not the type", function()
      local p = new_profile()
      local u = assert(client:update_scoring_profile{ profileId = p.id, name = "Fit v2", description = "ICP" })
      assert.are.equal("Fit v2", u.name)
      assert.are.equal("ICP", u.description)
      assert.are.equal("company", u.type)
    end)

    it("answers 400 for a type change and 404 for an unknown profile", function()
      local p = new_profile()
      local err = failed(400, "VALIDATION_ERROR", client:update_scoring_profile(
        { profileId = p.id, name = "x" }, { extra = { profileType = "contact" } }))
      assert.are.equal("profileType", err.fields[1].field)
      failed(404, "NOT_FOUND", client:update_scoring_profile{ profileId = "nope", name = "x" })
    end)
  end)

  describe("delete_scoring_profile", function()
    it("takes the rules, assignments and scores along", function()
      local p = new_profile()
      new_rule(p)
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      assert.are.equal(1, #assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }))
      local gone = assert(client:delete_scoring_profile(p.id))
      assert.are.equal(p.id, gone.id)
      assert.is_true(gone.deleted)
      failed(404, "NOT_FOUND", client:get_scoring_profile(p.id))
      failed(404, "NOT_FOUND", client:list_scoring_rules(p.id))
      assert.are.equal(0, #assert(client:list_profile_assignments{ objectType = "company", objectId = "acme.com" }))
      assert.are.equal(0, #assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }))
      failed(404, "NOT_FOUND", client:delete_scoring_profile(p.id))
    end)
  end)

  describe("list_scoring_rules", function()
    it("is a bare array of the profile's rules", function()
      local p, other = new_profile(), new_profile()
      local rule = new_rule(p)
      new_rule(other)
      local page = assert(client:list_scoring_rules(p.id))
      assert.are.equal("page", signals.kind(page))
      assert.are.equal(1, #page)
      assert.are.equal(rule.id, page.items[1].id)
    end)

    it("answers 404 for an unknown profile", function()
      failed(404, "NOT_FOUND", client:list_scoring_rules("nope"))
    end)
  end)

  describe("upsert_scoring_rule", function()
    it("creates, then updates in place by template and dimension", function()
      local p = new_profile()
      local rule = new_rule(p)
      assert.are.equal("object", signals.kind(rule))
      assert.are.equal(p.id, rule.profileId)
      assert.are.equal(TEMPLATE, rule.signalTemplateId)
      assert.are.equal("fit", rule.dimension)
      assert.are.same(BOOLEAN_POINTS, rule.pointValues)
      assert.is_string(rule.createdAt)
      local again = new_rule(p, { pointValues = { ["true"] = 20, ["false"] = -5 } })
      assert.are.equal(rule.id, again.id)
      assert.are.equal(20, again.pointValues["true"])
      local urgency = new_rule(p, { dimension = "urgency" })
      assert.are_not.equal(rule.id, urgency.id)
      assert.are.equal(2, #assert(client:list_scoring_rules(p.id)))
    end)

    it("answers 422 INVALID_POINT_VALUES when the shape does not fit the answer type", function()
      local p = new_profile()
      local cases = {
        { "boolean", { ranges = { { min = 0, max = 1, points = 1 } } } },
        { "number", { ["true"] = 1, ["false"] = 0 } },
        { "percentage", { ranges = { { min = 50, max = 10, points = 1 } } } },
        { "currency", { ranges = {} } },
        { "list", { choices = signals.object({}) } },
      }
      for _, case in ipairs(cases) do
        local err = failed(422, "INVALID_POINT_VALUES", client:upsert_scoring_rule{ profileId = p.id,
          signalTemplateId = TEMPLATE, dimension = "fit", answerType = case[1], pointValues = case[2] })
        assert.are.equal("VALIDATION", err.type)
        assert.are.equal("pointValues", err.fields[1].field)
        assert.are.equal(case[1], err.details.answerType)
      end
      assert.are.equal(0, #assert(client:list_scoring_rules(p.id)))
    end)

    it("answers 404 for an unknown profile", function()
      failed(404, "NOT_FOUND", client:upsert_scoring_rule{ profileId = "nope", signalTemplateId = TEMPLATE,
        dimension = "fit", answerType = "boolean", pointValues = BOOLEAN_POINTS })
    end)
  end)

  describe("delete_scoring_rule", function()
    it("deletes the rule and rescores", function()
      local p = new_profile()
      local t = answered("boolean")
      local rule = new_rule(p, { signalTemplateId = t.id })
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      local gone = assert(client:delete_scoring_rule{ profileId = p.id, ruleId = rule.id })
      assert.are.equal(rule.id, gone.id)
      assert.is_true(gone.deleted)
      -- no rule left in the dimension: no score either
      assert.are.equal(0, #assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }))
    end)

    it("answers 404 for an unknown rule", function()
      local p = new_profile()
      failed(404, "NOT_FOUND", client:delete_scoring_rule{ profileId = p.id, ruleId = "nope" })
    end)
  end)

  describe("create_profile_assignment", function()
    it("answers the assignment and scores the object at once", function()
      local p = new_profile()
      local t = answered("boolean")
      new_rule(p, { signalTemplateId = t.id })
      local a = assert(client:create_profile_assignment{ profileId = p.id, objectType = "company",
                                                         objectId = "acme.com" })
      assert.are.equal("object", signals.kind(a))
      assert.is_string(a.id)
      assert.are.equal(p.id, a.profileId)
      assert.are.equal("company", a.objectType)
      assert.are.equal("acme.com", a.objectId)
      assert.is_string(a.organizationId)
      assert.is_string(a.assignedAt)
      local again = assert(client:create_profile_assignment{ profileId = p.id, objectType = "company",
                                                             objectId = "acme.com" })
      assert.are.equal(a.id, again.id)
    end)

    it("answers 404 for an unknown profile and 400 for another object type", function()
      failed(404, "NOT_FOUND", client:create_profile_assignment{ profileId = "nope", objectType = "company",
        objectId = "acme.com" })
      local p = new_profile("company")
      local err = failed(400, "VALIDATION_ERROR", client:create_profile_assignment{ profileId = p.id,
        objectType = "contact", objectId = "https://www.linkedin.com/in/jane-example" })
      assert.are.equal("objectType", err.fields[1].field)
    end)
  end)

  describe("bulk_create_profile_assignments", function()
    it("answers an array of assignments, up to 500", function()
      local p = new_profile()
      local ids = {}
      for i = 1, 500 do ids[i] = "company" .. i .. ".example" end
      local list, err = client:bulk_create_profile_assignments{ profileId = p.id, objectType = "company",
                                                                objectIds = ids }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal(500, #list)
      assert.are.equal("object", signals.kind(list[1]))
      assert.are.equal("company1.example", list[1].objectId)
      assert.are.equal("company500.example", list[500].objectId)
    end)

    it("answers 400 for 501 ids (sent without the client, which refuses them)", function()
      local p = new_profile()
      local ids = {}
      for i = 1, 501 do ids[i] = "company" .. i .. ".example" end
      local status, body = mock:api("POST", "/v1/scoring/assignments/bulk",
                                    { profileId = p.id, objectType = "company", objectIds = ids })
      assert.are.equal(400, status)
      assert.are.equal("objectIds", body.error.fields[1].field)
      assert.are.equal(0, #assert(client:list_profile_assignments{ objectType = "company",
                                                                   objectId = "company1.example" }))
    end)

    it("answers 404 for an unknown profile", function()
      failed(404, "NOT_FOUND", client:bulk_create_profile_assignments{ profileId = "nope",
        objectType = "company", objectIds = { "acme.com" } })
    end)
  end)

  describe("list_profile_assignments", function()
    it("is a bare array of one object's assignments", function()
      local p, q = new_profile(), new_profile("company", "Urgency")
      local a = assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      local b = assert(client:create_profile_assignment{ profileId = q.id, objectType = "company", objectId = "acme.com" })
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "globex.com" })
      local page = assert(client:list_profile_assignments{ objectType = "company", objectId = "acme.com" })
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ a.id, b.id }, { page.items[1].id, page.items[2].id })
    end)

    it("answers 400 without an objectId (sent without the client)", function()
      local status, body = mock:api("GET", "/v1/scoring/assignments?objectType=company")
      assert.are.equal(400, status)
      assert.are.equal("objectId", body.error.fields[1].field)
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):list_profile_assignments{ objectType = "company", objectId = "x" })
    end)
  end)

  describe("delete_profile_assignment", function()
    it("deletes the assignment and its scores", function()
      local p = new_profile()
      new_rule(p)
      local a = assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      local gone = assert(client:delete_profile_assignment(a.id))
      assert.are.equal(a.id, gone.id)
      assert.are.equal(0, #assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }))
      failed(404, "NOT_FOUND", client:delete_profile_assignment(a.id))
    end)
  end)

  describe("get_scores", function()
    it("scores each dimension from the newest completed answers", function()
      local p = new_profile()
      local yes, count, langs, money = answered("boolean"), answered("number"), answered("list"),
                                       answered("currency")
      local fit = new_rule(p, { signalTemplateId = yes.id })
      new_rule(p, { signalTemplateId = langs.id, answerType = "list",
                    pointValues = { choices = { Go = 3, Lua = 2, Rust = 9 } } })
      new_rule(p, { signalTemplateId = count.id, dimension = "urgency", answerType = "number",
                    pointValues = { ranges = { { min = 0, max = 40, points = 1 },
                                               { min = 40, max = signals.null, points = 5 } } } })
      new_rule(p, { signalTemplateId = money.id, dimension = "urgency", answerType = "currency",
                    pointValues = { ranges = { { min = 1000000, max = signals.null, points = 7 } } } })
      new_rule(p, { signalTemplateId = TEMPLATE, dimension = "urgency" })  -- never answered
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      local scores = assert(client:get_scores{ objectType = "company", objectId = { "acme.com", "globex.com" } })
      assert.are.equal("page", signals.kind(scores))
      local by_dimension = {}
      for _, s in ipairs(scores.items) do by_dimension[s.dimension] = s end
      local f, u = by_dimension.fit, by_dimension.urgency
      assert.are.equal(2, #scores)
      assert.are.equal(10 + 5, f.score)  -- true, and Go + Lua
      assert.are.equal(2, f.totalRules)
      assert.are.equal(1, f.signalCoverage)
      assert.are.equal(fit.id, f.contributions[1].ruleId)
      -- matchedValue is a string, as Saber's CLI decodes it
      assert.are.equal("true", f.contributions[1].matchedValue)
      assert.are.equal("Go, Lua", f.contributions[2].matchedValue)
      assert.are.equal("42", u.contributions[1].matchedValue)
      assert.are.equal("5000000", u.contributions[2].matchedValue)
      assert.are.equal(10, f.contributions[1].pointsEarned)
      assert.are.equal(10, f.contributions[1].maxPoints)
      assert.are.equal(14, f.contributions[2].maxPoints)
      assert.are.equal(5 + 7 + 0, u.score)  -- 42 in [40, ∞), "5000000" >= 1e6, no answer
      assert.are.equal(3, u.totalRules)
      assert.are.equal(signals.null, u.contributions[3].matchedValue)
      assert.is_true(math.abs(u.signalCoverage - 2 / 3) < 1e-9)
      assert.are.equal(1, f.version)
      assert.are.equal(signals.null, f.previousScore)
      for _, key in ipairs{ "id", "profileId", "organizationId", "objectType", "objectId", "computedAt" } do
        assert.is_string(f[key], key)
      end
    end)

    it("answers 401 for a wrong key", function()
      failed(401, "UNAUTHORIZED", helper.unauthorized_client(mock):get_scores{ objectType = "company", objectId = { "acme.com" } })
    end)
  end)

  describe("trigger_score_compute", function()
    it("answers 202 {queued, failed} and recomputes the assigned objects", function()
      local p = new_profile()
      local t = answered("boolean")
      new_rule(p, { signalTemplateId = t.id, pointValues = { ["true"] = 3, ["false"] = 0 } })
      assert(client:create_profile_assignment{ profileId = p.id, objectType = "company", objectId = "acme.com" })
      new_rule(p, { signalTemplateId = t.id, pointValues = { ["true"] = 4, ["false"] = 0 } })
      local result = assert(client:trigger_score_compute{ objectType = "company",
                                                         objectIds = { "acme.com", "unassigned.example" } })
      assert.are.equal(202, mock:last_request().status)
      assert.are.equal("object", signals.kind(result))
      assert.are.equal(1, result.queued)
      assert.are.equal(1, result.failed)
      local score = assert(client:get_scores{ objectType = "company", objectId = { "acme.com" } }).items[1]
      assert.are.equal(4, score.score)
      assert.are.equal(3, score.version)  -- assignment, rule update, compute
      assert.are.equal(4, score.previousScore)
    end)

    it("answers 400 for an empty objectIds", function()
      local err = failed(400, "VALIDATION_ERROR", client:trigger_score_compute{ objectType = "company", objectIds = {} })
      assert.are.equal("objectIds", err.fields[1].field)
    end)
  end)
end)

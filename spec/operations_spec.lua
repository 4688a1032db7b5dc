-- Every operation of lua/signals/operations.lua, called through its client
-- method over real HTTP against signals-mock: the request that arrives must
-- have the method, the path (parameters substituted and percent-encoded),
-- the query, the JSON body and the headers the contract (CONTRACT §3, §9)
-- says, and the answer must decode into the operation's kind (a page for a
-- list, a string for the CSV export). The cases are generated from the operations table; only the sample
-- parameter values below are written by hand.
local helper = require("helper")
local json = helper.json
local operations = require("signals.operations")

local UUID = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"
local TEMPLATE_UUID = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
-- The one non-UUID id that needs percent-encoding: contact list ids.
local ENCODED_ID = "a b/c"

-- Sample values by field name (path, query, body and header fields alike).
local SAMPLES = {
  -- path ids (CONTRACT §9: signalId a UUID, every other id a free string)
  signalId = UUID,
  subscriptionId = "sub-1",
  actionId = "act_abc123",
  listId = ENCODED_ID,
  templateId = "tpl_abc123",
  profileId = "prof_abc123",
  ruleId = "rule_abc123",
  assignmentId = "asg_abc123",
  id = "cr_abc123def456",
  -- headers of the sync endpoints
  ["X-Sbr-Timeout-Sec"] = 5,
  ["X-Sbr-Timeout-Error"] = "false",
  -- signals
  domain = "acme.com",
  companyDomain = "acme.com",
  question = "Are they hiring engineers?",
  answerType = "boolean",
  webhookUrl = "https://hooks.example.org/saber?x=1&y=2",
  weight = "nice_to_have",
  qualificationCriteria = { ["true"] = "good", ["false"] = "disqualified" },
  signalTemplateId = TEMPLATE_UUID,
  forceRefresh = true,
  connectors = { salesNavigator = { enabled = true } },
  verificationMode = "lenient",
  contactProfileUrl = "https://www.linkedin.com/in/jane-example",
  -- list filters (companyId carries characters that need query encoding)
  companyId = "comp_abc 123&x=1",
  limit = 10,
  offset = 5,
  fromDate = "2026-01-01T00:00:00Z",
  toDate = "2026-06-30T23:59:59Z",
  status = { "completed", "failed" },
  includeDeleted = true,
  -- batch
  signals = { { question = "Do they sell to enterprise customers?", answerType = "boolean" },
              { question = "Which CRM do they use?", answerType = "open_text" } },
  domains = { "acme.com", "globex.com" },
  generateSummaryOnComplete = false,
  async = false,
  -- template extraction
  signalType = "company",
  maxCandidates = 5,
  clusters = { { kind = "new", name = "Hiring", question = "Are they hiring engineers?",
                 answerType = "boolean", executionIds = { UUID } } },
  -- contacts
  full_name = "Jane Example",
  externalId = "hubspot_12345",
  externalSource = "hubspot",
  firstName = "Jane",
  lastName = "Example",
  companyName = "Acme Corp",
  linkedInSalesNavigatorUrl = "https://www.linkedin.com/sales/lead/ACwAAA0example,NAME_SEARCH",
  jobTitle = "VP Operations",
  companyLinkedInUrls = { "https://www.linkedin.com/company/acme" },
  jobTitles = { "VP Operations", "Head of Logistics" },
  keywords = "logistics automation",
  countries = { "US", "GB" },
  departments = { "Operations" },
  seniorityLevels = { "Vice President", "CXO" },
  -- templates, subscriptions, lists
  name = "Hiring check",
  description = "Checks whether the company hires engineers",
  frequency = "weekly",
  timezone = "Europe/Berlin",
  webhook = { destination = "https://hooks.example.org/saber" },
  filters = { companyLinkedInUrls = { "https://www.linkedin.com/company/acme" },
              jobTitles = { "VP Operations" } },
  filter = { domains = { "acme.com" }, sizes = { "51-200" } },
  fields = { "industry", "size" },
  signalTemplateIds = { TEMPLATE_UUID },
  source = { type = "hubspot",
             filter = { propertyName = "lifecyclestage", operator = "EQ", value = "customer" } },
  -- market signals
  type = "JOB_POSTS",
  prompt = "Senior backend engineers in Berlin",
  webhookSecret = "whsec_0123",
  intervalSignalLimit = 500,
  interval = "daily",
  -- account
  website = "https://acme.com",
  -- scoring
  profileType = "company",
  dimension = "fit",
  pointValues = { ["true"] = 10, ["false"] = 0 },
  objectType = "company",
  objectId = "acme.com",
  objectIds = { "acme.com", "globex.com" },
}

-- Per-operation values that differ from the by-name samples.
local OVERRIDES = {
  create_subscription_action = { type = "webhook" },
  create_contact_list = { name = "VP Ops at Acme" },
  update_organisation = { description = { general = "Logistics software", products = "Routing" } },
  get_scores = { objectId = { "acme.com", "globex.com" } },
  -- "send null to clear" (API-NOTES §8.9): JSON null travels as null
  update_signal_subscription = { outputSchema = "NULL" },
  create_signal_template = { answerType = "json_schema",
    outputSchema = { type = "object", properties = { raised = { type = "boolean" } } } },
  upsert_scoring_rule = { signalTemplateId = TEMPLATE_UUID },
}

-- Optional fields left out (mutually exclusive with one that is sent, or
-- meaningless next to the other samples).
local OMIT = {
  cronExpression = true,  -- exclusive with frequency
  outputSchema = true,    -- only with answerType json_schema (see OVERRIDES)
}

-- Resources the operations below act on, made through the client itself.
local function new_template(client)
  return assert(client:create_signal_template{ name = "Prepared", question = "Prepared?" })
end

local function new_subscription(client)
  return assert(client:create_signal_subscription{ listId = "list-1", name = "Prepared",
    question = "Prepared?", frequency = "weekly" })
end

local function new_action(client, params)
  params.subscriptionId = new_subscription(client).id
  params.actionId = assert(client:create_subscription_action{ subscriptionId = params.subscriptionId,
    type = "webhook", webhook = { destination = "https://hooks.example.org/prepared" } }).id
end

local function new_contact_list(client)
  return assert(client:create_contact_list{ name = "Prepared",
    filters = { companyLinkedInUrls = { "https://www.linkedin.com/company/acme" }, keywords = "ops" } })
end

local function new_company_list(client)
  return assert(client:create_company_list{ name = "Prepared", filter = { domains = { "acme.com" } } })
end

local function new_market(client)
  return assert(client:create_market_signal_subscription{ type = "JOB_POSTS",
    webhookUrl = "https://hooks.example.org/prepared" })
end

local function new_profile(client)
  return assert(client:create_scoring_profile{ profileType = "company", name = "Prepared" })
end

local function with(field, make)
  return function(client, params) params[field] = make(client).id end
end

-- Operations that need an existing resource: create it first, then point
-- the parameters at it.
local PREPARE = {
  get_signal = function(client, params)
    local sig = assert(client:create_signal{ domain = "acme.com", question = "Prepared?" })
    params.signalId = sig.id
  end,
  get_contact_signal = function(client, params)
    local sig = assert(client:create_contact_signal{
      contactProfileUrl = "https://www.linkedin.com/in/jane-example", question = "Prepared?" })
    params.signalId = sig.id
  end,
  get_contact_research = function(client, params)
    local res = assert(client:create_contact_research{ firstName = "Jane", lastName = "Example",
      companyName = "Acme Corp", companyDomain = "acme.com" })
    params.id = res.id
  end,
  get_contact_research_by_external_id = function(client, params)
    assert(client:create_contact_research({ firstName = "Jane", lastName = "Example",
      companyName = "Acme Corp", companyDomain = "acme.com" },
      { extra = { externalId = params.externalId, externalSource = params.externalSource } }))
  end,
  -- a plan applies executions (ad-hoc signals) the API knows
  apply_template_extraction = function(client, params)
    local sig = assert(client:create_signal{ domain = "acme.com", question = "Are they hiring engineers?" })
    params.clusters[1].executionIds = { sig.id }
  end,
  create_signal_subscription = with("signalTemplateId", new_template),
  -- a signal made from a template needs one the API knows (else a 404)
  create_signal = with("signalTemplateId", new_template),
  create_company_signal_sync = with("signalTemplateId", new_template),
  create_contact_signal = with("signalTemplateId", new_template),
  create_contact_signal_sync = with("signalTemplateId", new_template),
  get_signal_template = with("templateId", new_template),
  update_signal_template = with("templateId", new_template),
  delete_signal_template = with("templateId", new_template),
  get_signal_subscription = with("subscriptionId", new_subscription),
  update_signal_subscription = with("subscriptionId", new_subscription),
  start_signal_subscription = with("subscriptionId", new_subscription),
  stop_signal_subscription = with("subscriptionId", new_subscription),
  trigger_signal_subscription = with("subscriptionId", new_subscription),
  list_subscription_actions = with("subscriptionId", new_subscription),
  create_subscription_action = with("subscriptionId", new_subscription),
  get_subscription_action = new_action,
  update_subscription_action = new_action,
  delete_subscription_action = new_action,
  pause_subscription_action = new_action,
  unpause_subscription_action = new_action,
  get_contact_list = with("listId", new_contact_list),
  update_contact_list = with("listId", new_contact_list),
  delete_contact_list = with("listId", new_contact_list),
  get_contact_list_contacts = with("listId", new_contact_list),
  get_company_list = with("listId", new_company_list),
  update_company_list = with("listId", new_company_list),
  delete_company_list = with("listId", new_company_list),
  get_company_list_companies = with("listId", new_company_list),
  export_company_list = function(client, params)
    params.listId = new_company_list(client).id
    params.signalTemplateIds = { new_template(client).id }
  end,
  get_market_signal_subscription = with("subscriptionId", new_market),
  update_market_signal_subscription = with("subscriptionId", new_market),
  delete_market_signal_subscription = with("subscriptionId", new_market),
  pause_market_signal_subscription = with("subscriptionId", new_market),
  resume_market_signal_subscription = with("subscriptionId", new_market),
  trigger_market_signal_subscription = with("subscriptionId", new_market),
  list_market_signal_subscription_signals = with("subscriptionId", new_market),
  get_scoring_profile = with("profileId", new_profile),
  update_scoring_profile = with("profileId", new_profile),
  delete_scoring_profile = with("profileId", new_profile),
  list_scoring_rules = with("profileId", new_profile),
  upsert_scoring_rule = with("profileId", new_profile),
  create_profile_assignment = with("profileId", new_profile),
  bulk_create_profile_assignments = with("profileId", new_profile),
  delete_scoring_rule = function(client, params)
    params.profileId = new_profile(client).id
    params.ruleId = assert(client:upsert_scoring_rule{ profileId = params.profileId,
      signalTemplateId = TEMPLATE_UUID, dimension = "urgency", answerType = "list",
      pointValues = { choices = { Go = 5 } } }).id
  end,
  delete_profile_assignment = function(client, params)
    params.assignmentId = assert(client:create_profile_assignment{ profileId = new_profile(client).id,
      objectType = "company", objectId = "acme.com" }).id
  end,
  -- a summary needs completed signals, and takes the processing delay
  generate_signal_summary = function(_, _, mock)
    mock:config{ delay_ms = 0 }
    mock:seed{ count = 2, domain = "acme.com" }
  end,
}

-- CONTRACT §9 method names, recomputed independently of operations.lua.
local function snake(id)
  local s = id:gsub("([%l%d])(%u)", "%1_%2")
  s = s:gsub("(%u)(%u%l)", "%1_%2")
  return s:lower()
end

local function percent_encode(s)
  return (s:gsub("[^A-Za-z0-9%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

-- Upper-cases the hex digits of every %XX escape so that %2f == %2F.
local function normalize_escapes(path)
  return (path:gsub("%%(%x%x)", function(h) return "%" .. h:upper() end))
end

local function query_string(v)
  if type(v) == "number" and v == math.floor(v) then
    return string.format("%d", v)
  end
  return tostring(v)
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return t
end

-- The sample parameters of one operation: its fields' samples (OVERRIDES
-- first), optional fields in OMIT left out.
local function sample_call(op, signals)
  local params = {}
  local overrides = OVERRIDES[op.name] or {}
  for _, f in ipairs(op.fields) do
    local value = overrides[f.name]
    if value == nil and not (OMIT[f.name] and not f.required) then
      value = SAMPLES[f.name]
    end
    if value == "NULL" then value = signals.null end
    if value ~= nil then
      params[f.name] = deep_copy(value)
    end
  end
  return params
end

-- What the request carrying `params` must look like.
local function expected_request(op, params, signals)
  local path = op.path:gsub("{([^}]+)}", function(name)
    return percent_encode(tostring(params[name]))
  end)
  local query, body, headers = {}, nil, {}
  for _, f in ipairs(op.fields) do
    local v = params[f.name]
    if v ~= nil then
      if f.location == "query" then
        if type(v) == "table" then
          local list = {}
          for i, x in ipairs(v) do list[i] = query_string(x) end
          query[f.name] = #list == 1 and list[1] or list
        else
          query[f.name] = query_string(v)
        end
      elseif f.location == "body" then
        body = body or {}
        body[f.name] = (v == signals.null) and json.null or v
      elseif f.location == "header" then
        headers[f.name:lower()] = query_string(v)
      end
    end
  end
  return { method = op.method, path = path, query = query, body = body, headers = headers }
end

local function assert_common_headers(req)
  local h = req.headers
  assert.are.equal("Bearer " .. helper.API_KEY, h["authorization"])
  assert.is_string(h["user-agent"])
  assert.truthy(h["user-agent"]:find("^signals"), "User-Agent: " .. tostring(h["user-agent"]))
end

local function assert_request(req, expect)
  assert.is_table(req, "the mock received no request")
  assert.are.equal(expect.method, req.method)
  assert.are.equal(expect.path, normalize_escapes(req.path))
  assert.are.same(expect.query, helper.query_of(req))
  assert_common_headers(req)
  local ctype = req.headers["content-type"]
  if expect.body then
    assert.is_string(ctype, "a body without Content-Type")
    assert.truthy(ctype:find("^application/json"), "Content-Type: " .. ctype)
    assert.are.same(expect.body, helper.body_of(req))
    -- whole numbers travel as JSON integers (500, not 500.0 or 5e2)
    for name, v in pairs(expect.body) do
      if type(v) == "number" and v == math.floor(v) then
        local pattern = '"' .. name .. '"%s*:%s*' .. string.format("%d", v) .. "[,}%s]"
        assert.truthy(req.body:find(pattern), name .. " is not sent as an integer: " .. req.body)
      end
    end
  else
    assert.is_nil(ctype)
    assert.is_true(req.body == nil or req.body == "", "unexpected body: " .. tostring(req.body))
  end
  for name, value in pairs(expect.headers) do
    assert.are.equal(value, req.headers[name], "header " .. name)
  end
end

local function expected_kind(op)
  if op.page then return "page" end
  return op.result
end

describe("operations", function()
  local signals = require("signals")
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("the table and the methods", function()
    it("has the 81 operations, each name the CONTRACT §9 snake_case of its operationId", function()
      assert.are.equal(81, #operations)
      local names, ids = {}, {}
      for _, op in ipairs(operations) do
        assert.are.equal(snake(op.id), op.name)
        assert.is_nil(names[op.name], "duplicate name " .. op.name)
        assert.is_nil(ids[op.id], "duplicate id " .. op.id)
        names[op.name], ids[op.id] = true, true
      end
    end)

    it("names the methods of the examples of CONTRACT §9", function()
      local client = helper.client(mock)
      assert.are.equal("get_contact_research_by_external_id", snake("getContactResearchByExternalID"))
      assert.are.equal("create_company_signal_sync", snake("createCompanySignalSync"))
      assert.is_function(client.get_contact_research_by_external_id)
      assert.is_function(client.create_company_signal_sync)
      assert.is_nil(client.get_contact_research_by_external_i_d)
      assert.is_nil(client.getContactResearchByExternalID)
    end)

    it("gives the client one method per operation", function()
      local client = helper.client(mock)
      local count = 0
      for _, op in ipairs(operations) do
        assert.is_function(client[snake(op.id)], "no method " .. snake(op.id))
        assert.are.equal(client[op.name], client[snake(op.id)])
        if op.id ~= op.name then
          assert.is_nil(client[op.id], "camelCase alias " .. op.id)
        end
        count = count + 1
      end
      assert.are.equal(81, count)
    end)

    it("lists every {name} of a path as a required path field (CONTRACT §9)", function()
      for _, op in ipairs(operations) do
        for name in op.path:gmatch("{([^}]+)}") do
          local found
          for _, f in ipairs(op.fields) do
            if f.name == name then found = f end
          end
          assert.is_table(found, op.name .. " lacks path field " .. name)
          assert.are.equal("path", found.location)
          assert.is_true(found.required, op.name .. "." .. name .. " must be required")
        end
        assert.truthy(op.method:match("^[A-Z]+$"))
        assert.truthy(op.path:match("^/v1/"))
        assert.is_true((op.page ~= nil) ~= (op.result ~= nil), op.name .. ": exactly one of page/result")
      end
    end)

    it("has samples covering every required field", function()
      for _, op in ipairs(operations) do
        local params = sample_call(op, signals)
        for _, f in ipairs(op.fields) do
          if f.required then
            assert.is_not_nil(params[f.name], op.name .. "." .. f.name)
          end
        end
      end
    end)
  end)

  describe("request shape", function()
    for _, op in ipairs(operations) do
      it(op.name .. " sends " .. op.method .. " " .. op.path, function()
        local client = helper.client(mock, { max_retries = 0 })
        local params = sample_call(op, signals)
        if PREPARE[op.name] then
          PREPARE[op.name](client, params, mock)
        end
        local expect = expected_request(op, params, signals)
        local before = #mock:requests()
        local result, err = client[op.name](client, params)
        local log = mock:requests()
        assert.are.equal(before + 1, #log, "exactly one request per call")
        assert_request(log[#log], expect)
        assert.is_nil(err, err and tostring(err))
        assert.is_not_nil(result)
        local kind = expected_kind(op)
        if kind == "text" then
          assert.is_string(result)
        elseif type(result) == "table" then
          -- a bare array answer of a non-list operation (bulk assignment)
          assert.is_true(#result > 0)
          for _, item in ipairs(result) do assert.are.equal(kind, signals.kind(item)) end
        else
          assert.are.equal(kind, signals.kind(result))
        end
      end)
    end
  end)

  describe("path encoding", function()
    it("percent-encodes a non-UUID id so it cannot change the path", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:get_contact_list{ listId = "a b/c?d=e#f&%" }
      local req = mock:last_request()
      assert.are.equal("/v1/contacts/lists/a%20b%2Fc%3Fd%3De%23f%26%25", normalize_escapes(req.path))
      assert.are.same({}, helper.query_of(req))
    end)

    it("keeps a dot-dot id inside its own path segment", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:get_contact_list{ listId = "../../credits" }
      local req = mock:last_request()
      assert.are.equal("/v1/contacts/lists/..%2F..%2Fcredits", normalize_escapes(req.path))
    end)
  end)

  describe("values", function()
    it("sends an empty table as [] and signals.object{} as {}", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:search_contacts{ jobTitles = {}, keywords = "ops" }
      local req = mock:last_request()
      assert.truthy(req.body:find('"jobTitles"%s*:%s*%[%s*%]'), req.body)
      client:update_organisation{ description = signals.object({}) }
      req = mock:last_request()
      assert.truthy(req.body:find('"description"%s*:%s*{%s*}'), req.body)
    end)

    it("sends opts.extra in the body of a body operation and in the query otherwise", function()
      local client = helper.client(mock)
      local sig, err = client:create_signal({ domain = "acme.com", question = "Extra?" },
                                            { extra = { newField = "x", nested = { a = 1 } } })
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.same({ domain = "acme.com", question = "Extra?", newField = "x", nested = { a = 1 } },
                      helper.body_of(mock:last_request()))
      local page
      page, err = client:list_signals({ domain = "acme.com" }, { extra = { sort = "newest first" } })
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ domain = "acme.com", sort = "newest first" }, helper.query_of(mock:last_request()))
    end)
  end)

  describe("refusals", function()
    it("refuses an id with a control character before any request", function()
      local client = helper.client(mock)
      local res, err = client:get_contact_list{ listId = "abc\r\nX-Injected: 1" }
      assert.is_nil(res)
      assert.are.equal("invalid_request", err.kind)
      assert.are.same({}, mock:requests())
    end)
  end)

  describe("query arrays", function()
    it("repeats the key for get_scores objectId", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:get_scores{ objectType = "company", objectId = { "acme.com", "globex.com", "initech.com" } }
      local req = mock:last_request()
      assert.are.equal(3, select(2, req.query:gsub("objectId=", "")))
      assert.are.same({ objectType = "company", objectId = { "acme.com", "globex.com", "initech.com" } },
                      helper.query_of(req))
    end)

    it("repeats the key for list_signals status", function()
      local client = helper.client(mock)
      local page, err = client:list_signals{ domain = "acme.com", status = { "completed", "failed" } }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("page", signals.kind(page))
      local req = mock:last_request()
      assert.are.equal(2, select(2, req.query:gsub("status=", "")))
      assert.are.same({ domain = "acme.com", status = { "completed", "failed" } }, helper.query_of(req))
    end)
  end)

  describe("sync header fields", function()
    local ops = { create_company_signal_sync = { domain = "acme.com" },
                  create_contact_signal_sync = { contactProfileUrl = "https://www.linkedin.com/in/jane-example" } }
    for name, subject in pairs(ops) do
      it(name .. " sends opts.wait as X-Sbr-Timeout-Sec", function()
        local client = helper.client(mock)
        local params = { question = "Are they hiring engineers?" }
        for k, v in pairs(subject) do params[k] = v end
        local sig, err = client[name](client, params, { wait = 7 })
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("signal", signals.kind(sig))
        local req = mock:last_request()
        assert.are.equal("7", req.headers["x-sbr-timeout-sec"])
        local body = helper.body_of(req)
        assert.is_nil(body["X-Sbr-Timeout-Sec"])
        assert.is_nil(body.wait)
        local expected = { question = params.question }
        for k, v in pairs(subject) do expected[k] = v end
        assert.are.same(expected, body)
      end)

      it(name .. " sends the X-Sbr-Timeout-Sec / X-Sbr-Timeout-Error params as headers", function()
        local client = helper.client(mock)
        local params = { question = "Are they hiring engineers?", ["X-Sbr-Timeout-Sec"] = 3,
                         ["X-Sbr-Timeout-Error"] = "false" }
        for k, v in pairs(subject) do params[k] = v end
        local sig, err = client[name](client, params)
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("signal", signals.kind(sig))
        local req = mock:last_request()
        assert.are.equal("3", req.headers["x-sbr-timeout-sec"])
        assert.are.equal("false", req.headers["x-sbr-timeout-error"])
        local body = helper.body_of(req)
        assert.is_nil(body["X-Sbr-Timeout-Sec"])
        assert.is_nil(body["X-Sbr-Timeout-Error"])
      end)
    end
  end)

  describe("positional form", function()
    it("get_signal(id) is get_signal{ signalId = id }", function()
      local client = helper.client(mock)
      local created = assert(client:create_signal{ domain = "acme.com", question = "Positional?" })
      local sig, err = client:get_signal(created.id)
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("signal", signals.kind(sig))
      assert.are.equal(created.id, sig.id)
      local req = mock:last_request()
      assert.are.equal("GET", req.method)
      assert.are.equal("/v1/companies/signals/" .. created.id, req.path)
    end)

    it("get_contact_research('cr_x') requests /v1/contacts/research/cr_x", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:get_contact_research("cr_x")
      local req = mock:last_request()
      assert.are.equal("GET", req.method)
      assert.are.equal("/v1/contacts/research/cr_x", req.path)
      assert.are.same({}, helper.query_of(req))
    end)

    -- Every operation whose only required field is one path parameter.
    for _, op in ipairs(operations) do
      local required = {}
      for _, f in ipairs(op.fields) do
        if f.required then required[#required + 1] = f end
      end
      if #required == 1 and required[1].location == "path" then
        local field = required[1]
        it(op.name .. " takes " .. field.name .. " positionally", function()
          local client = helper.client(mock, { max_retries = 0 })
          local value = SAMPLES[field.name]
          client[op.name](client, value)
          local req = mock:last_request()
          assert.is_table(req, "no request was sent")
          assert.are.equal(op.method, req.method)
          local path = op.path:gsub("{([^}]+)}", function() return percent_encode(value) end)
          assert.are.equal(path, normalize_escapes(req.path))
        end)
      end
    end
  end)
end)

-- Calls refused before any request (CONTRACT §3, §9): each refusal returns
-- nil and an invalid_request error naming the field, sends nothing (the
-- mock's log stays empty) and fires no hook.
local helper = require("helper")
local signals = require("signals")

local UUID = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"
local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers?" }

local function with(base, changes)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(changes) do t[k] = v end
  return t
end

local function strings(n, value)
  local t = {}
  for i = 1, n do t[i] = value .. i end
  return t
end

-- { description, operation, params, opts, field named first }
local REFUSALS = {
  -- required fields
  { "a missing required body field", "create_signal", { question = "q" }, nil, "domain" },
  { "a missing path parameter", "get_signal", {}, nil, "signalId" },
  { "a missing path parameter of a scoring operation", "delete_scoring_rule", { profileId = "p1" }, nil, "ruleId" },
  { "a missing required query field", "get_contact_research_by_external_id", { externalId = "x" }, nil,
    "externalSource" },
  -- unknown fields
  { "a misspelt field", "create_signal", with(SIGNAL, { answertype = "boolean" }), nil, "answertype" },
  { "a field of another operation", "get_credits", { domain = "acme.com" }, nil, "domain" },
  -- types
  { "a number for a string", "create_signal", with(SIGNAL, { question = 42 }), nil, "question" },
  { "a string for a boolean", "create_signal", with(SIGNAL, { forceRefresh = "yes" }), nil, "forceRefresh" },
  { "a string for a number", "list_signals", { limit = "10" }, nil, "limit" },
  { "a fraction for an integer", "list_signals", { limit = 2.5 }, nil, "limit" },
  { "a date without time", "list_signals", { fromDate = "2024-01-15" }, nil, "fromDate" },
  { "a date in another format", "list_signals", { toDate = "15/01/2024 10:30" }, nil, "toDate" },
  { "a function for a JSON field", "create_signal", with(SIGNAL, { outputSchema = print }), nil, "outputSchema" },
  { "a string for an array", "create_signal_batch", { signals = { { question = "q" } }, domains = "acme.com" },
    nil, "domains" },
  { "null in the query", "list_signals", { domain = signals.null }, nil, "domain" },
  -- domains
  { "a domain with a scheme", "create_signal", with(SIGNAL, { domain = "https://acme.com" }), nil, "domain" },
  { "a domain with a path", "create_signal", with(SIGNAL, { domain = "acme.com/about" }), nil, "domain" },
  { "a domain with an empty label", "create_signal", with(SIGNAL, { domain = "acme..com" }), nil, "domain" },
  { "a domain starting with a hyphen", "create_signal", with(SIGNAL, { domain = "-acme.com" }), nil, "domain" },
  { "an empty domain", "create_signal", with(SIGNAL, { domain = "" }), nil, "domain" },
  { "a domain with a trailing dot", "create_signal", with(SIGNAL, { domain = "acme.com." }), nil, "domain" },
  { "a domain with a space", "list_signals", { domain = "acme .com" }, nil, "domain" },
  -- (a malformed domain in a batch is the API's to judge per item: api_truth_spec)
  { "a domain of a batch that is not a string", "create_signal_batch",
    { signals = { { question = "q" } }, domains = { "acme.com", false } }, nil, "domains" },
  { "a bad companyDomain", "create_contact_research", { firstName = "J", lastName = "D", companyName = "A",
    companyDomain = "http://acme.com" }, nil, "companyDomain" },
  { "a URL for the email finder's domain", "find_email", { full_name = "Jane Doe", domain = "https://acme.com/" },
    nil, "domain" },
  { "a bad summary domain", "get_signal_summaries", { domain = "acme.com/x" }, nil, "domain" },
  -- ids
  { "a signalId that is not a UUID", "get_signal", { signalId = "123" }, nil, "signalId" },
  { "an upper-case signalId", "get_signal", { signalId = UUID:upper() }, nil, "signalId" },
  { "a contact signalId that is not a UUID", "get_contact_signal", { signalId = "sig_1" }, nil, "signalId" },
  { "an empty list id", "get_contact_list", { listId = "" }, nil, "listId" },
  { "an id with a line break", "get_contact_research", { id = "cr_1\r\nX-Injected: 1" }, nil, "id" },
  { "an id with a tab", "get_signal_subscription", { subscriptionId = "sub\t1" }, nil, "subscriptionId" },
  { "an empty body id", "create_profile_assignment", { profileId = "", objectType = "company",
    objectId = "acme.com" }, nil, "profileId" },
  -- CR, LF, NUL in the query
  { "a query value with CR LF", "list_signals", { companyId = "comp\r\nX-Evil: 1" }, nil, "companyId" },
  { "a query value with NUL", "get_contact_research_by_external_id", { externalId = "a\0b",
    externalSource = "hubspot" }, nil, "externalId" },
  -- ranges
  { "list_signals limit 0", "list_signals", { limit = 0 }, nil, "limit" },
  { "list_signals limit 26", "list_signals", { limit = 26 }, nil, "limit" },
  { "a negative offset", "list_signals", { offset = -1 }, nil, "offset" },
  { "a template list limit of 101", "list_signal_templates", { limit = 101 }, nil, "limit" },
  { "a summaries limit of 0", "get_signal_summaries", { domain = "acme.com", limit = 0 }, nil, "limit" },
  { "X-Sbr-Timeout-Sec 0", "create_company_signal_sync", with(SIGNAL, { ["X-Sbr-Timeout-Sec"] = 0 }), nil,
    "X-Sbr-Timeout-Sec" },
  { "X-Sbr-Timeout-Sec 901", "create_company_signal_sync", with(SIGNAL, { ["X-Sbr-Timeout-Sec"] = 901 }), nil,
    "X-Sbr-Timeout-Sec" },
  { "intervalSignalLimit 10001", "create_market_signal_subscription", { type = "JOB_POSTS",
    webhookUrl = "https://h.example/x", intervalSignalLimit = 10001 }, nil, "intervalSignalLimit" },
  { "501 objectIds", "bulk_create_profile_assignments", { profileId = "p1", objectType = "company",
    objectIds = strings(501, "acme") }, nil, "objectIds" },
  { "an empty template name", "create_signal_template", { name = "", question = "q" }, nil, "name" },
  { "a template name of 201 characters", "create_signal_template", { name = ("n"):rep(201), question = "q" },
    nil, "name" },
  { "a template description of 1001 characters", "create_signal_template", { name = "n", question = "q",
    description = ("d"):rep(1001) }, nil, "description" },
  { "a company list name of 201 characters", "create_company_list", { name = ("n"):rep(201), filter = {} }, nil,
    "name" },
  { "a full_name of 201 characters", "find_email", { full_name = ("n"):rep(201), domain = "acme.com" }, nil,
    "full_name" },
  -- enums
  { "an unknown answerType", "create_signal", with(SIGNAL, { answerType = "yes_no" }), nil, "answerType" },
  { "contacts_generation on a template update", "update_signal_template", { templateId = "t1",
    answerType = "contacts_generation" }, nil, "answerType" },
  { "contacts_generation on a subscription create", "create_signal_subscription", { listId = "l1",
    name = "n", question = "q", answerType = "contacts_generation" }, nil, "answerType" },
  { "contacts_generation on a subscription update", "update_signal_subscription", { subscriptionId = "s1",
    timezone = "UTC", name = "n", question = "q", answerType = "contacts_generation" }, nil, "answerType" },
  { "an unknown weight", "create_signal", with(SIGNAL, { weight = "high" }), nil, "weight" },
  { "an unknown verificationMode", "create_signal", with(SIGNAL, { verificationMode = "loose" }), nil,
    "verificationMode" },
  { "an unknown frequency", "create_signal_subscription", { listId = "l1", frequency = "hourly" }, nil,
    "frequency" },
  { "an unknown market type", "create_market_signal_subscription", { type = "STOCK",
    webhookUrl = "https://h.example/x" }, nil, "type" },
  { "an unknown market interval", "create_market_signal_subscription", { type = "IPO",
    webhookUrl = "https://h.example/x", interval = "monthly" }, nil, "interval" },
  { "an unknown dimension", "upsert_scoring_rule", { profileId = "p1", signalTemplateId = "t1",
    dimension = "size", answerType = "boolean", pointValues = {} }, nil, "dimension" },
  { "a scoring answerType outside its five", "upsert_scoring_rule", { profileId = "p1",
    signalTemplateId = "t1", dimension = "fit", answerType = "open_text", pointValues = {} }, nil, "answerType" },
  { "an unknown objectType", "list_profile_assignments", { objectType = "user", objectId = "x" }, nil,
    "objectType" },
  { "an unknown profileType", "create_scoring_profile", { profileType = "person", name = "n" }, nil,
    "profileType" },
  { "an action type other than webhook", "create_subscription_action", { subscriptionId = "s1",
    type = "email" }, nil, "type" },
  { "an unknown status", "list_signals", { status = "done" }, nil, "status" },
  { "an unknown status in an array", "list_signals", { status = { "completed", "done" } }, nil, "status" },
  { "X-Sbr-Timeout-Error other than true/false", "create_company_signal_sync",
    with(SIGNAL, { ["X-Sbr-Timeout-Error"] = "yes" }), nil, "X-Sbr-Timeout-Error" },
  -- per-call options
  { "an Authorization header", "get_credits", nil, { headers = { Authorization = "Bearer other" } },
    "opts.headers.Authorization" },
  { "a lower-case authorization header", "get_credits", nil, { headers = { authorization = "x" } },
    "opts.headers.authorization" },
  { "a Host header", "get_credits", nil, { headers = { Host = "evil.example" } }, "opts.headers.Host" },
  { "a Content-Length header", "get_credits", nil, { headers = { ["Content-Length"] = "0" } },
    "opts.headers.Content-Length" },
  { "a header value with CR LF", "get_credits", nil, { headers = { ["X-A"] = "v\r\nX-B: 1" } },
    "opts.headers.X-A" },
  { "a header value with NUL", "get_credits", nil, { headers = { ["X-A"] = "v\0" } }, "opts.headers.X-A" },
  { "a header name with a space", "get_credits", nil, { headers = { ["X A"] = "v" } }, "opts.headers.X A" },
  { "a header name with a colon", "get_credits", nil, { headers = { ["X-A: 1\r\nX-B"] = "v" } } },
  { "an unknown per-call option", "get_credits", nil, { retries = 3 }, "opts.retries" },
  { "a negative per-call timeout", "get_credits", nil, { timeout = -1 }, "opts.timeout" },
  { "a fractional per-call max_retries", "get_credits", nil, { max_retries = 0.5 }, "opts.max_retries" },
  { "wait on an operation that is not sync", "create_signal", SIGNAL, { wait = 10 }, "opts.wait" },
  { "a wait of 901 seconds", "create_company_signal_sync", SIGNAL, { wait = 901 }, "opts.wait" },
  { "extra that is not a table", "create_signal", SIGNAL, { extra = "x=1" }, "opts.extra" },
  { "extra with CR LF for the query", "list_signals", {}, { extra = { tag = "a\r\nb" } }, "opts.extra.tag" },
  { "opts that are not a table", "get_credits", nil, "fast", "opts" },
  -- parameters that are not a table
  { "a string for a table of parameters", "create_signal", "acme.com", nil, "params" },
}

describe("validation", function()
  local mock, client, fired

  before_each(function()
    mock = helper.mock()
    fired = {}
    local function record(name) return function() fired[#fired + 1] = name end end
    client = helper.client(mock, { on_request = record("on_request"), on_response = record("on_response"),
                                   on_retry = record("on_retry") })
  end)

  local function assert_refused(result, err, field)
    assert.is_nil(result)
    assert.are.equal("error", signals.kind(err))
    assert.are.equal("invalid_request", err.kind)
    assert.is_string(err.message)
    assert.is_true(#err.message > 0)
    assert.is_nil(err.message:find("[\r\n]"), "message is not one line")
    assert.is_nil(err.status)
    assert.is_table(err.fields)
    assert.is_true(#err.fields >= 1)
    if field then
      assert.are.equal(field, err.fields[1].field)
      assert.truthy(err.message:find(field, 1, true), "message does not name " .. field .. ": " .. err.message)
    end
    for _, problem in ipairs(err.fields) do
      assert.is_string(problem.field)
      assert.is_string(problem.message)
    end
    assert.are.same({}, mock:requests(), "a refused call sent a request")
    assert.are.same({}, fired, "a refused call fired a hook")
  end

  for _, case in ipairs(REFUSALS) do
    local description, name, params, opts, field = case[1], case[2], case[3], case[4], case[5]
    it("refuses " .. description, function()
      local result, err = client[name](client, params, opts)
      assert_refused(result, err, field)
    end)
  end

  it("lists every problem and names the first in the message", function()
    local result, err = client:create_signal{ question = 7, weight = "high", domian = "acme.com" }
    assert_refused(result, err, "domain")
    local fields = {}
    for _, problem in ipairs(err.fields) do fields[problem.field] = true end
    assert.are.same({ domain = true, question = true, weight = true, domian = true }, fields)
    assert.truthy(err.message:find("3 more", 1, true), err.message)
  end)

  it("reports the operation's method and path", function()
    local _, err = client:get_signal("nope")
    assert.are.equal("GET", err.method)
    assert.truthy(err.path:find("^/v1/companies/signals/"))
  end)

  it("keeps values out of the message", function()
    local _, err = client:create_signal(with(SIGNAL, { domain = "secret-token.example/x" }))
    assert.is_nil(err.message:find("secret-token", 1, true))
  end)

  describe("lets through", function()
    local function assert_sent(result, err)
      assert.is_true(result ~= nil or (err and err.kind ~= "invalid_request"), err and tostring(err))
      assert.are.equal(1, #mock:requests())
    end

    it("unknown fields passed in opts.extra", function()
      assert_sent(client:create_signal(SIGNAL, { extra = { answertype = "boolean" } }))
      assert.are.equal("boolean", helper.body_of(mock:last_request()).answertype)
    end)

    it("a limit of 25 on list_signals", function()
      assert_sent(client:list_signals{ limit = 25, offset = 0 })
    end)

    it("limit and offset given as integer-valued floats", function()
      assert_sent(client:list_signals{ limit = 10.0, offset = 20.0 })
      local query = helper.query_of(mock:last_request())
      assert.are.equal("10", query.limit)
      assert.are.equal("20", query.offset)
    end)

    it("a single status or an array of statuses", function()
      assert_sent(client:list_signals{ status = "failed" })
      mock:reset()
      assert_sent(client:list_signals{ status = { "processing", "completed", "failed" } })
    end)

    it("RFC 3339 dates with offsets and fractions", function()
      assert_sent(client:list_signals{ fromDate = "2024-01-15T10:30:00.123+02:00", toDate = "2024-02-01T00:00:00Z" })
    end)

    it("a trailing dot and www. on the email finder's domain", function()
      assert_sent(client:find_email({ full_name = "Jane Doe", domain = "www.acme.com." }, { max_retries = 0 }))
    end)

    it("contacts_generation where the API offers it", function()
      assert_sent(client:create_signal_template({ name = "n", question = "q", answerType = "contacts_generation" },
        { max_retries = 0 }))
    end)

    it("a 200-character template name counted in characters, not bytes", function()
      assert_sent(client:create_signal_template({ name = ("é"):rep(200), question = "q" }, { max_retries = 0 }))
    end)

    it("500 objectIds", function()
      assert_sent(client:bulk_create_profile_assignments({ profileId = "p1", objectType = "contact",
        objectIds = strings(500, "https://linkedin.com/in/p") }, { max_retries = 0 }))
    end)

    it("free text with line breaks in a JSON body", function()
      assert_sent(client:create_signal{ domain = "acme.com", question = "Line one\nline two?" })
    end)

    it("a non-UUID id that needs encoding", function()
      assert_sent(client:get_contact_list({ listId = "a b/c" }, { max_retries = 0 }))
    end)

    it("JSON null in a body to clear a field", function()
      assert_sent(client:update_signal_subscription({ subscriptionId = "s1", timezone = "UTC", name = "n",
        question = "q", answerType = "boolean", outputSchema = signals.null }, { max_retries = 0 }))
    end)

    it("X-Sbr-Timeout-Error as a boolean", function()
      assert_sent(client:create_company_signal_sync(with(SIGNAL, { ["X-Sbr-Timeout-Error"] = false })))
      assert.are.equal("false", mock:last_request().headers["x-sbr-timeout-error"])
    end)
  end)
end)

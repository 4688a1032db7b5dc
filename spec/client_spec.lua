-- signals.new and the client's surface (CONTRACT §2, §3, §9): defaults,
-- construction misuse raising, what every request carries (key, user
-- agent, base URL prefix), per-call headers and extra, close.
local helper = require("helper")
local signals = require("signals")

-- A transport that answers every request with `res` and keeps the requests.
local function recording_transport(res)
  local seen = {}
  local transport = { request = function(req)
    seen[#seen + 1] = req
    return res or { status = 200, headers = {}, body = '{"remainingCredits":1}' }
  end }
  return transport, seen
end

-- The running interpreter (arg's most negative index), for the environment
-- checks; it stays "lua5.4" under valgrind, where /proc/self/exe would not.
local function interpreter()
  local i = -1
  while arg[i - 1] do i = i - 1 end
  return arg[i]
end

describe("client", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("module", function()
    it("has a semver VERSION, the null sentinel, kind, object and array", function()
      assert.is_string(signals.VERSION)
      assert.truthy(signals.VERSION:match("^%d+%.%d+%.%d+$"))
      assert.is_not_nil(signals.null)
      assert.is_function(signals.kind)
      local t = {}
      assert.are.equal(t, signals.object(t))
      assert.are.equal(t, signals.array(t))
    end)

    it("loads the curl transport from signals.transports", function()
      assert.is_table(signals.transports.curl)
      assert.is_function(signals.transports.curl.new)
    end)
  end)

  describe("construction misuse raises", function()
    local cases = {
      { "a non-string api_key", { api_key = 42 } },
      { "an unknown option", { api_kee = "sk_x" } },
      { "a negative timeout", { timeout = -1 } },
      { "a zero timeout", { timeout = 0 } },
      { "a string timeout", { timeout = "10" } },
      { "a NaN timeout", { timeout = 0 / 0 } },
      { "a negative connect_timeout", { connect_timeout = -5 } },
      { "a fractional max_retries", { max_retries = 1.5 } },
      { "a negative max_retries", { max_retries = -1 } },
      { "a negative retry_base_delay", { retry_base_delay = -0.1 } },
      { "a string retry_max_delay", { retry_max_delay = "8" } },
      { "a negative max_retry_after", { max_retry_after = -1 } },
      { "a zero max_response_bytes", { max_response_bytes = 0 } },
      { "a non-string base_url", { base_url = 80 } },
      { "a base_url without scheme", { base_url = "api.saber.app" } },
      { "a base_url with another scheme", { base_url = "ftp://api.saber.app" } },
      { "a non-string ca_file", { ca_file = true } },
      { "a non-string ca_path", { ca_path = 1 } },
      { "a non-string proxy", { proxy = {} } },
      { "a non-string user_agent", { user_agent = 1 } },
      { "an on_request that is not a function", { on_request = "print" } },
      { "an on_response that is not a function", { on_response = {} } },
      { "an on_retry that is not a function", { on_retry = true } },
      { "a sleep that is not a function", { sleep = 1 } },
      { "a transport without request", { transport = {} } },
      { "a transport that is a function", { transport = function() end } },
    }
    for _, case in ipairs(cases) do
      it("for " .. case[1], function()
        assert.has_error(function() signals.new(case[2]) end)
      end)
    end

    it("for options that are not a table", function()
      assert.has_error(function() signals.new("sk_live_x") end)
    end)

    it("names the option in the message", function()
      local ok, message = pcall(signals.new, { timeout = -1 })
      assert.is_false(ok)
      assert.truthy(tostring(message):find("timeout", 1, true))
      ok, message = pcall(signals.new, { retires = 2 })
      assert.is_false(ok)
      assert.truthy(tostring(message):find("retires", 1, true))
    end)

    it("accepts every documented option", function()
      local transport = recording_transport()
      local client = signals.new{
        api_key = "sk_live_abc", base_url = "http://127.0.0.1:1",
        timeout = 1.5, connect_timeout = 0.5, max_retries = 0,
        retry_base_delay = 0, retry_max_delay = 0, max_retry_after = 0,
        max_response_bytes = 1024, ca_file = "/etc/ssl/certs/ca-certificates.crt",
        ca_path = "/etc/ssl/certs", proxy = "http://proxy:3128", user_agent = "me/1",
        transport = transport, on_request = function() end, on_response = function() end,
        on_retry = function() end, sleep = function() end,
      }
      assert.is_table(client)
    end)
  end)

  describe("defaults", function()
    it("talks to https://api.saber.app without $SABER_BASE_URL", function()
      local transport, seen = recording_transport()
      local client = signals.new{ api_key = "sk_x", transport = transport }
      assert.is_nil(select(2, client:get_credits()))
      if os.getenv("SABER_BASE_URL") == nil then
        assert.are.equal("https://api.saber.app/v1/credits", seen[1].url)
      end
    end)

    it("takes the key and base URL from $SABER_API_KEY and $SABER_BASE_URL", function()
      local script = os.tmpname()
      local f = assert(io.open(script, "w"))
      f:write(string.format([[
        package.path = %q
        package.cpath = %q
        local credits = require("signals").new():get_credits()
        os.exit(credits and 0 or 3)
      ]], package.path, package.cpath))
      f:close()
      local ok = os.execute(string.format("SABER_API_KEY=sk_env_key SABER_BASE_URL='%s/' %s %s",
        mock.url, interpreter(), script))
      os.remove(script)
      assert.is_true(ok == true or ok == 0)
      local req = mock:last_request()
      assert.are.equal("Bearer sk_env_key", req.headers["authorization"])
      assert.are.equal("/v1/credits", req.path)
    end)

    it("sends per-attempt timeouts from the options", function()
      local transport, seen = recording_transport()
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport,
                                  timeout = 7, connect_timeout = 2 }
      client:get_credits()
      assert.are.equal(7, seen[1].timeout)
      assert.are.equal(2, seen[1].connect_timeout)
      client:get_credits(nil, { timeout = 3 })
      assert.are.equal(3, seen[2].timeout)
    end)

    it("raises the timeout above a sync wait", function()
      local transport, seen = recording_transport({ status = 200, headers = {},
        body = '{"id":"0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b","status":"completed"}' })
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport, timeout = 10 }
      client:create_company_signal_sync({ domain = "acme.com", question = "q" }, { wait = 100 })
      assert.is_true(seen[1].timeout >= 130)
      assert.are.equal("100", seen[1].headers["X-Sbr-Timeout-Sec"])
    end)
  end)

  describe("base_url", function()
    it("keeps a path prefix and trims trailing slashes", function()
      local transport, seen = recording_transport()
      local client = signals.new{ api_key = "k", base_url = "http://gateway.local/gw/saber//", allow_insecure_http = true, transport = transport }
      client:get_credits()
      assert.are.equal("http://gateway.local/gw/saber/v1/credits", seen[1].url)
    end)

    it("works against a server at the base URL with a trailing slash", function()
      local client = helper.client(mock, { base_url = mock.url .. "/" })
      local credits, err = client:get_credits()
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("/v1/credits", mock:last_request().path)
      assert.is_number(credits.remainingCredits)
    end)
  end)

  describe("every request", function()
    it("carries the key as a Bearer token", function()
      local client = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal("Bearer " .. helper.API_KEY, mock:last_request().headers["authorization"])
    end)

    it("carries no Authorization header without a key, and the API's 401 answers", function()
      helper.with_mock("--api-key sk_right", function(other)
        local client = helper.client(other, { api_key = "", max_retries = 0 })
        local result, err = client:get_credits()
        assert.is_nil(result)
        assert.are.equal("http", err.kind)
        assert.are.equal(401, err.status)
        assert.is_nil(other:last_request().headers["authorization"])
      end)
    end)

    it("does not check the key's format", function()
      local client = helper.client(mock, { api_key = "not a live key" })
      client:get_credits()
      assert.are.equal("Bearer not a live key", mock:last_request().headers["authorization"])
    end)

    it("carries the library's user agent", function()
      local client = helper.client(mock)
      assert(client:get_credits())
      local ua = mock:last_request().headers["user-agent"]
      assert.truthy(ua:find("^signals%-lua/" .. signals.VERSION:gsub("%.", "%%.")), ua)
    end)

    it("carries the user_agent option instead when given", function()
      local client = helper.client(mock, { user_agent = "my-tool/2.1" })
      assert(client:get_credits())
      assert.are.equal("my-tool/2.1", mock:last_request().headers["user-agent"])
    end)

    it("asks for JSON and labels a JSON body", function()
      local client = helper.client(mock)
      assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      local req = mock:last_request()
      assert.truthy(req.headers["accept"]:find("application/json", 1, true))
      assert.truthy(req.headers["content-type"]:find("^application/json"))
    end)
  end)

  describe("per-call options", function()
    it("adds opts.headers to the request", function()
      local client = helper.client(mock)
      assert(client:get_credits(nil, { headers = { ["X-Trace-Id"] = "abc-123", ["X-Count"] = 3 } }))
      local req = mock:last_request()
      assert.are.equal("abc-123", req.headers["x-trace-id"])
      assert.are.equal("3", req.headers["x-count"])
    end)

    it("lets opts.headers replace a default header whatever its case", function()
      local transport, seen = recording_transport()
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport }
      client:get_credits(nil, { headers = { ["user-agent"] = "other/1" } })
      local values = {}
      for name, value in pairs(seen[1].headers) do
        if name:lower() == "user-agent" then values[#values + 1] = value end
      end
      assert.are.same({ "other/1" }, values)
    end)

    it("sends opts.extra in the body of an operation with a body", function()
      local client = helper.client(mock)
      assert(client:create_signal({ domain = "acme.com", question = "Hiring?" },
        { extra = { newField = "x", nested = { a = 1 } } }))
      local body = helper.body_of(mock:last_request())
      assert.are.equal("x", body.newField)
      assert.are.same({ a = 1 }, body.nested)
      assert.are.equal("acme.com", body.domain)
    end)

    it("sends opts.extra in the query of an operation without a body", function()
      local client = helper.client(mock)
      assert(client:list_signals({ domain = "acme.com" }, { extra = { sort = "asc", tag = { "a", "b" } } }))
      local query = helper.query_of(mock:last_request())
      assert.are.equal("asc", query.sort)
      assert.are.same({ "a", "b" }, query.tag)
      assert.are.equal("acme.com", query.domain)
    end)

    it("sends JSON null for signals.null and [] for an empty table", function()
      local client = helper.client(mock, { max_retries = 0 })
      client:create_signal({ domain = "acme.com", question = "Hiring?", outputSchema = signals.null },
        { extra = { tags = {}, meta = signals.object({}) } })
      local body = mock:last_request().body:gsub("%s", "")
      assert.truthy(body:find('"outputSchema":null', 1, true), body)
      assert.truthy(body:find('"tags":[]', 1, true), body)
      assert.truthy(body:find('"meta":{}', 1, true), body)
    end)

    it("sends {} for an operation with body fields when none is given", function()
      local transport, seen = recording_transport({ status = 200, headers = {},
        body = '{"items":[],"total":0,"limit":25,"offset":0,"hasMore":false}' })
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport }
      assert(client:search_contacts())
      assert.are.equal("{}", seen[1].body)
    end)

    it("sends no body for a POST without body fields", function()
      local transport, seen = recording_transport({ status = 200, headers = {}, body = '{"id":"s"}' })
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport }
      assert(client:trigger_signal_subscription("sub-1"))
      assert.is_nil(seen[1].body)
      assert.are.equal("POST", seen[1].method)
    end)
  end)

  describe("results", function()
    it("decodes by the operation's kind", function()
      local client = helper.client(mock)
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
      assert.are.equal("signal", signals.kind(sig))
      local credits = assert(client:get_credits())
      assert.are.equal("object", signals.kind(credits))
      local page = assert(client:list_signals{ domain = "acme.com" })
      assert.are.equal("page", signals.kind(page))
    end)

    it("returns true for a 204", function()
      mock:fault{ method = "POST", path = "/v1/companies/signals/summaries", fault = "status", status = 204 }
      local client = helper.client(mock)
      assert.is_true(client:generate_signal_summary{ domain = "acme.com" })
    end)

    it("returns true for an empty 200 to a DELETE", function()
      mock:fault{ method = "DELETE", path = "/v1/contacts/lists/abc123", fault = "status", status = 200, body = "" }
      local client = helper.client(mock)
      assert.is_true(client:delete_contact_list("abc123"))
    end)

    it("returns the CSV export as a string", function()
      local csv = "name,domain\nAcme,acme.com\n"
      mock:fault{ method = "POST", path = "/v1/companies/lists/abc123/export", fault = "status", status = 200,
                  body = csv, headers = { ["Content-Type"] = "text/csv" } }
      local client = helper.client(mock)
      assert.are.equal(csv, client:export_company_list{ listId = "abc123" })
    end)

    it("reads a page whose request sent JSON null for limit and offset, never raising", function()
      local client = helper.client(mock, { max_retries = 0 })
      for _, params in ipairs({ { limit = signals.null }, { offset = signals.null },
                                { limit = signals.null, offset = signals.null } }) do
        local page, err = client:search_contacts(params)
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("page", signals.kind(page))
        assert.is_true(#page > 0)
      end
      local results = assert(client:all({ { "search_contacts", { limit = signals.null } },
                                          { "get_credits" } }))
      assert.are.equal("page", signals.kind(results[1]))
      assert.are.equal("object", signals.kind(results[2]))
    end)

    it("calls an empty body on a GET a decode error", function()
      mock:fault{ method = "GET", path = "/v1/credits", fault = "status", status = 200, body = "" }
      local client = helper.client(mock)
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal("decode", err.kind)
      assert.is_true(#err.message > 0)
    end)
  end)

  describe("custom transports", function()
    it("turn a plain string failure into a network error", function()
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, max_retries = 0,
        transport = { request = function() return nil, "socket closed" end } }
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal("network", err.kind)
      assert.truthy(err.message:find("socket closed", 1, true))
      assert.are.equal("GET", err.method)
      assert.are.equal("/v1/credits", err.path)
    end)

    it("turn a raised error into a network error", function()
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, max_retries = 0,
        transport = { request = function() error("boom") end } }
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal("network", err.kind)
    end)

    -- A transport in front of the real one that spoils one part of each
    -- answer: the call must end in a network error, never raise (in a
    -- single call and inside client:all alike).
    local LOOSE = {
      { "a NaN status", function(res) res.status = 0 / 0 end },
      { "a status of 1e300", function(res) res.status = 1e300 end },
      { "a fractional status", function(res) res.status = 200.5 end },
      { "a status out of HTTP's range", function(res) res.status = 42 end },
      { "a status that is a string", function(res) res.status = "200" end },
      { "a table body", function(res) res.body = {} end },
      { "a number body", function(res) res.body = 42 end },
      { "headers that are a string", function(res) res.headers = "content-type: json" end },
      { "a table as Content-Type", function(res) res.headers["content-type"] = {} end },
      { "a table as Location of a redirect", function(res) res.status, res.headers.location = 302, {} end },
      { "a header keyed by a number", function(res) res.headers[1] = "x" end },
      { "an answer that is not a table", function() return "200 OK" end },
    }
    for _, case in ipairs(LOOSE) do
      it("turn an answer with " .. case[1] .. " into a network error", function()
        local real = signals.transports.curl.new()
        local transport = { request = function(req)
          local res = real.request(req)
          return case[2](res) or res
        end }
        local client = helper.client(mock, { max_retries = 0, transport = transport })
        local result, err = client:get_credits()
        assert.is_nil(result)
        assert.are.equal("network", err.kind, tostring(err))
        assert.matches("malformed response", err.message, 1, true)
        local results = assert(client:all({ { "get_credits" }, { "get_credits" } }))
        assert.are.equal("network", results[1].kind)
        assert.are.equal("network", results[2].kind)
        real.close()
      end)
    end

    it("have their header names read without regard to case", function()
      local real = signals.transports.curl.new()
      local transport = { request = function(req)
        local res = real.request(req)
        res.headers = { ["Content-Type"] = res.headers["content-type"], ["X-RateLimit-Remaining"] = 5 }
        return res
      end }
      local seen
      local client = helper.client(mock, { max_retries = 0, transport = transport,
        on_response = function(r) seen = r.headers end })
      helper.assert_ok(client:get_credits())
      assert.are.same({ ["content-type"] = "application/json", ["x-ratelimit-remaining"] = "5" }, seen)
      real.close()
    end)

    it("receive the documented request table", function()
      local transport, seen = recording_transport()
      local client = signals.new{ api_key = "k", base_url = "http://h", allow_insecure_http = true, transport = transport }
      client:get_credits()
      local req = seen[1]
      assert.are.equal("GET", req.method)
      assert.are.equal("http://h/v1/credits", req.url)
      assert.are.equal("Bearer k", req.headers.Authorization)
      assert.is_number(req.timeout)
      assert.is_number(req.connect_timeout)
    end)
  end)

  describe("close", function()
    it("makes later calls fail without raising", function()
      local client = helper.client(mock)
      assert(client:get_credits())
      client:close()
      client:close()
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal("error", signals.kind(err))
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(1, #mock:requests())
    end)
  end)

  describe("methods", function()
    it("refuse a non-table for an operation without a positional form", function()
      local client = helper.client(mock)
      local result, err = client:create_signal("acme.com")
      assert.is_nil(result)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(0, #mock:requests())
    end)

    it("tostring of a client names its base URL, never the key", function()
      local client = helper.client(mock)
      local line = tostring(client)
      assert.truthy(line:find(mock.url, 1, true))
      assert.is_nil(line:find(helper.API_KEY, 1, true))
    end)
  end)
end)

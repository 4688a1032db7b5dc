-- The API key stays secret, and nothing a caller passes can inject a
-- header or move a request to another path.
--
-- The sweep runs calls that end every way a call can (success, pages, 401,
-- 404, validation, 429 with retries, a refused connection, a timeout, a
-- body that does not decode, redirects to the same and to another origin,
-- a closed client) with every hook recording, then greps all that is
-- observable for the key: error objects (tostring, every field, totable),
-- tostring of every object and page, every hook payload (the library has
-- no log of its own: the hooks are its debug log), tostring of the client,
-- and what the other origin's server received. Any 8 consecutive characters
-- of the key count as a leak; the redacted form shows only its first 3 and
-- last 4.
local helper = require("helper")
local signals = require("signals")

local KEY = "sk_live_Q7vXk2Lp9TzW4mRb8YcN3hJd6FsA"
local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers?" }

-- Every string reachable from v: table keys and values, userdata through
-- tostring and totable, functions by name only.
local function strings_of(v, out, seen)
  out, seen = out or {}, seen or {}
  local t = type(v)
  if t == "string" then
    out[#out + 1] = v
  elseif t == "number" or t == "boolean" then
    out[#out + 1] = tostring(v)
  elseif t == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do
      strings_of(k, out, seen)
      strings_of(x, out, seen)
    end
  elseif t == "userdata" and not seen[v] then
    seen[v] = true
    out[#out + 1] = tostring(v)
    if signals.kind(v) then
      strings_of(v:totable(), out, seen)
      if signals.kind(v) ~= "error" then out[#out + 1] = v:json() end
      if signals.kind(v) == "page" then strings_of(v.items, out, seen) end
      if signals.kind(v) == "error" then
        for _, field in ipairs { "kind", "status", "code", "type", "message", "retryable", "retry_after",
                                 "request_id", "fields", "action", "signal", "method", "path", "details" } do
          strings_of(v[field], out, seen)
        end
      end
    end
  end
  return out
end

-- The key, or any 8 consecutive characters of it, in any of the strings.
local function leak_in(strings)
  for _, s in ipairs(strings) do
    for i = 1, #KEY - 7 do
      local at = s:find(KEY:sub(i, i + 7), 1, true)
      if at then return s:sub(math.max(1, at - 40), at + 48) end
    end
  end
  return nil
end

local function assert_no_leak(what, value)
  local leak = leak_in(strings_of(value))
  assert(leak == nil, what .. " shows the key: " .. tostring(leak))
end

describe("secrets", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("the key appears in nothing observable, whatever the outcome", function()
    local payloads = {}
    local function record(name) return function(p) payloads[#payloads + 1] = { hook = name, payload = p } end end
    local client = helper.client(mock, { api_key = KEY, timeout = 5, on_request = record("on_request"),
      on_response = record("on_response"), on_retry = record("on_retry") })
    local results = {}
    local function call(label, ...)
      local value, err = ...
      results[#results + 1] = { label = label, value = value, err = err }
    end

    local created = assert(client:create_signal(SIGNAL))
    call("create", created)
    call("get", client:get_signal(created.id))
    call("list", client:list_signals{ domain = "acme.com" })
    for sig in client:paginate("list_signals", { domain = "acme.com", limit = 1 }) do call("paginate", sig) end
    call("research", client:create_contact_research{ firstName = "Fail", lastName = "Doe",
      companyName = "Acme Corp", companyDomain = "acme.com" })
    call("credits", client:get_credits())
    call("404", client:get_signal("00000000-0000-4000-8000-000000000000"))
    call("invalid", client:get_signal("not-a-uuid"))
    mock:fault{ path = "/v1/companies/signals", fault = "status", status = 400,
                body = helper.fixture("error_400_validation.json") }
    call("400", client:create_signal(SIGNAL))
    mock:fault{ path = "/v1/credits", fault = "status", status = 429, times = 3,
                body = { statusCode = 429, message = "Rate limit exceeded", retryAfter = 1 } }
    call("429", client:get_credits())
    mock:fault{ path = "/v1/credits", fault = "html502" }
    call("502", client:get_credits(nil, { max_retries = 0 }))
    mock:fault{ path = "/v1/credits", fault = "status", status = 200, body = "not json" }
    call("decode", client:get_credits())
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 0.5 }
    call("timeout", client:get_credits(nil, { timeout = 0.2, max_retries = 0 }))
    mock:fault{ path = "/v1/credits", fault = "truncate" }
    call("truncate", client:get_credits(nil, { max_retries = 0 }))
    mock:fault{ path = "/v1/credits", fault = "status", status = 302, headers = { Location = "/v1/credits?again=1" } }
    call("same-origin redirect", client:get_credits())

    -- another origin: a second server, and another name for this one
    local other = helper.start_mock()
    local ok, problem = pcall(function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 307, headers = { Location = other.url .. "/v1/credits" } }
      call("cross-origin redirect", client:get_credits())
      mock:fault{ path = "/v1/credits", fault = "status", status = 302,
                  headers = { Location = "http://localhost:" .. mock.port .. "/v1/credits" } }
      call("cross-host redirect", client:get_credits())
      assert.are.same({}, other:requests())
    end)
    other:stop()
    assert(ok, problem)

    local refused = helper.client({ url = "http://127.0.0.1:" .. helper.dead_port() },
      { api_key = KEY, on_request = record("on_request"), on_retry = record("on_retry") })
    call("refused", refused:get_credits())
    -- a 401 for this key: the API's answer to a key it does not know
    local strict = helper.start_mock("--api-key sk_other_key_0123456789")
    ok, problem = pcall(function()
      local wrong = helper.client(strict, { api_key = KEY, on_response = record("on_response") })
      call("401", wrong:get_credits())
      assert_no_leak("tostring(client)", tostring(wrong))
    end)
    strict:stop()
    assert(ok, problem)
    client:close()
    call("closed", client:get_credits())

    -- every way of ending was seen
    local errors, values = {}, 0
    for _, r in ipairs(results) do
      if r.err then errors[#errors + 1] = r.label .. ":" .. r.err.kind else values = values + 1 end
    end
    assert.is_true(values >= 6)
    assert.are.same({ "404:http", "invalid:invalid_request", "400:http", "429:http", "502:http", "decode:decode",
      "timeout:timeout", "truncate:network", "cross-origin redirect:http", "cross-host redirect:http",
      "refused:network", "401:http", "closed:invalid_request" }, errors)
    local hooks = {}
    for _, p in ipairs(payloads) do hooks[p.hook] = true end
    assert.are.same({ on_request = true, on_response = true, on_retry = true }, hooks)

    for _, r in ipairs(results) do
      assert_no_leak(r.label, r.value)
      assert_no_leak(r.label, r.err)
    end
    for _, p in ipairs(payloads) do assert_no_leak(p.hook .. " payload", p.payload) end
    assert_no_leak("tostring(client)", tostring(client))
    -- the key did go where it belongs
    assert.are.equal("Bearer " .. KEY, mock:requests()[1].headers.authorization)
  end)

  it("a server echoing the key back shows it in no error", function()
    local client = helper.client(mock, { api_key = KEY, max_retries = 0 })
    local echo = "Authorization: Bearer " .. KEY
    local bodies = {
      { status = 401, body = { error = { type = "AUTHENTICATION", code = "UNAUTHORIZED", message = "bad key " .. KEY,
        errorAction = "check " .. KEY, requestId = KEY, fields = { { field = KEY, message = echo } },
        details = { header = echo, list = { KEY } } } } },
      { status = 400, body = { statusCode = 400, message = { "key " .. KEY }, error = echo, echoed = echo } },
      { status = 422, body = { detail = { { loc = { "header", KEY }, msg = echo, type = KEY } } } },
      { status = 502, body = "<html><body><p>" .. echo .. "</p></body></html>", headers = { ["Content-Type"] = "text/html" } },
      { status = 500, body = echo },
    }
    for _, b in ipairs(bodies) do
      mock:fault{ path = "/v1/credits", fault = "status", status = b.status, body = b.body, headers = b.headers }
      local credits, err = client:get_credits()
      assert.is_nil(credits)
      assert.are.equal(b.status, err.status)
      assert_no_leak("the " .. b.status .. " error", err)
    end
  end)

  describe("a server echoing the key whole, cut short or encoded", function()
    local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    local function base64(s)
      return (s:gsub("..?.?", function(chunk)
        local n, pad = 0, 3 - #chunk
        for i = 1, 3 do n = n * 256 + (chunk:byte(i) or 0) end
        local out = {}
        for i = 1, 4 do
          local v = math.floor(n / 64 ^ (4 - i)) % 64 + 1
          out[i] = B64:sub(v, v)
        end
        return table.concat(out):sub(1, 4 - pad) .. ("="):rep(pad)
      end))
    end

    local function percent(s)
      return (s:gsub(".", function(c) return ("%%%02X"):format(c:byte()) end))
    end

    -- Any 8 characters in a row of `text` (the key as sent, or encoded) in
    -- any of the strings, ignoring case for the percent form.
    local function trace_in(strings, text)
      for _, str in ipairs(strings) do
        for i = 1, #text - 7 do
          if str:find(text:sub(i, i + 7), 1, true) or str:lower():find(text:sub(i, i + 7):lower(), 1, true) then
            return str
          end
        end
      end
      return nil
    end

    local function assert_no_trace(what, value)
      local strings = strings_of(value)
      for _, form in ipairs({ KEY, base64(KEY), percent(KEY) }) do
        local found = trace_in(strings, form)
        assert(found == nil, what .. " shows a trace of the key: " .. tostring(found))
      end
    end

    local faults = {
      { where = "body" }, { where = "body", encoding = "base64" }, { where = "body", encoding = "percent" },
      { where = "body", encoding = "prefix", chars = 14 }, { where = "body", encoding = "prefix", chars = 19 },
      -- the key where the client cuts a long message (~2000 bytes) or an excerpt (120)
      { where = "body", pad = 1990 }, { where = "body", pad = 1985, encoding = "prefix", chars = 19 },
      { where = "html" }, { where = "html", pad = 100 }, { where = "html", pad = 110, encoding = "prefix", chars = 16 },
      { where = "html", encoding = "base64" },
      { where = "header", status = 500 }, { where = "header" }, { where = "header", encoding = "base64" },
      { where = "header", encoding = "percent" },
    }
    for _, fault in ipairs(faults) do
      local label = fault.where .. " " .. (fault.encoding or "raw") .. (fault.chars and " " .. fault.chars or "")
        .. (fault.pad and " after " .. fault.pad .. " bytes" or "")
      it("shows no trace in the error or a hook's payload: " .. label, function()
        local payloads = {}
        local client = helper.client(mock, { api_key = KEY, max_retries = 0,
          on_response = function(p) payloads[#payloads + 1] = p end })
        local f = { path = "/v1/credits", fault = "echo_key" }
        for k, v in pairs(fault) do f[k] = v end
        mock:fault(f)
        local credits, err = client:get_credits()
        assert.are.equal(1, #payloads)
        assert_no_trace("the on_response payload", payloads[1])
        assert_no_trace("the result", { credits, err })
        -- the echo did reach the client: the hook shows where it was scrubbed
        assert.truthy(trace_in(strings_of(payloads[1]), "[REDACTED]") or trace_in({ tostring(err) }, "[REDACTED]"),
          "nothing was echoed")
      end)
    end
  end)

  describe("injection", function()
    local client

    before_each(function()
      client = helper.client(mock)
    end)

    local function refused(result, err)
      assert.is_nil(result)
      assert.are.equal("invalid_request", err.kind, tostring(err))
      assert.are.same({}, mock:requests())
    end

    for name, bad in pairs { CR = "a\rb", LF = "a\nb", CRLF = "a\r\nX-Injected: 1", NUL = "a\0b" } do
      it("refuses " .. name .. " in a header value, a header name and every parameter outside the body", function()
        refused(client:get_credits(nil, { headers = { ["X-Trace"] = bad } }))
        refused(client:get_credits(nil, { headers = { [bad] = "1" } }))
        refused(client:get_contact_research(bad))
        refused(client:get_contact_research_by_external_id{ externalId = bad, externalSource = "crm" })
        refused(client:list_signals{ domain = "acme.com", status = { "completed", bad } })
        refused(client:list_signals({ domain = "acme.com" }, { extra = { note = bad } }))
        refused(client:get_subscription_action{ subscriptionId = "s1", actionId = bad })
      end)

      it("refuses " .. name .. " in the options that become headers or the URL", function()
        refused(helper.client(mock, { user_agent = bad }):get_credits())
        refused(helper.client(mock, { api_key = "sk_" .. bad }):get_credits())
        refused(helper.client({ url = mock.url .. "/" .. bad }):get_credits())
      end)
    end

    it("never shows a refused header value or the key in the error", function()
      local c = helper.client(mock, { api_key = KEY .. "\r\nX-Injected: 1" })
      local _, err = c:get_credits()
      assert.are.equal("invalid_request", err.kind)
      assert_no_leak("the refused request's error", err)
    end)

    it("sends line breaks and NUL in body fields as JSON escapes, not raw", function()
      local question = "Line one\r\nX-Injected: 1\0end"
      assert(client:create_signal{ domain = "acme.com", question = question })
      local req = mock:last_request()
      assert.is_nil(req.body:find("[\r\n%z]"))
      assert.are.equal(question, helper.body_of(req).question)
      assert.is_nil(req.headers["x-injected"])
    end)

    it("path parameters stay one segment of the path", function()
      local ids = { "..", ".", "../../credits", "a/b", "a?b=c", "a#b", "%2e%2e", "a b", "a;b", "..%2f", "/", "?", "\\..\\" }
      for _, id in ipairs(ids) do
        client:get_contact_research(id)
        client:get_subscription_action{ subscriptionId = id, actionId = id }
      end
      local log = mock:requests()
      assert.are.equal(2 * #ids, #log)
      for i, req in ipairs(log) do
        local id = ids[math.floor((i + 1) / 2)]
        local prefix = i % 2 == 1 and "^/v1/contacts/research/([^/]+)$"
          or "^/v1/companies/signals/subscriptions/([^/]+)/actions/([^/]+)$"
        local segment, second = req.path:match(prefix)
        assert(segment, id .. " moved the request to " .. req.path)
        assert.is_nil(segment:find("^%.%.?$"), req.path)
        if second then assert.are.equal(segment, second) end
        assert.are.equal("", req.query, req.path)
        assert.are.equal(id, (segment:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)))
      end
    end)
  end)
end)

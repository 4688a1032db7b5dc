-- core.classify_error(status, body, content_type): the error fields of a
-- non-2xx body in every shape of CONTRACT §5 / API-NOTES §12, and robustness
-- against anything a network can deliver.
local helper = require("helper")
local core = require("signals.core")

local classify = core.classify_error

local function one_line(message)
  assert.is_string(message)
  assert.is_true(#message > 0, "empty message")
  assert.is_nil(message:find("[\r\n]"), "message has a line break: " .. message)
  assert.is_nil(message:find("[%z\1-\31\127]"), "message has a control byte")
  if utf8 then assert.is_true(utf8.len(message) ~= nil, "message is not valid UTF-8") end
end

local function fixture(status, name)
  return classify(status, helper.fixture(name), "application/json")
end

describe("core.classify_error", function()
  describe("the API's envelope", function()
    it("reads a validation error with fields", function()
      local e = fixture(400, "error_400_validation.json")
      assert.equals("VALIDATION", e.type)
      assert.equals("VALIDATION_ERROR", e.code)
      assert.equals("validation failed for 'domain': must be a valid hostname", e.message)
      assert.equals("e69ed773-2674-4dca-be61-886d6698f360", e.request_id)
      assert.same({ { field = "domain", message = "'domain' must be a valid hostname (e.g., 'example.com') without protocol (https://) or path" } }, e.fields)
      assert.is_nil(e.retry_after)
      assert.is_nil(e.action)
    end)

    it("reads every error fixture of the envelope shape", function()
      local cases = {
        { 400, "error_400_validation_departments.json", "VALIDATION_ERROR", "VALIDATION" },
        { 401, "error_401_unauthorized.json", "UNAUTHORIZED", "AUTHENTICATION" },
        { 404, "error_404_not_found.json", "NOT_FOUND", "NOT_FOUND" },
        { 408, "error_408_sync_timeout.json", "REQUEST_TIMEOUT", "TIMEOUT" },
        { 409, "error_409_conflict.json", "CONFLICT", "CONFLICT" },
        { 422, "error_422_unprocessable.json", "INVALID_POINT_VALUES", "VALIDATION" },
        { 429, "error_429_rate_limit_per_route.json", "TOO_MANY_REQUESTS", "TIMEOUT" },
        { 500, "error_500_internal.json", "INTERNAL_ERROR", "INTERNAL" },
      }
      for _, c in ipairs(cases) do
        local e = fixture(c[1], c[2])
        local raw = helper.fixture_table(c[2]).error
        assert.equals(c[3], e.code, c[2])
        assert.equals(c[4], e.type, c[2])
        assert.equals(raw.message, e.message, c[2])
        assert.equals(raw.requestId, e.request_id, c[2])
        one_line(e.message)
      end
    end)

    it("passes details through as plain tables, action from errorAction", function()
      local e = fixture(422, "error_422_unprocessable.json")
      assert.same({ answerType = "boolean" }, e.details)
      assert.equals('send {"true": <points>, "false": <points>} for boolean templates', e.action)
      assert.same({ { field = "pointValues", message = "ranges are not allowed for boolean signals" } }, e.fields)
      e = fixture(408, "error_408_sync_timeout.json")
      assert.same({ signalId = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c" }, e.details)
    end)

    it("converts nested details, with JSON null as core.null", function()
      local e = classify(400, '{"error":{"code":"X","message":"m","details":{"a":[1,2.5,null,{"b":true}],"s":"t"}}}')
      assert.same({ a = { 1, 2.5, core.null, { b = true } }, s = "t" }, e.details)
      assert.equals(core.null, e.details.a[3])
    end)

    it("keeps errorCode, and uses it as code only when code is absent", function()
      local e = classify(400, '{"error":{"type":"T","code":"C","errorCode":"FINE","message":"m"}}')
      assert.equals("C", e.code)
      assert.equals("FINE", e.error_code)
      e = classify(400, '{"error":{"type":"T","errorCode":"FINE","message":"m"}}')
      assert.equals("FINE", e.code)
      assert.equals("FINE", e.error_code)
    end)

    it("reads {ok:false, error:{code, message}}", function()
      local e = classify(403, '{"ok":false,"error":{"code":"FORBIDDEN","message":"no access"}}')
      assert.equals("FORBIDDEN", e.code)
      assert.equals("no access", e.message)
      assert.is_nil(e.type)
    end)

    it("takes requestId and retryAfter beside the envelope too", function()
      local e = classify(429, '{"error":{"code":"X","message":"m"},"requestId":"r-1","retryAfter":"4"}')
      assert.equals("r-1", e.request_id)
      assert.equals(4, e.retry_after)
    end)

    it("says the status when the envelope has no message", function()
      local e = classify(404, '{"error":{"code":"NOT_FOUND"}}')
      assert.equals("NOT_FOUND", e.code)
      assert.equals("HTTP 404 Not Found", e.message)
    end)

    it("ignores members of the wrong type", function()
      local e = classify(400, '{"error":{"type":1,"code":{"a":1},"message":["a","b"],"requestId":false,"fields":"x","errorAction":[]}}')
      assert.is_nil(e.type)
      assert.is_nil(e.code)
      assert.equals("a; b", e.message)
      assert.is_nil(e.request_id)
      assert.is_nil(e.fields)
      assert.is_nil(e.action)
      e = classify(400, '{"error":{"message":"m","fields":[1,"x",{"field":"a"},{"message":"only"}]}}')
      assert.same({ { field = "a" }, { message = "only" } }, e.fields)
    end)
  end)

  describe("the rate limiter and NestJS", function()
    it("reads the global rate-limit body", function()
      local e = fixture(429, "error_429_rate_limit_global.json")
      assert.equals("Rate limit exceeded", e.message)
      assert.equals("Too Many Requests", e.type)
      assert.is_nil(e.code)
      assert.equals(12, e.retry_after)
      assert.is_nil(e.details)
    end)

    it("reads a NestJS conflict, extra members as details", function()
      local e = fixture(409, "error_409_extract_already_attached.json")
      assert.equals("one or more executionIds are already attached", e.message)
      assert.equals("Conflict", e.type)
      assert.is_nil(e.code)
      assert.same({ alreadyAttached = { "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968",
                                        "9f8e7d6c-5b4a-4392-8a1f-2e3d4c5b6a79" } }, e.details)
    end)

    -- The 409 of a re-applied template-extract plan (API-NOTES §16a).
    local ALREADY_ATTACHED = '{"statusCode":409,"message":"Some executions are already attached",'
      .. '"error":"Conflict","alreadyAttached":["exec_1","exec_2"]}'

    it("keeps every extra member of a NestJS body in details (alreadyAttached)", function()
      local e = classify(409, ALREADY_ATTACHED, "application/json")
      assert.equals("Some executions are already attached", e.message)
      assert.equals("Conflict", e.type)
      assert.same({ alreadyAttached = { "exec_1", "exec_2" } }, e.details)
      -- statusCode and error are optional: {message, ...extra} keeps its extras too
      for _, body in ipairs {
        '{"message":"Some executions are already attached","alreadyAttached":["exec_1","exec_2"]}',
        '{"statusCode":409,"message":"Some executions are already attached","alreadyAttached":["exec_1","exec_2"]}',
        '{"error":"Conflict","message":"Some executions are already attached","alreadyAttached":["exec_1","exec_2"]}',
      } do
        e = classify(409, body)
        assert.equals("Some executions are already attached", e.message, body)
        assert.same({ alreadyAttached = { "exec_1", "exec_2" } }, e.details, body)
      end
      -- a flat body's own details stay what they are; the first of duplicate keys wins
      e = classify(400, '{"code":"X","message":"m","details":{"a":1},"extra":2}')
      assert.same({ a = 1 }, e.details)
      e = classify(409, '{"message":"m","alreadyAttached":["a"],"alreadyAttached":["b"]}')
      assert.same({ alreadyAttached = { "a" } }, e.details)
      assert.is_nil(classify(500, '{"ok":false,"message":"m","code":"X"}').details)
    end)

    it("gives the error object of a call its details.alreadyAttached", function()
      local url = helper.raw_server("HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
        .. "Content-Length: " .. #ALREADY_ATTACHED .. "\r\nConnection: close\r\n\r\n" .. ALREADY_ATTACHED)
      local client = helper.client({ url = url }, { max_retries = 0 })
      local res, err = client:create_signal{ domain = "acme.com", question = "Hiring?" }
      client:close()
      assert.is_nil(res)
      assert.equals("http", err.kind)
      assert.equals(409, err.status)
      assert.equals("Conflict", err.type)
      assert.same({ "exec_1", "exec_2" }, err.details.alreadyAttached)
    end)

    it("joins an array message with '; '", function()
      local e = classify(400, '{"statusCode":400,"message":["name must be a string","limit must not be greater than 25"],"error":"Bad Request"}')
      assert.equals("name must be a string; limit must not be greater than 25", e.message)
      assert.equals("Bad Request", e.type)
    end)

    it("takes retryAfter as a numeric string, ignores it when garbage or negative", function()
      assert.equals(1.5, classify(429, '{"statusCode":429,"message":"m","retryAfter":"1.5"}').retry_after)
      assert.is_nil(classify(429, '{"statusCode":429,"message":"m","retryAfter":"soon"}').retry_after)
      assert.is_nil(classify(429, '{"statusCode":429,"message":"m","retryAfter":-3}').retry_after)
    end)
  end)

  describe("FastAPI", function()
    it("reads {detail: string}", function()
      local e = classify(404, '{"detail":"Not Found"}')
      assert.equals("Not Found", e.message)
      assert.is_nil(e.code)
    end)

    it("reads {detail: [{loc, msg, type}]} into fields", function()
      local e = classify(422, helper.json.encode({ detail = {
        { loc = { "body", "work_email" }, msg = "value is not a valid email address", type = "value_error.email" },
        { loc = { "body", "contacts", 0, "name" }, msg = "field required", type = "value_error.missing" },
        { loc = { "query", "limit" }, msg = "ensure this value is less than or equal to 25", type = "value_error" },
      } }))
      assert.same({
        { field = "work_email", message = "value is not a valid email address" },
        { field = "contacts.0.name", message = "field required" },
        { field = "limit", message = "ensure this value is less than or equal to 25" },
      }, e.fields)
      assert.equals("value_error.email", e.type)
      assert.is_nil(e.code)
      assert.equals("work_email: value is not a valid email address (and 2 more)", e.message)
    end)

    it("keeps a lone body/query/path and strips it only in first place", function()
      local e = classify(422, '{"detail":[{"loc":["body"],"msg":"body required","type":"missing"}]}')
      assert.same({ { field = "body", message = "body required" } }, e.fields)
      assert.equals("body: body required", e.message)
      e = classify(422, '{"detail":[{"loc":["header","path"],"msg":"bad","type":"t"}]}')
      assert.equals("header.path", e.fields[1].field)
    end)

    it("copes with items without loc or msg", function()
      local e = classify(422, '{"detail":[{"msg":"something"},5,{"loc":[]}]}')
      assert.same({ { message = "something" }, {} }, e.fields)
      assert.equals("something (and 1 more)", e.message)
      e = classify(422, '{"detail":[]}')
      assert.same({}, e.fields)
      assert.equals("HTTP 422 Unprocessable Content", e.message)
    end)
  end)

  describe("flat bodies", function()
    it("reads {code, message}", function()
      local e = classify(400, '{"code":"BAD_INPUT","message":"bad input","type":"VALIDATION"}')
      assert.equals("BAD_INPUT", e.code)
      assert.equals("bad input", e.message)
      assert.equals("VALIDATION", e.type)
    end)

    it("reads a numeric code as text", function()
      assert.equals("4001", classify(400, '{"code":4001,"message":"m"}').code)
    end)

    it("reads a message alone", function()
      assert.equals("Internal server error", classify(500, '{"message":"Internal server error"}').message)
    end)
  end)

  describe("bodies that are not one of the shapes", function()
    it("quotes an HTML page's text after the status", function()
      local html = [[<html>
<head><title>502 Bad Gateway</title><style>body { color: red }</style>
<script>var x = "<b>not text</b>";</script></head>
<body><!-- a comment -->
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx &amp; friends</center>
</body>
</html>]]
      local e = classify(502, html, "text/html")
      assert.equals("HTTP 502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx & friends", e.message)
      assert.is_nil(e.code)
      assert.is_nil(e.type)
    end)

    it("recognises HTML without a content type", function()
      local e = classify(503, "  <p>Service <b>down</b></p>")
      assert.equals("HTTP 503 Service Unavailable: Service down", e.message)
    end)

    it("quotes plain text with whitespace collapsed", function()
      local e = classify(500, "upstream\r\n\tconnect error\n\nor disconnect", "text/plain")
      assert.equals("HTTP 500 Internal Server Error: upstream connect error or disconnect", e.message)
    end)

    it("says only the status for an empty or blank body", function()
      assert.equals("HTTP 502 Bad Gateway", classify(502, "").message)
      assert.equals("HTTP 502 Bad Gateway", classify(502, nil).message)
      assert.equals("HTTP 502 Bad Gateway", classify(502, " \r\n ", "text/plain").message)
      assert.equals("HTTP 504 Gateway Timeout", classify(504, "<html></html>", "text/html").message)
    end)

    it("says the number alone for an unknown status", function()
      assert.equals("HTTP 599: oops", classify(599, "oops").message)
      assert.equals("HTTP 299", classify(299, "").message)
    end)

    it("quotes JSON of an unknown shape", function()
      assert.equals('HTTP 400 Bad Request: {"foo": 1}', classify(400, '{"foo": 1}').message)
      assert.equals('HTTP 400 Bad Request: ["a"]', classify(400, '["a"]').message)
      assert.equals('HTTP 400 Bad Request: {"error":null}', classify(400, '{"error":null}').message)
    end)

    it("cuts the excerpt to 120 bytes on a character boundary", function()
      local e = classify(500, string.rep("é", 200), "text/plain")
      local excerpt = e.message:match("^HTTP 500 Internal Server Error: (.*)$")
      assert.is_true(#excerpt <= 120, tostring(#excerpt))
      assert.matches("%.%.%.$", excerpt)
      one_line(e.message)
      e = classify(500, string.rep("a", 117), "text/plain")
      assert.equals(string.rep("a", 117), e.message:match(": (.*)$"))
      e = classify(500, string.rep("a", 118), "text/plain")
      assert.equals(string.rep("a", 117) .. "...", e.message:match(": (.*)$"))
    end)

    it("drops control bytes and invalid UTF-8 from the excerpt", function()
      local e = classify(500, "bad\0\1\2 bytes \255\254 here\127!", "text/plain")
      assert.equals("HTTP 500 Internal Server Error: bad bytes here!", e.message)
    end)
  end)

  describe("text from JSON", function()
    it("becomes one line", function()
      local e = classify(400, '{"error":{"code":"A\\nB","message":"line one\\nline two\\r\\n\\ttabbed\\u0000gone"}}')
      assert.equals("line one line two tabbed", e.message)
      assert.equals("A B", e.code)
    end)

    it("falls back to the status when the message is blank", function()
      assert.equals("HTTP 400 Bad Request", classify(400, '{"message":" \\n "}').message)
    end)

    it("is capped", function()
      local long = string.rep("x", 100000)
      local e = classify(400, '{"error":{"message":"' .. long .. '"}}')
      assert.is_true(#e.message <= 2003)
      assert.matches("%.%.%.$", e.message)
    end)
  end)

  describe("under faults", function()
    local function sane(status, body, content_type)
      local ok, e = pcall(classify, status, body, content_type)
      assert.is_true(ok, "raised: " .. tostring(e))
      assert.is_table(e)
      one_line(e.message)
      return e
    end

    it("never raises on truncated fixtures of every length", function()
      for _, name in ipairs({ "error_400_validation.json", "error_409_extract_already_attached.json",
                              "error_422_unprocessable.json", "error_429_rate_limit_global.json",
                              "error_500_internal.json" }) do
        local body = helper.fixture(name)
        for len = 0, #body, helper.SAMPLE do
          sane(500, body:sub(1, len), "application/json")
        end
      end
    end)

    it("never raises on random bytes", function()
      math.randomseed(42)
      for _ = 1, helper.sample(3000) do
        local bytes = {}
        for i = 1, math.random(0, 300) do bytes[i] = string.char(math.random(0, 255)) end
        sane(math.random(100, 599), table.concat(bytes), math.random() < 0.5 and "text/html" or nil)
      end
    end)

    it("never raises on random JSON-ish text", function()
      math.randomseed(43)
      local alphabet = { "{", "}", "[", "]", '"', ":", ",", "error", "message", "detail", "loc", "msg",
                         "code", "statusCode", "retryAfter", "null", "1", "-2.5e3", "true", " ", "\\", "\\u00e9" }
      for _ = 1, helper.sample(3000) do
        local parts = {}
        for i = 1, math.random(1, 60) do parts[i] = alphabet[math.random(#alphabet)] end
        sane(400, table.concat(parts))
      end
    end)

    it("survives nesting 100000 deep", function()
      sane(400, string.rep("[", 100000) .. string.rep("]", 100000))
      sane(400, '{"error":' .. string.rep('{"a":', 100000) .. "1" .. string.rep("}", 100000) .. "}")
      sane(400, string.rep("<b>", 100000), "text/html")
      -- details nested as deep as the parser allows still convert
      local e = sane(400, '{"error":{"message":"m","details":' .. string.rep("[", 900) .. string.rep("]", 900) .. "}}")
      assert.is_table(e.details)
    end)

    it("handles invalid UTF-8 inside JSON strings", function()
      local e = sane(400, '{"error":{"code":"C\255","message":"bad \192\175 text \237\160\128!"}}')
      assert.equals("bad text !", e.message)
      assert.equals("C", e.code)
    end)

    it("handles a huge body", function()
      local big = string.rep("<div>" .. string.rep("x", 1000) .. "</div>", 20000)
      local e = sane(502, big, "text/html")
      assert.is_true(#e.message < 200)
      e = sane(400, '{"error":{"message":"m","details":{"pad":"' .. string.rep("y", 10000000) .. '"}}}')
      assert.equals("m", e.message)
      assert.equals(10000000, #e.details.pad)
    end)

    it("handles unterminated tags and entities", function()
      assert.equals("HTTP 502 Bad Gateway: text", sane(502, "text<unterminated", "text/html").message)
      assert.equals("HTTP 502 Bad Gateway: a &bogus; & b", sane(502, "a &bogus; & b", "text/html").message)
      sane(502, "<script>never closed", "text/html")
      sane(502, "<!-- never closed", "text/html")
    end)

    it("raises only for a missing status", function()
      assert.has_error(function() classify(nil, "x") end)
    end)
  end)
end)

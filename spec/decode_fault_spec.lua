-- Hostile and broken bodies for core.decode and core.decode_page: each must
-- come back as nil plus a message, or as a valid object, never raise and
-- never crash (run under valgrind by `make memcheck`). Then a lifetime
-- stress: many decodes, the memory back where it started.
local core = require("signals.core")
local helper = require("helper")

local null = core.null

-- Uses everything an object or page offers, so that a bad tree would show
-- (the same checks as the fuzz harnesses').
local exercise = require("support.exercise").value

-- Decodes without raising: nil + a message, or a value that works.
local function check(fn, body, ...)
  local ok, result, message = pcall(fn, body, ...)
  assert(ok, "raised: " .. tostring(result))
  if result == nil then
    assert.are.equal("string", type(message))
    assert.is_true(#message > 0)
  else
    assert.is_nil(message)
    exercise(result)
  end
  return result, message
end

local function refused(fn, body, ...)
  local result, message = check(fn, body, ...)
  assert(result == nil, "accepted: " .. body:sub(1, 60))
  return message
end

local function accepted(fn, body, ...)
  local result = check(fn, body, ...)
  assert(result ~= nil, "refused: " .. body:sub(1, 60))
  return result
end

describe("decode faults", function()
  it("invalid JSON is nil and a message", function()
    local bodies = {
      "{", "}", "[", "]", "{]", "[}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}",
      "nul", "tru", "fals", "{'a':1}", "{a:1}", "\"unterminated", "[1 2]", "{\"a\":1}}",
      "NaN", "-", "+1", ".5", "[\"\\x\"]", "[\"\\u12\"]", "{\"a\":[1,2}", "<html>502</html>",
      "{\"a\":\"b\"\"c\"}", "\239\187\191", "//{}", "{\"a\":1}//",
    }
    for _, body in ipairs(bodies) do
      refused(core.decode, body, "signal")
      refused(core.decode_page, body, "signal")
    end
    assert.are.equal("invalid JSON at byte 8", refused(core.decode, '{"a":1,}'))
  end)

  it("an empty or blank body is nil and a message", function()
    assert.are.equal("empty body", refused(core.decode, ""))
    assert.are.equal("empty body", refused(core.decode_page, ""))
    refused(core.decode, "   \r\n\t ")
    refused(core.decode_page, "\n")
  end)

  it("scalars at the top level are not objects", function()
    for _, body in ipairs { "1", "-2.5", "\"x\"", "true", "false", "null", " 0 " } do
      local message = refused(core.decode, body, "signal")
      assert.is_truthy(message:find("expected a JSON object", 1, true), message)
      refused(core.decode_page, body, "signal")
    end
  end)

  it("an array where an object is expected, and an object where a page is", function()
    local list = accepted(core.decode, '[{"id":"a"}]', "signal")
    assert.are.equal("table", type(list))
    assert.are.equal("signal", core.kind(list[1]))
    assert.are.same({}, accepted(core.decode, "[]", "signal"))
    local message = refused(core.decode_page, helper.fixture("company_signal_processing.json"), "signal")
    assert.is_truthy(message:find("expected a page", 1, true), message)
    refused(core.decode_page, '{"results":"x"}')
    refused(core.decode_page, '{"items":{"a":1}}')
    -- a page body given to decode is just an object
    assert.are.equal("object", core.kind(accepted(core.decode, helper.fixture("market_signals_page.json"))))
  end)

  it("trailing data after the value is refused, trailing whitespace is not", function()
    local message = refused(core.decode, '{"a":1} x')
    assert.are.equal("unexpected data after the JSON value at byte 9", message)
    refused(core.decode, '{"a":1}{"b":2}')
    refused(core.decode, '[1][2]')
    refused(core.decode, '{"a":1}\0')
    refused(core.decode, '{"a":1}\0{"b":2}')
    refused(core.decode_page, '[]\0')
    assert.are.equal(1, accepted(core.decode, '{"a":1} \r\n\t ').a)
    assert.are.equal(1, accepted(core.decode, '\n {"a":1}').a)
  end)

  it("every truncation of a body is refused, never half-decoded", function()
    local fixtures = {
      { "company_signal_completed_json_schema.json", core.decode, "signal" },
      { "contact_research_completed.json", core.decode, "contact_research" },
      { "company_signals_list_page.json", core.decode_page, "signal" },
      { "contact_search_result.json", core.decode_page, "contact" },
    }
    for _, f in ipairs(fixtures) do
      local body = helper.fixture(f[1])
      local complete = body:find("%s*$") - 1 -- the length without trailing whitespace
      for len = 0, #body do
        local cut = body:sub(1, len)
        if len >= complete then
          accepted(f[2], cut, f[3])
        elseif len % helper.SAMPLE == 0 then
          refused(f[2], cut, f[3])
        end
      end
    end
  end)

  it("random bytes never crash", function()
    math.randomseed(20260620)
    local alphabet = '{}[]",:0123456789.eE+-truefalsnl \\/u\n\t\0\255\128abc'
    for case = 1, helper.sample(3000) do
      local n = math.random(0, 48)
      local bytes = {}
      for i = 1, n do
        if case % 2 == 0 then
          bytes[i] = string.char(math.random(0, 255))
        else
          local k = math.random(1, #alphabet)
          bytes[i] = alphabet:sub(k, k)
        end
      end
      local body = table.concat(bytes)
      check(core.decode, body, "signal")
      check(core.decode_page, body, "object", 10, 0)
    end
  end)

  it("mutated fixtures never crash", function()
    math.randomseed(42)
    local names = {
      { "company_signal_completed_list.json", "signal" },
      { "company_signal_failed_retryable.json", "signal" },
      { "contact_research_failed.json", "contact_research" },
      { "company_signals_list_page.json", "signal" },
      { "signal_templates_page.json", "object" },
    }
    local decoded, cases = 0, helper.sample(2000)
    for case = 1, cases do
      local f = names[case % #names + 1]
      local body = helper.fixture(f[1])
      for _ = 1, math.random(1, 4) do
        local at = math.random(1, #body)
        local op = math.random(1, 3)
        local byte = string.char(math.random(0, 255))
        if op == 1 then
          body = body:sub(1, at - 1) .. byte .. body:sub(at + 1)
        elseif op == 2 then
          body = body:sub(1, at - 1) .. byte .. body:sub(at)
        else
          body = body:sub(1, at - 1) .. body:sub(at + 1)
        end
      end
      if check(core.decode, body, f[2]) then decoded = decoded + 1 end
      check(core.decode_page, body, f[2], 3, 0)
    end
    -- mutations inside strings leave valid JSON: both outcomes were seen
    assert.is_true(decoded > 0 and decoded < cases)
  end)

  it("100000-deep nesting is refused without overflowing any stack", function()
    local deep = 100000
    refused(core.decode, string.rep("[", deep))
    refused(core.decode, string.rep("[", deep) .. string.rep("]", deep))
    refused(core.decode, string.rep('{"a":', deep) .. "1" .. string.rep("}", deep))
    refused(core.decode_page, '{"items":' .. string.rep("[", deep) .. string.rep("]", deep) .. "}")
    refused(core.decode, '{"a":' .. string.rep("[", 1000) .. string.rep("]", 1000) .. "}")
  end)

  it("nesting up to cJSON's limit converts and prints", function()
    local depth = 999
    local obj = accepted(core.decode, '{"a":' .. string.rep("[", depth) .. string.rep("]", depth) .. "}")
    local t, n = obj.a, 1
    while t[1] do t, n = t[1], n + 1 end
    assert.are.equal(depth, n)
    assert.are.equal('{"a":' .. string.rep("[", depth) .. string.rep("]", depth) .. "}", obj:json())
  end)

  it("invalid UTF-8 passes through unchanged", function()
    local bytes = "\255\254\192\128\237\160\128\195"
    local obj = accepted(core.decode, '{"id":"' .. bytes .. '","status":"failed","error":"' .. bytes .. '"}', "signal")
    assert.are.equal(bytes, obj.id)
    assert.are.equal(bytes, obj:failure().message)
    assert.are.equal(bytes, obj:totable().id)
    assert.is_truthy(obj:json():find(bytes, 1, true))
    local key = accepted(core.decode, '{"' .. bytes .. '":1}')
    assert.are.equal(1, key[bytes])
    -- escapes decode to UTF-8, lone surrogates are refused
    assert.are.equal("é€😀", accepted(core.decode, '{"s":"\\u00e9\\u20ac\\ud83d\\ude00"}').s)
    refused(core.decode, '{"s":"\\ud83d"}')
  end)

  it("NUL bytes never crash", function()
    check(core.decode, '{"a":"x\0y"}')
    check(core.decode, '{"a\0b":1}')
    check(core.decode, '\0{"a":1}')
    check(core.decode, '{"a":1,\0"b":2}')
    check(core.decode, string.rep("\0", 100))
    local obj = accepted(core.decode, '{"a":"x\\u0000y","b":2}')
    assert.are.equal(2, obj.b)
    assert.are.equal("string", type(obj.a))
    assert.is_nil(obj["a\0"])
  end)

  it("numbers out of range become floats, exact integers stay integers", function()
    local obj = accepted(core.decode,
      '{"big":1e400,"small":-1e400,"long":123456789012345678901234567890,"tiny":1e-400,'
      .. '"max":9007199254740992,"over":9007199254740994,"neg":-9007199254740992,'
      .. '"exp":1e2,"frac":1.5,"zero":-0,"int64":9223372036854775807}')
    assert.are.equal(math.huge, obj.big)
    assert.are.equal(-math.huge, obj.small)
    assert.are.equal(1.2345678901234568e29, obj.long)
    assert.are.equal(0, obj.tiny)
    assert.are.equal(9007199254740992, obj.max)
    assert.are.equal(-9007199254740992, obj.neg)
    assert.are.equal(9007199254740994, obj.over)
    assert.are.equal(100, obj.exp)
    assert.are.equal(1.5, obj.frac)
    assert.are.equal(0, obj.zero)
    assert.are.equal(9223372036854775807.0, obj.int64)
    if math.type then
      assert.are.equal("float", math.type(obj.big))
      assert.are.equal("float", math.type(obj.long))
      assert.are.equal("integer", math.type(obj.max))
      assert.are.equal("integer", math.type(obj.neg))
      assert.are.equal("float", math.type(obj.over))
      assert.are.equal("integer", math.type(obj.exp))
      assert.are.equal("float", math.type(obj.int64))
    end
    -- the JSON text of a non-finite number is null (cJSON prints it so)
    assert.are.equal(null, accepted(core.decode, obj:json()).big)
    exercise(obj)
    -- a page whose numbers are out of range still answers
    local p = accepted(core.decode_page, '{"items":[{}],"total":1e400,"offset":-1e400,"limit":1e400}')
    assert.is_true(p.has_more)
    assert.are.equal(math.huge, p.total)
  end)

  it("of duplicate keys the first wins, everywhere", function()
    local obj = accepted(core.decode, '{"id":"first","id":"second","n":{"k":1,"k":2}}', "signal")
    assert.are.equal("first", obj.id)
    assert.are.equal(1, obj.n.k)
    assert.are.same({ id = "first", n = { k = 1 } }, obj:totable())
    local p = accepted(core.decode_page, '{"items":[{"id":1}],"items":[{"id":2},{"id":3}],"total":9,"total":1}')
    assert.are.equal(1, #p)
    assert.are.equal(9, p.total)
    assert.is_true(p.has_more)
    local answer = accepted(core.decode,
      '{"answer":{"type":"number","type":"boolean","number":{"value":1,"value":2}}}', "signal")
    assert.are.equal(1, answer:value())
  end)

  it("a body given with embedded NULs is read to its full length", function()
    refused(core.decode, '{"a":1}\0\0\0')
    local p = accepted(core.decode_page, '[1,2,3]   ')
    assert.are.equal(3, #p)
  end)
end)

describe("decode lifetimes under stress", function()
  local function rss_kib()
    local f = io.open("/proc/self/status")
    if not f then return nil end
    local status = f:read("*a")
    f:close()
    return tonumber(status:match("VmRSS:%s*(%d+)"))
  end

  it("20000 decodes leave memory where it was", function()
    local bodies = {
      { core.decode, helper.fixture("company_signal_completed_open_text.json"), "signal" },
      { core.decode_page, helper.fixture("company_signals_list_page.json"), "signal" },
      { core.decode_page, helper.fixture("contact_search_result.json"), "contact" },
      { core.decode, helper.fixture("contact_research_failed.json"), "contact_research" },
      { core.decode, "[1, 2, 3]", "object" },
      { core.decode, "not json", "object" },
    }
    local kept = {}
    local function round(n)
      for i = 1, n do
        local b = bodies[i % #bodies + 1]
        local v = b[1](b[2], b[3])
        if core.kind(v) == "page" then
          local item = v.items[1]
          if i % 3 == 0 then v = item end -- keep an item, drop its page
        elseif core.kind(v) == "signal" and i % 2 == 0 then
          local _ = v.sources, v:value(), v:failure(), tostring(v)
        end
        kept[i % 50 + 1] = v -- a few survive a while, then are dropped
        if i % 1000 == 0 then collectgarbage() end
      end
      kept = {}
      collectgarbage()
      collectgarbage()
    end
    round(helper.sample(2000))
    local lua_before, rss_before = collectgarbage("count"), rss_kib()
    round(helper.sample(20000))
    local lua_after, rss_after = collectgarbage("count"), rss_kib()
    assert.is_true(lua_after < lua_before + 64, ("Lua heap grew from %.0f to %.0f KiB"):format(lua_before, lua_after))
    -- the trees are outside Lua's heap: were they freed? (not under valgrind
    -- or a sanitizer, whose own bookkeeping grows the process)
    if rss_before and helper.rss_meaningful() then
      assert.is_true(rss_after < rss_before + 4096, ("RSS grew from %d to %d KiB"):format(rss_before, rss_after))
    end
  end)
end)

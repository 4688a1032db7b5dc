-- Decoded objects, pages and error objects of signals.core, against the
-- fixtures: field access by the API's names, answers, failures, tostring,
-- kinds, every page envelope style, lifetimes. dkjson (through
-- helper.fixture_table) is the independent decoder the results are compared
-- with, so that a bug in the core cannot vouch for itself.
local core = require("signals.core")
local helper = require("helper")

local null = core.null

-- dkjson marks null with its own sentinel; the core uses core.null.
local function with_core_null(v)
  if v == helper.json.null then return null end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = with_core_null(x) end
  return t
end

local function expected(name)
  return with_core_null(helper.fixture_table(name))
end

local function fixture_names()
  local names = {}
  local ls = assert(io.popen("ls spec/fixtures"))
  for name in ls:lines() do
    if name:match("%.json$") then names[#names + 1] = name end
  end
  ls:close()
  table.sort(names)
  return names
end

-- Item kind of each page fixture (decode_page); every other fixture is a
-- single object, of the kind listed here or else "object".
local PAGES = {
  ["company_signals_list_page.json"] = "signal",
  ["contact_signals_list_page.json"] = "signal",
  ["subscription_logs_page.json"] = "signal",
  ["signal_summaries_page.json"] = "object",
  ["signal_templates_page.json"] = "object",
  ["subscriptions_list_page.json"] = "object",
  ["subscription_actions_page.json"] = "object",
  ["contact_lists_page.json"] = "object",
  ["contact_list_contacts_page.json"] = "contact",
  ["contact_search_result.json"] = "contact",
  ["market_signals_page.json"] = "object",
}

local KINDS = {
  ["contact_research_completed.json"] = "contact_research",
  ["contact_research_failed.json"] = "contact_research",
  ["contact_signal_completed.json"] = "signal",
}
for _, name in ipairs(fixture_names()) do
  if name:match("^company_signal_completed_") or name:match("^company_signal_failed_")
      or name == "company_signal_processing.json" then
    KINDS[name] = "signal"
  end
end

local function decode_fixture(name)
  if PAGES[name] then
    return assert(core.decode_page(helper.fixture(name), PAGES[name]))
  end
  return assert(core.decode(helper.fixture(name), KINDS[name] or "object"))
end

local function signal(name)
  return assert(core.decode(helper.fixture(name), "signal"))
end

local function one_line(s)
  assert.are.equal("string", type(s))
  assert.is_nil(s:find("[\r\n]"), "tostring is one line: " .. s)
  assert.is_true(#s > 0)
end

describe("signals.core decode: every fixture", function()
  for _, name in ipairs(fixture_names()) do
    it(name .. " decodes, converts and prints", function()
      local obj = decode_fixture(name)
      local kind = PAGES[name] and "page" or KINDS[name] or "object"
      assert.are.equal("userdata", type(obj))
      assert.are.equal(kind, core.kind(obj))
      local want = expected(name)
      assert.are.same(want, obj:totable())
      -- totable is a fresh deep copy each time
      assert.are_not.equal(obj:totable(), obj:totable())
      -- json() is this object's JSON text: decoding it gives the same data
      local text = obj:json()
      assert.are.equal("string", type(text))
      assert.are.same(want, with_core_null(helper.json.decode(text, 1, helper.json.null)))
      local again = PAGES[name] and core.decode_page(text, PAGES[name]) or core.decode(text, kind)
      assert.are.same(want, again:totable())
      one_line(tostring(obj))
      assert.are.equal(kind, tostring(obj):match("^[%a_]+"))
      -- every top-level field reads back by its API name
      if not PAGES[name] then
        for key, value in pairs(want) do
          assert.are.same(value, obj[key], key)
        end
      end
    end)
  end
end)

describe("signals.core objects", function()
  it("read fields by the API's names", function()
    local sig = signal("company_signal_completed_boolean.json")
    assert.are.equal("7a2b9c10-1d2e-4f3a-8b4c-5d6e7f8a9b0c", sig.id)
    assert.are.equal("completed", sig.status)
    assert.are.equal("acme.com", sig.domain)
    assert.are.equal("boolean", sig.answerType)
    assert.are.equal("2026-06-20T09:14:03Z", sig.createdAt)
    assert.are.equal("2026-06-20T09:14:41Z", sig.completedAt)
    assert.are.equal(0.88, sig.confidence)
    assert.are.equal("string", type(sig.reasoning))
  end)

  it("give nil for absent fields and for keys that cannot be API names", function()
    local sig = signal("company_signal_completed_boolean.json")
    assert.is_nil(sig.errorCode)
    assert.is_nil(sig.retryable)
    assert.is_nil(sig.nonexistent)
    assert.is_nil(sig.ID)       -- names are case sensitive
    assert.is_nil(sig[1])
    assert.is_nil(sig[true])
    assert.is_nil(sig["id\0x"])
  end)

  it("give signals null for JSON null", function()
    local find = assert(core.decode(helper.fixture("find_email_not_found.json")))
    assert.are.equal(null, find.email)
    assert.are.equal(null, find.verification)
    local page = assert(core.decode_page(helper.fixture("market_signals_page.json")))
    assert.are.equal(null, page.items[1].externalSignalId)
    local templates = assert(core.decode_page(helper.fixture("signal_templates_page.json")))
    assert.are.equal(null, templates.items[1].deletedAt)
    local subs = assert(core.decode_page(helper.fixture("subscriptions_list_page.json")))
    assert.are.equal(null, subs.items[1].outputSchema)
    -- nulls inside nested tables too
    local obj = assert(core.decode('{"a":{"b":null,"c":[null,1]}}'))
    assert.are.equal(null, obj.a.b)
    assert.are.equal(null, obj.a.c[1])
    assert.are.equal(1, obj.a.c[2])
    assert.are.equal(2, #obj.a.c)
  end)

  it("give nested objects and arrays as plain tables, the same table on each read", function()
    local sig = signal("company_signal_completed_open_text.json")
    assert.are.equal("table", type(sig.sources))
    assert.is_nil(getmetatable(sig.sources))
    assert.are.equal(2, #sig.sources)
    assert.are.equal("https://www.acme.com/about", sig.sources[1].url)
    assert.are.equal("About Acme", sig.sources[1].title)
    assert.is_nil(sig.sources[2].snippet)
    assert.are.equal(sig.sources, sig.sources)
    assert.are.same({ type = "open_text", openText = {
      value = "A route-optimisation and freight-tracking platform for third-party logistics providers." } },
      sig.answer)
    local research = assert(core.decode(helper.fixture("contact_research_completed.json"), "contact_research"))
    assert.are.same({ "supply-chain automation", "AI in logistics" }, research.result.interests)
    assert.are.equal("VP Operations", research.result.currentRole.title)
    -- empty objects and arrays are empty tables; free-form JSON passes through
    local templates = assert(core.decode_page(helper.fixture("signal_templates_page.json")))
    assert.are.same({}, templates.items[1].outputSchema)
    assert.are.same({}, templates.items[1].qualificationCriteria)
    assert.are.same({ x = {}, y = { {} } }, core.decode('{"x":[],"y":[{}]}'):totable())
  end)

  it("convert numbers: integers as integers, fractions as floats", function()
    local sig = signal("company_signal_completed_number.json")
    assert.are.equal(312, sig:value())
    assert.are.equal(0.81, sig.confidence)
    if math.type then
      assert.are.equal("integer", math.type(sig:value()))
      assert.are.equal("float", math.type(sig.confidence))
    end
  end)

  it("let methods take precedence over fields of the same name", function()
    local sig = assert(core.decode('{"id":"x","json":1,"value":2,"totable":3,"failure":4}', "signal"))
    assert.are.equal("function", type(sig.json))
    assert.are.equal("function", type(sig.value))
    assert.are.equal("function", type(sig.totable))
    assert.are.equal("function", type(sig.failure))
    assert.are.equal(2, sig:totable().value)
    -- only signals have value; only signals and research have failure
    local research = assert(core.decode('{"value":2,"failure":4}', "contact_research"))
    assert.are.equal(2, research.value)
    assert.are.equal("function", type(research.failure))
    local contact = assert(core.decode('{"value":2,"failure":4}', "contact"))
    assert.are.equal(2, contact.value)
    assert.are.equal(4, contact.failure)
    local obj = assert(core.decode('{"value":2,"failure":4}', "object"))
    assert.are.equal(2, obj.value)
    assert.are.equal(4, obj.failure)
  end)

  it("are read-only", function()
    local sig = signal("company_signal_processing.json")
    assert.has_error(function() sig.status = "completed" end)
    assert.are.equal("processing", sig.status)
  end)

  it("decode a top-level array into a Lua array of objects and plain values", function()
    local list = assert(core.decode('[{"id":"a"},{"id":"b"},1,"x",null,[2]]', "signal"))
    assert.are.equal("table", type(list))
    assert.are.equal(6, #list)
    assert.are.equal("signal", core.kind(list[1]))
    assert.are.equal("b", list[2].id)
    assert.are.equal(1, list[3])
    assert.are.equal("x", list[4])
    assert.are.equal(null, list[5])
    assert.are.same({ 2 }, list[6])
  end)

  it("default to kind object and refuse an unknown kind (a programming error)", function()
    assert.are.equal("object", core.kind(core.decode("{}")))
    assert.has_error(function() core.decode("{}", "sig") end)
    assert.has_error(function() core.decode_page("[]", "pages") end)
    assert.has_error(function() core.decode_page("[]", "object", "ten") end)
  end)
end)

describe("strings holding NUL bytes (\\u0000)", function()
  -- Lua strings hold NUL bytes: nothing received is cut at one.
  local body = '{"id":"s\\u0000\\u0000","status":"failed","question":"q\\u0000tail",'
    .. '"error":"bad\\u0000reason","errorCode":"E\\u0000","errorAction":"a\\u0000b",'
    .. '"a\\u0000b":1,"a":2,"nested":{"k\\u0000":["x\\u0000y",{"z":"\\u0000"}]},'
    .. '"answer":{"type":"open_text","openText":{"value":"v\\u0000w"}}}'

  it("reach fields, keys, nested tables and totable whole", function()
    local sig = assert(core.decode(body, "signal"))
    assert.are.equal("s\0\0", sig.id)
    assert.are.equal("q\0tail", sig.question)
    -- a key with a NUL is a key of its own, not "a"
    assert.are.equal(1, sig["a\0b"])
    assert.are.equal(2, sig.a)
    assert.is_nil(sig["a\0"])
    assert.are.same({ ["k\0"] = { "x\0y", { z = "\0" } } }, sig.nested)
    local t = sig:totable()
    assert.are.equal("q\0tail", t.question)
    assert.are.equal(1, t["a\0b"])
    assert.are.equal(2, t.a)
    assert.are.equal("x\0y", t.nested["k\0"][1])
    assert.are.equal("v\0w", sig:value())
  end)

  it("reach failure() whole", function()
    local err = assert(core.decode(body, "signal")):failure()
    assert.are.equal("bad\0reason", err.message)
    assert.are.equal("E\0", err.code)
    assert.are.equal("a\0b", err.action)
    -- tostring keeps to one line: the NUL becomes a space
    assert.are.equal("signal E : bad reason", tostring(err))
  end)

  it("reach page envelopes and items whole", function()
    local p = assert(core.decode_page('{"items":[{"id":"i\\u0000"}],"note":"n\\u0000",'
      .. '"x\\u0000y":true,"total":1}', "signal"))
    assert.are.equal("n\0", p.note)
    assert.is_true(p["x\0y"])
    assert.is_nil(p["items\0"])
    assert.are.equal("i\0", p.items[1].id)
    assert.are.equal("i\0", p:totable().items[1].id)
    -- a member of an object with more members than the index holds
    local many = { '"k\\u0000":"v\\u0000"' }
    for i = 1, 40 do many[#many + 1] = ('"k%d":%d'):format(i, i) end
    local big = assert(core.decode("{" .. table.concat(many, ",") .. "}"))
    assert.are.equal("v\0", big["k\0"])
    assert.are.equal(40, big.k40)
    assert.is_nil(big.k)
  end)

  it("are written back by :json() as \\u0000", function()
    local sig = assert(core.decode(body, "signal"))
    local text = sig:json()
    assert.is_truthy(text:find('"question":"q\\u0000tail"', 1, true), text)
    assert.is_truthy(text:find('"a\\u0000b":1', 1, true), text)
    assert.is_nil(text:find("\0", 1, true))
    assert.are.same(sig:totable(), assert(core.decode(text, "signal")):totable())
    assert.are.equal(text, assert(core.decode(text, "signal")):json())
    local p = assert(core.decode_page('[{"id":"i\\u0000"}]'))
    assert.are.equal('[{"id":"i\\u0000"}]', p:json())
  end)

  it("reach error details whole", function()
    local fields = core.classify_error(400,
      '{"error":{"code":"BAD","message":"m","details":{"k\\u0000":"v\\u0000w"}}}', "application/json")
    assert.are.same({ ["k\0"] = "v\0w" }, fields.details)
  end)
end)

describe("sig:value()", function()
  local cases = {
    { "company_signal_completed_boolean.json", true },
    { "company_signal_completed_number.json", 312 },
    { "company_signal_completed_list.json", { "HubSpot", "Outreach", "Gong" } },
    { "company_signal_completed_percentage.json", 35 },
    { "company_signal_completed_currency.json", "24000000" },
    { "company_signal_completed_url.json", "https://jobs.acme.com" },
    { "company_signal_completed_open_text.json",
      "A route-optimisation and freight-tracking platform for third-party logistics providers." },
    { "company_signal_completed_json_schema.json",
      { raised = true, stage = "Series B", amount = "$40M", date = "2026-03-02" } },
    { "contact_signal_completed.json", { "supply-chain automation", "AI in logistics", "hiring" } },
  }
  for _, case in ipairs(cases) do
    it("unwraps " .. case[1], function()
      local value = signal(case[1]):value()
      assert.are.same(case[2], value)
      if type(value) == "table" then assert.is_nil(getmetatable(value)) end
    end)
  end

  it("is nil while processing and when failed", function()
    assert.is_nil(signal("company_signal_processing.json"):value())
    assert.is_nil(signal("company_signal_failed_retryable.json"):value())
    assert.is_nil(signal("company_signal_failed_non_retryable.json"):value())
  end)

  it("is nil for a null answer or a null value", function()
    assert.is_nil(core.decode('{"answer":null}', "signal"):value())
    assert.is_nil(core.decode('{"answer":{"type":"number","number":{"value":null}}}', "signal"):value())
    assert.is_nil(core.decode('{"answer":{"type":"number","number":null}}', "signal"):value())
  end)

  it("camel-cases any snake_case type and keeps unknown shapes whole", function()
    local function value(answer)
      return core.decode('{"answer":' .. answer .. '}', "signal"):value()
    end
    assert.are.same({ 1, 2 }, value('{"type":"contacts_generation","contactsGeneration":{"value":[1,2]}}'))
    assert.are.same({ people = { "a" } }, value('{"type":"contacts","contacts":{"people":["a"]}}'))
    assert.are.same({ a = 1 }, value('{"type":"contact_posts","contact_posts":{"a":1}}'))
    -- the key is missing: the whole answer
    assert.are.same({ type = "mystery", other = { value = 1 } }, value('{"type":"mystery","other":{"value":1}}'))
    assert.are.same({ boolean = { value = true } }, value('{"boolean":{"value":true}}'))
    -- an inner value that is not wrapped
    assert.are.equal(true, value('{"type":"boolean","boolean":true}'))
    -- a non-object answer is itself
    assert.are.equal("yes", value('"yes"'))
  end)

  it("does not unwrap a json_schema answer that has a member called value", function()
    local sig = core.decode('{"answer":{"type":"json_schema","jsonSchema":{"value":5,"unit":"m"}}}', "signal")
    assert.are.same({ value = 5, unit = "m" }, sig:value())
  end)
end)

describe("failure()", function()
  it("describes a retryable failed signal", function()
    local sig = signal("company_signal_failed_retryable.json")
    local err = sig:failure()
    assert.are.equal("userdata", type(err))
    assert.are.equal("error", core.kind(err))
    assert.are.equal("signal", err.kind)
    assert.are.equal("INTERNAL_ERROR", err.code)
    assert.are.equal("The research step timed out while fetching sources. Retrying may succeed.", err.message)
    assert.is_true(err.retryable)
    assert.are.equal(sig, err.signal)
    assert.is_nil(err.status)
    assert.are.equal("signal INTERNAL_ERROR: The research step timed out while fetching sources. Retrying may succeed.",
      tostring(err))
  end)

  it("describes a non-retryable failed signal", function()
    local sig = signal("company_signal_failed_non_retryable.json")
    local err = sig:failure()
    assert.are.equal("signal", err.kind)
    assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", err.code)
    assert.are.equal("LinkedIn data is temporarily unavailable because of upstream rate limits.", err.message)
    assert.is_false(err.retryable)
    assert.are.equal(sig, err.signal)
  end)

  it("describes a failed contact research", function()
    local research = assert(core.decode(helper.fixture("contact_research_failed.json"), "contact_research"))
    local err = research:failure()
    assert.are.equal("signal", err.kind)
    assert.are.equal("CONTACT_NOT_FOUND", err.code)
    assert.are.equal("No matching public profile could be found for this contact.", err.message)
    assert.is_false(err.retryable)
    assert.are.equal(research, err.signal)
    local ok = assert(core.decode('{"status":"failed","retryable":true}', "contact_research"))
    assert.is_true(ok:failure().retryable)
    assert.are.equal("contact research failed", ok:failure().message)
  end)

  it("is nil unless the status is failed", function()
    assert.is_nil(signal("company_signal_completed_boolean.json"):failure())
    assert.is_nil(signal("company_signal_processing.json"):failure())
    assert.is_nil(core.decode(helper.fixture("contact_research_completed.json"), "contact_research"):failure())
    assert.is_nil(core.decode('{"error":"x"}', "signal"):failure())
  end)

  it("carries the signal's errorAction as action", function()
    local sig = core.decode('{"id":"s1","status":"failed","error":"LinkedIn is rate limiting",'
      .. '"errorCode":"LINKEDIN_RATE_LIMIT_EXCEEDED","errorAction":"Retry in an hour",'
      .. '"retryable":false}', "signal")
    local err = sig:failure()
    assert.are.equal("Retry in an hour", err.action)
    assert.are.equal("Retry in an hour", err:totable().action)
    local research = core.decode('{"status":"failed","errorAction":"Check the LinkedIn URL"}',
      "contact_research")
    assert.are.equal("Check the LinkedIn URL", research:failure().action)
    -- absent, or not a string: no action
    assert.is_nil(signal("company_signal_failed_retryable.json"):failure().action)
    assert.is_nil(core.decode('{"status":"failed","errorAction":7}', "signal"):failure().action)
  end)

  it("fills in what a failed signal leaves out", function()
    local err = core.decode('{"status":"failed","error":""}', "signal"):failure()
    assert.are.equal("signal failed", err.message)
    assert.is_nil(err.code)
    assert.is_false(err.retryable)
    -- only a JSON true is retryable
    assert.is_false(core.decode('{"status":"failed","retryable":"yes"}', "signal"):failure().retryable)
  end)
end)

describe("tostring of objects", function()
  it("prints a signal's id, status and answer or error code", function()
    assert.are.equal("signal 7a2b9c10-1d2e-4f3a-8b4c-5d6e7f8a9b0c completed boolean: true",
      tostring(signal("company_signal_completed_boolean.json")))
    assert.are.equal("signal 0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b completed number: 312",
      tostring(signal("company_signal_completed_number.json")))
    assert.are.equal("signal 9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a failed INTERNAL_ERROR",
      tostring(signal("company_signal_failed_retryable.json")))
    assert.are.equal("signal 5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c processing",
      tostring(signal("company_signal_processing.json")))
    assert.are.equal("signal x completed number: null",
      tostring(core.decode('{"id":"x","status":"completed","answerType":"number","answer":null}', "signal")))
  end)

  it("clips long answers and keeps to one line whatever the API sends", function()
    local long = signal("company_signal_completed_open_text.json")
    assert.is_true(#tostring(long) < 140)
    assert.is_truthy(tostring(long):find("...", 1, true))
    local odd = core.decode('{"id":"a\\nb\\r\\tc","status":"completed","answer":{"type":"open_text","openText":{"value":"x"}}}',
      "signal")
    one_line(tostring(odd))
    assert.are.equal('signal a b  c completed "x"', tostring(odd))
    -- a clip never splits a UTF-8 character
    local utf = core.decode('{"id":"' .. string.rep("é", 40) .. '"}', "signal")
    if utf8 then assert.is_truthy(utf8.len(tostring(utf))) end
  end)

  it("prints research, contacts and other objects", function()
    assert.are.equal("contact_research 8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d completed",
      tostring(core.decode(helper.fixture("contact_research_completed.json"), "contact_research")))
    assert.are.equal("contact_research 1e2d3c4b-5a69-4788-9766-554433221100 failed CONTACT_NOT_FOUND",
      tostring(core.decode(helper.fixture("contact_research_failed.json"), "contact_research")))
    local contacts = core.decode_page(helper.fixture("contact_search_result.json"), "contact")
    assert.are.equal("contact Jane Example", tostring(contacts.items[1]))
    assert.are.equal("contact Ann Lee", tostring(core.decode('{"firstName":"Ann","lastName":"Lee"}', "contact")))
    assert.are.equal("object {id=ms_01}",
      tostring(core.decode_page(helper.fixture("market_signals_page.json")).items[1]))
    assert.are.equal("object {remainingCredits}", tostring(core.decode(helper.fixture("credits.json"))))
    assert.are.equal("object {a, b, c, ...}", tostring(core.decode('{"a":1,"b":2,"c":3,"d":4}')))
    assert.are.equal("object {}", tostring(core.decode("{}")))
    assert.are.equal("contact {}", tostring(core.decode("{}", "contact")))
  end)
end)

describe("every method and metamethod, called with a foreign self", function()
  -- debug.getmetatable gets past __metatable: each function found in a
  -- metatable or a method table must refuse a self not of its class with
  -- an error, never crash or act on it.
  local getuservalue = debug.getuservalue or debug.getfenv

  local function instances()
    local sig = assert(core.decode(helper.fixture("company_signal_failed_retryable.json"), "signal"))
    return {
      signal = sig,
      contact_research = assert(core.decode('{"status":"failed"}', "contact_research")),
      contact = assert(core.decode('{"fullName":"A"}', "contact")),
      object = assert(core.decode('{"id":"o"}')),
      page = assert(core.decode_page('{"items":[{"id":"i"}],"total":1}')),
      error = sig:failure(),
      http = core.http(),
      multi = core.multi(),
      -- what keeps a parsed document, and the state's spare memory
      doc = getuservalue(sig)[1],
      spare = debug.getregistry()["signals.spare"],
    }
  end
  local CLASS = { signal = "object", contact_research = "object", contact = "object" }
  local METHODS = {
    signal = { "totable", "json", "value", "failure" },
    contact_research = { "totable", "json", "failure" },
    contact = { "totable", "json" },
    object = { "totable", "json" },
    page = { "totable", "json" },
    error = { "totable" },
    http = { "request", "fetch", "close" },
    multi = { "submit", "poll", "cancel", "close" },
  }

  -- name -> function for every function of value's class.
  local function functions_of(name, value)
    local found, mt = {}, debug.getmetatable(value)
    assert.is_table(mt, name)
    for key, f in pairs(mt) do
      if type(f) == "function" then found[key] = f end
    end
    for _, method in ipairs(METHODS[name] or {}) do
      local f = type(mt.__index) == "table" and mt.__index[method] or value[method]
      assert.is_function(f, name .. ":" .. method)
      found[method] = f
    end
    return found
  end

  it("raises an error for each, whatever the self", function()
    local all = instances()
    local calls = 0
    for name, value in pairs(all) do
      local class = CLASS[name] or name
      local foreign = { 42, "signal", {}, true, io.stdout, null, print, coroutine.create(function() end) }
      for other, v in pairs(all) do
        if (CLASS[other] or other) ~= class then foreign[#foreign + 1] = v end
      end
      for fname, f in pairs(functions_of(name, value)) do
        for _, self in ipairs(foreign) do
          local ok, err = pcall(f, self, "id", 1)
          assert(not ok, ("%s %s accepted a %s"):format(name, fname, tostring(self)))
          assert.is_truthy(tostring(err):find("expected", 1, true), tostring(err))
          calls = calls + 1
        end
        assert.is_false(pcall(f), name .. " " .. fname .. " without a self")
      end
    end
    assert.is_true(calls > 300, tostring(calls))
    -- and each still works with its own self
    assert.are.equal("9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a", debug.getmetatable(all.signal).__index(all.signal, "id"))
    assert.are.equal(1, debug.getmetatable(all.page).__len(all.page))
    assert.are.equal("signal", debug.getmetatable(all.error).__index(all.error, "kind"))
    assert.are.equal("signals.http (open)", debug.getmetatable(all.http).__tostring(all.http))
    assert.is_string(all.signal:json())
    all.http:close()
    all.multi:close()
  end)
end)

describe("core.kind", function()
  it("names every type and nothing else", function()
    assert.are.equal("signal", core.kind(signal("company_signal_processing.json")))
    assert.are.equal("contact_research", core.kind(core.decode("{}", "contact_research")))
    assert.are.equal("contact", core.kind(core.decode("{}", "contact")))
    assert.are.equal("object", core.kind(core.decode("{}", "object")))
    assert.are.equal("page", core.kind(core.decode_page("[]")))
    assert.are.equal("error", core.kind(core.error({ kind = "network", message = "x" })))
    assert.is_nil(core.kind({}))
    assert.is_nil(core.kind(setmetatable({}, { __name = "signals.object" })))
    assert.is_nil(core.kind(nil))
    assert.is_nil(core.kind())
    assert.is_nil(core.kind("signal"))
    assert.is_nil(core.kind(1))
    assert.is_nil(core.kind(null))
    assert.is_nil(core.kind(io.stdout))
  end)
end)

describe("pages", function()
  local function page(name, kind, limit, offset)
    return assert(core.decode_page(helper.fixture(name), kind, limit, offset))
  end

  it("style A: results, total, limit, offset, count", function()
    local p = page("company_signals_list_page.json", "signal")
    assert.are.equal(3, #p)
    assert.are.equal(57, p.total)
    assert.are.equal(3, p.limit)
    assert.are.equal(0, p.offset)
    assert.are.equal(3, p.count)
    assert.is_true(p.has_more)
    assert.are.equal("table", type(p.items))
    assert.are.equal(p.items, p.items)
    local ids = {}
    for i, sig in ipairs(p.items) do
      assert.are.equal("signal", core.kind(sig))
      ids[i] = sig.id
    end
    assert.are.same({ "3f1c2a9e-8b7d-4e21-9c55-0a1b2c3d4e5f", "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
      "2d3e4f5a-6b7c-4d8e-9f01-a2b3c4d5e6f7" }, ids)
    assert.are.equal("A route-optimisation and freight-tracking platform for third-party logistics providers.",
      p.items[1]:value())
    assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", p.items[3]:failure().code)
    assert.are.equal("page 3 of 57 (offset 0)", tostring(p))
    -- the envelope's own fields by name, as plain data
    assert.are.equal("table", type(p.results))
    assert.are.equal("company", p.results[1].signalType)
    assert.is_nil(p.hasMore)
    assert.is_nil(p.nonexistent)
    assert.are.equal(false, page("contact_signals_list_page.json", "signal").has_more)
    assert.is_true(page("subscription_logs_page.json", "signal").has_more)
  end)

  it("style B: items, hasMore, and other envelope fields", function()
    local p = page("signal_templates_page.json", "object")
    assert.are.equal(1, #p)
    assert.are.equal(1, p.total)
    assert.are.equal(20, p.limit)
    assert.are.equal(0, p.offset)
    assert.are.equal(1, p.count)
    assert.is_false(p.has_more)
    assert.is_false(p.hasMore)
    assert.are.equal("CRM detection", p.items[1].name)
    assert.are.equal("page 1 of 1 (offset 0)", tostring(p))

    local contacts = page("contact_search_result.json", "contact")
    assert.are.equal(2, #contacts)
    assert.is_true(contacts.has_more)
    assert.is_true(contacts.salesNavConnected)
    assert.are.equal(14, contacts.total)
    assert.are.equal("contact", core.kind(contacts.items[2]))
    assert.are.equal("Omar Sample", contacts.items[2].fullName)
    assert.are.same({ "Director" }, contacts.items[2].seniority)
    -- hasMore decides even where total would say otherwise
    local said = assert(core.decode_page('{"items":[{}],"total":1,"offset":0,"hasMore":true}'))
    assert.is_true(said.has_more)
    assert.is_true(page("contact_list_contacts_page.json", "contact").has_more)
  end)

  it("style C: items without hasMore", function()
    local p = page("market_signals_page.json")
    assert.are.equal(1, #p)
    assert.are.equal(1, p.total)
    assert.is_false(p.has_more)
    assert.are.equal(1, p.count)
    assert.are.equal(0.91, p.items[1].confidenceScore)
    local more = assert(core.decode_page('{"items":[{},{}],"total":5,"limit":2,"offset":2}'))
    assert.is_true(more.has_more)
    local last = assert(core.decode_page('{"items":[{}],"total":5,"limit":2,"offset":4}'))
    assert.is_false(last.has_more)
  end)

  it("style D: a bare array", function()
    local p = assert(core.decode_page('[{"id":"p1"},{"id":"p2"}]', "object"))
    assert.are.equal(2, #p)
    assert.are.equal(2, p.count)
    assert.is_nil(p.total)
    assert.is_nil(p.limit)
    assert.is_nil(p.offset)
    assert.is_false(p.has_more)
    assert.are.equal("p2", p.items[2].id)
    assert.are.equal("page 2", tostring(p))
    assert.are.same({ { id = "p1" }, { id = "p2" } }, p:totable())
    assert.are.equal('[{"id":"p1"},{"id":"p2"}]', p:json())
    -- with the request's limit: a full page may have more
    assert.is_true(core.decode_page('[{},{}]', "object", 2).has_more)
    assert.is_false(core.decode_page('[{},{}]', "object", 3).has_more)
    assert.is_false(core.decode_page('[]', "object", 2).has_more)
    local scored = core.decode_page('[1,"x",null]', "object", 10, 0)
    assert.are.same({ 1, "x", null }, scored.items)
    assert.are.equal(10, scored.limit)
    assert.are.equal(0, scored.offset)
    assert.are.equal("page 3 (offset 0)", tostring(scored))
  end)

  it("use the request's limit and offset where the envelope has none", function()
    local p = assert(core.decode_page('{"items":[{},{}],"total":30}', "object", 2, 20))
    assert.are.equal(2, p.limit)
    assert.are.equal(20, p.offset)
    assert.is_true(p.has_more)
    assert.are.equal("page 2 of 30 (offset 20)", tostring(p))
    local envelope = assert(core.decode_page('{"items":[],"total":30,"limit":5,"offset":0}', "object", 2, 20))
    assert.are.equal(5, envelope.limit)
    assert.are.equal(0, envelope.offset)
    assert.is_true(envelope.has_more)
    -- no total, no hasMore: full pages may have more, empty ones never
    assert.is_true(core.decode_page('{"items":[{}]}', "object", 1).has_more)
    assert.is_false(core.decode_page('{"items":[{}]}').has_more)
    assert.is_false(core.decode_page('{"results":[]}', "object", 1).has_more)
    assert.is_nil(core.decode_page('{"results":[]}').total)
  end)

  it("are refused for bodies that are not pages", function()
    for _, body in ipairs { '{"id":"x"}', '{"items":null}', '{"results":{}}', '"x"', '1', 'null' } do
      local p, err = core.decode_page(body, "object")
      assert.is_nil(p, body)
      assert.are.equal("string", type(err))
    end
  end)

  it("work with ipairs, #, totable and json", function()
    local p = page("subscription_logs_page.json", "signal")
    local n = 0
    for i, sig in ipairs(p.items) do
      n = i
      assert.are.equal("signal", core.kind(sig))
    end
    assert.are.equal(3, n)
    assert.are.equal(#p, #p.items)
    assert.are.same(expected("subscription_logs_page.json"), p:totable())
    assert.are.same(expected("subscription_logs_page.json"),
      with_core_null(helper.json.decode(p:json(), 1, helper.json.null)))
    assert.are.equal("function", type(p.totable))
  end)

  it("let the batch response with results stay a plain object", function()
    local batch = assert(core.decode(helper.fixture("company_signal_batch_response_sync.json")))
    assert.are.equal("object", core.kind(batch))
    assert.are.equal(4, #batch.results)
    assert.are.equal("table", type(batch.results[1]))
  end)
end)

describe("lifetimes", function()
  it("objects outlive their page, the body and the collector", function()
    local items, second
    do
      local body = helper.fixture("company_signals_list_page.json")
      local p = core.decode_page(body, "signal")
      items = p.items
      second = core.decode_page(body, "signal").items[2]
    end
    collectgarbage()
    collectgarbage()
    assert.are.equal(3, #items)
    assert.are.equal("completed", items[1].status)
    assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", items[3]:failure().code)
    assert.are.equal("processing", second.status)
    items = nil -- luacheck: ignore 311 (dropped for the collector)
    collectgarbage()
    collectgarbage()
    assert.are.equal("Is Acme hiring data engineers?", second.question)
    assert.are.equal("signal 5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c processing", tostring(second))
  end)

  it("an object whose fields were never read survives collection", function()
    local sig = core.decode(helper.fixture("company_signal_completed_list.json"), "signal")
    collectgarbage()
    collectgarbage()
    assert.are.same({ "HubSpot", "Outreach", "Gong" }, sig:value())
    assert.are.equal("acme.com", sig.domain)
  end)

  it("a failure keeps its signal", function()
    local err = core.decode(helper.fixture("company_signal_failed_retryable.json"), "signal"):failure()
    collectgarbage()
    collectgarbage()
    assert.are.equal("9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a", err.signal.id)
  end)

  it("elements of a decoded array outlive the array", function()
    local one = core.decode('[{"id":"a"},{"id":"b"}]', "signal")[2]
    collectgarbage()
    collectgarbage()
    assert.are.equal("b", one.id)
  end)

  it("survive signals.core being loaded again, and so do the new ones", function()
    -- A test runner (busted) unloads modules between files: the C module is
    -- opened again in the same state while documents of the first are alive.
    local body = helper.fixture("company_signal_failed_retryable.json")
    local old = {
      sig = core.decode(body, "signal"),
      page = core.decode_page(helper.fixture("company_signals_list_page.json"), "signal"),
      err = core.error { kind = "network", message = "down" },
      http = core.http(),
    }
    local gone = setmetatable({}, { __mode = "v" })
    package.loaded["signals.core"] = nil
    local ok, again = pcall(require, "signals.core")
    package.loaded["signals.core"] = core -- the other specs keep theirs
    assert(ok, again)
    assert.are_not.equal(core, again)
    collectgarbage()
    collectgarbage()
    -- the old ones, through either module
    assert.are.equal("INTERNAL_ERROR", old.sig:failure().code)
    assert.are.equal("signal", again.kind(old.sig))
    assert.are.equal(3, #old.page.items)
    assert.are.equal("completed", old.page.items[1].status)
    assert.are.equal("page", again.kind(old.page))
    assert.are.equal("network: down", tostring(old.err))
    assert.are.equal("error", again.kind(old.err))
    assert.are.equal("signals.http (open)", tostring(old.http))
    -- new ones, usable by the old module too
    local sig = again.decode(body, "signal")
    assert.are.equal("signal", core.kind(sig))
    assert.are.equal(old.sig:json(), sig:json())
    assert.are.same(old.sig:totable(), sig:totable())
    assert.are.equal("page", core.kind(again.decode_page("[]")))
    assert.are.equal(again.VERSION, core.VERSION)
    -- everything of both goes with the collector
    old.http:close()
    gone[1], gone[2], gone[3], gone[4], gone[5] = old.sig, old.page, old.page.items[1], sig, again
    old, sig, again = nil, nil, nil -- luacheck: ignore 311 (dropped for the collector)
    collectgarbage()
    collectgarbage()
    assert.is_nil(next(gone))
  end)
end)

describe("core.error", function()
  local all = {
    kind = "http", status = 422, code = "VALIDATION_ERROR", type = "VALIDATION",
    message = "Validation failed", retryable = false, retry_after = 3,
    request_id = "req_8f2", fields = { { field = "domain", message = "must be a hostname" } },
    action = "Fix the domain", method = "POST", path = "/v1/companies/signals",
  }

  it("exposes every field of CONTRACT §5 by name", function()
    local sig = signal("company_signal_failed_retryable.json")
    local fields = {}
    for k, v in pairs(all) do fields[k] = v end
    fields.signal = sig
    local err = core.error(fields)
    assert.are.equal("userdata", type(err))
    assert.are.equal("error", core.kind(err))
    for k, v in pairs(all) do assert.are.same(v, err[k], k) end
    assert.are.equal(sig, err.signal)
    assert.is_nil(err.nonexistent)
    assert.is_nil(err[1])
  end)

  it("copies the table it is made from", function()
    local fields = { kind = "network", message = "connection refused", code = "COULDNT_CONNECT" }
    local err = core.error(fields)
    fields.message = "changed"
    fields.kind = "http"
    assert.are.equal("connection refused", err.message)
    assert.are.equal("network", err.kind)
    local t = err:totable()
    assert.are.same({ kind = "network", message = "connection refused", code = "COULDNT_CONNECT", retryable = false }, t)
    t.message = "mine"
    assert.are.equal("connection refused", err.message)
    assert.are_not.equal(err:totable(), err:totable())
    assert.has_error(function() err.message = "x" end)
  end)

  it("prints <kind>[ <status>][ <code>]: <message>[ (request <id>)] on one line", function()
    assert.are.equal("http 422 VALIDATION_ERROR: Validation failed (request req_8f2)", tostring(core.error(all)))
    assert.are.equal("network: connection refused",
      tostring(core.error { kind = "network", message = "connection refused" }))
    assert.are.equal("timeout TIMEOUT: took too long",
      tostring(core.error { kind = "timeout", code = "TIMEOUT", message = "took too long" }))
    assert.are.equal("http 429: Rate limit exceeded",
      tostring(core.error { kind = "http", status = 429.0, message = "Rate limit exceeded" }))
    assert.are.equal("http 502: Bad Gateway <html> <body> x",
      tostring(core.error { kind = "http", status = 502, message = "Bad Gateway\r\n<html>\n<body>\rx" }))
    assert.are.equal("decode: bad (request r 1)",
      tostring(core.error { kind = "decode", message = "bad", request_id = "r\n1" }))
  end)

  it("accepts exactly the kinds of CONTRACT §5", function()
    for _, kind in ipairs { "network", "timeout", "http", "decode", "invalid_request", "signal" } do
      assert.are.equal(kind, core.error({ kind = kind, message = "m" }).kind)
    end
    assert.has_error(function() core.error({ message = "m" }) end)
    assert.has_error(function() core.error({ kind = "HTTP", message = "m" }) end)
    assert.has_error(function() core.error({ kind = "other", message = "m" }) end)
    assert.has_error(function() core.error({ kind = 1, message = "m" }) end)
    assert.has_error(function() core.error({ kind = "http", message = {} }) end)
    assert.has_error(function() core.error("http") end)
    assert.has_error(function() core.error() end)
  end)

  it("never has an empty message", function()
    assert.are.equal("HTTP 503", core.error({ kind = "http", status = 503 }).message)
    assert.are.equal("HTTP 503", core.error({ kind = "http", status = 503, message = "" }).message)
    assert.are.equal("HTTP error", core.error({ kind = "http" }).message)
    assert.are.equal("network error", core.error({ kind = "network" }).message)
    assert.are.equal("request timed out", core.error({ kind = "timeout" }).message)
    assert.are.equal("could not decode the response", core.error({ kind = "decode" }).message)
    assert.are.equal("invalid request", core.error({ kind = "invalid_request" }).message)
    assert.are.equal("signal failed", core.error({ kind = "signal" }).message)
    assert.are.equal("404", core.error({ kind = "http", message = 404 }).message)
    assert.are.equal("http 503: HTTP 503", tostring(core.error({ kind = "http", status = 503 })))
  end)

  it("makes retryable a boolean, false by default", function()
    assert.is_false(core.error({ kind = "network" }).retryable)
    assert.is_true(core.error({ kind = "network", retryable = true }).retryable)
    assert.is_true(core.error({ kind = "network", retryable = 1 }).retryable)
    assert.is_false(core.error({ kind = "network", retryable = false }).retryable)
  end)
end)

-- core.encode / core.mark: Lua values to JSON text (INTERNALS.md).
-- Output is checked both as text and by decoding it with dkjson.
local helper = require("helper")
local core = require("signals.core")
local json = helper.json

local function decode(text)
  local value, _, err = json.decode(text, 1, json.null)
  assert(err == nil, "dkjson could not decode: " .. tostring(err) .. " in " .. tostring(text))
  return value
end

-- Deep equality where core.null and dkjson's null both stand for null.
local function same(a, b)
  if (a == core.null or a == json.null) and (b == core.null or b == json.null) then return true end
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function round_trip(value)
  local text, err = core.encode(value)
  assert.is_nil(err)
  assert.is_string(text)
  assert.is_true(same(value, decode(text)), "round trip changed " .. text)
  return text
end

local function refused(value, pattern)
  local text, err = core.encode(value)
  assert.is_nil(text)
  assert.is_string(err)
  if pattern then assert.matches(pattern, err) end
  return err
end

describe("core.encode", function()
  describe("scalars", function()
    it("encodes booleans, null and nil", function()
      assert.equals("true", core.encode(true))
      assert.equals("false", core.encode(false))
      assert.equals("null", core.encode(core.null))
      assert.equals("null", core.encode(nil))
      assert.equals("[null,true]", core.encode({ core.null, true }))
    end)

    it("writes integers without a fraction", function()
      assert.equals("0", core.encode(0))
      assert.equals("-17", core.encode(-17))
      assert.equals("1700000000000", core.encode(1700000000000))
      assert.equals("9007199254740992", core.encode(2 ^ 53))
    end)

    if math.type then -- Lua 5.3+: 64-bit integers
      it("writes every 64-bit integer exactly", function()
        assert.equals("9007199254740993", core.encode(9007199254740993))
        assert.equals("-9223372036854775808", core.encode(math.mininteger))
        assert.equals("9223372036854775807", core.encode(math.maxinteger))
      end)
    end

    it("writes whole floats as integers (strict integer fields refuse 5.0)", function()
      assert.equals("5", core.encode(10 / 2))
      assert.equals("-3", core.encode(-3.0))
    end)

    it("writes floats that read back as the same double", function()
      for _, x in ipairs({ 0.1, 1 / 3, -2.5e-8, 1e300, 123456.789, 2 ^ 60, 5e-324, 1.7976931348623157e308 }) do
        local text = core.encode(x)
        assert.equals(x, tonumber(text), text)
        assert.equals(x, decode(text))
      end
      assert.equals("0.1", core.encode(0.1))
      assert.equals("1e+300", core.encode(1e300))
    end)

    it("refuses NaN and infinity", function()
      refused(0 / 0, "NaN")
      refused(math.huge, "infinity")
      refused(-math.huge, "infinity")
      refused({ a = { 1, 0 / 0 } }, "NaN as JSON at %.a%[2%]")
    end)
  end)

  describe("strings", function()
    it("escapes quotes, backslashes and control characters", function()
      assert.equals([["a\"b\\c/d"]], core.encode('a"b\\c/d'))
      assert.equals([["\"\\"]], core.encode('"\\'))
      assert.equals([["\b\f\n\r\t"]], core.encode("\b\f\n\r\t"))
      assert.equals([["\u0000\u0001\u001f"]], core.encode("\0\1\31"))
      assert.equals('"\127"', core.encode("\127"))
      assert.equals('"/"', core.encode("/"))
    end)

    it("escapes every control character and round-trips all of them", function()
      local chars = {}
      for b = 0, 127 do chars[#chars + 1] = string.char(b) end
      local s = table.concat(chars)
      local text = core.encode(s)
      assert.is_nil(text:sub(2, -2):find("[%z\1-\31]"))
      assert.equals(s, decode(text))
    end)

    it("passes valid UTF-8 through unchanged", function()
      local s = "héllo — 日本語 😀"
      assert.equals('"' .. s .. '"', core.encode(s))
      round_trip({ s, [s] = nil })
      round_trip({ ["ключ"] = "значение" })
    end)

    it("refuses invalid UTF-8 (truncated, overlong, surrogate, out of range)", function()
      for _, bad in ipairs({ "\255", "\195", "abc\195", "\192\175", "\224\128\175",
                             "\237\160\128", "\244\144\128\128", "\248\136\128\128\128", "\128" }) do
        refused(bad, "UTF%-8")
      end
      refused({ ok = "x", ["\255"] = 1 }, "UTF%-8")
    end)

    it("keeps embedded NUL bytes", function()
      assert.equals([["a\u0000b"]], core.encode("a\0b"))
    end)
  end)

  describe("tables", function()
    it("encodes sequences 1..n as arrays", function()
      assert.equals("[1,2,3]", core.encode({ 1, 2, 3 }))
      assert.equals('[["a"],[]]', core.encode({ { "a" }, {} }))
      round_trip({ 1, "two", false, { 3 } })
    end)

    it("encodes string keys as objects", function()
      assert.equals('{"a":1}', core.encode({ a = 1 }))
      local t = { domain = "acme.com", question = "Hiring?", nested = { x = { y = { 1, 2 } } } }
      round_trip(t)
    end)

    it("is deterministic for the same table", function()
      local t = { a = 1, b = 2, c = 3, d = { e = 4 } }
      assert.equals(core.encode(t), core.encode(t))
    end)

    it("sends an empty table as []", function()
      assert.equals("[]", core.encode({}))
      assert.equals('{"status":[]}', core.encode({ status = {} }))
    end)

    it("honours marks", function()
      assert.equals("{}", core.encode(core.mark({}, "object")))
      assert.equals("[]", core.encode(core.mark({}, "array")))
      assert.equals('{"o":{}}', core.encode({ o = core.mark({}, "object") }))
      -- an object mark on a sequence: its keys become strings
      local text = core.encode(core.mark({ "a", "b" }, "object"))
      assert.is_true(same({ ["1"] = "a", ["2"] = "b" }, decode(text)))
      -- a later mark replaces the earlier one
      local t = core.mark({}, "object")
      core.mark(t, "array")
      assert.equals("[]", core.encode(t))
    end)

    it("refuses a table marked as array that is not a sequence", function()
      refused(core.mark({ a = 1 }, "array"), "marked as array")
      refused(core.mark({ [2] = 1 }, "array"), "marked as array")
    end)

    it("returns the table from mark and checks its arguments", function()
      local t = {}
      assert.equals(t, core.mark(t, "object"))
      assert.has_error(function() core.mark(t, "map") end)
      assert.has_error(function() core.mark("x", "object") end)
      assert.has_error(function() core.mark(t) end)
    end)

    it("does not keep marked tables alive", function()
      local weak = setmetatable({}, { __mode = "v" })
      weak[1] = core.mark({}, "object")
      collectgarbage()
      collectgarbage()
      assert.is_nil(weak[1])
    end)

    it("refuses mixed keys, sparse arrays and other key types", function()
      refused({ 1, 2, x = 3 }, "both string and integer keys")
      refused({ 1, nil, 3 }, "sparse")
      refused({ [0] = "a" }, "neither a string nor a positive integer")
      refused({ [-1] = "a" }, "neither")
      refused({ [1.5] = "a" }, "neither")
      refused({ [true] = "a" }, "neither")
      refused({ [{}] = "a" }, "neither")
    end)

    it("refuses functions, userdata, threads and light userdata other than null", function()
      refused(print, "function")
      refused({ f = function() end }, "function as JSON at %.f")
      refused({ io.stdout }, "userdata")
      refused({ coroutine.create(function() end) }, "thread")
      refused({ x = { y = { z = { print } } } }, "at %.x%.y%.z%[1%]")
    end)

    it("refuses cycles, but not a table that appears twice", function()
      local t = {}
      t.self = t
      refused(t, "contains itself")
      local a = { 1 }
      local b = { a }
      a[2] = b
      refused(a, "contains itself")
      local shared = { 1 }
      assert.equals('[[1],[1]]', core.encode({ shared, shared }))
    end)

    it("allows nesting up to 1000 tables and refuses deeper", function()
      local function nest(n)
        local t = {}
        for _ = 2, n do t = { t } end
        return t
      end
      local text = core.encode(nest(1000))
      assert.equals(string.rep("[", 1000) .. string.rep("]", 1000), text)
      refused(nest(1001), "1000")
      refused(nest(100000), "1000")
    end)

    it("reads tables raw, ignoring metatables", function()
      local t = setmetatable({ a = 1 }, { __index = function() return "x" end, __pairs = error })
      assert.equals('{"a":1}', core.encode(t))
    end)

    it("never raises on bad data", function()
      for _, v in ipairs({ { print }, { [print] = 1 }, { 0 / 0 }, { "\255" } }) do
        assert.has_no_error(function() core.encode(v) end)
      end
    end)
  end)

  it("writes strings and numbers as :json() does (one writer)", function()
    local chars = {}
    for b = 0, 127 do chars[#chars + 1] = string.char(b) end
    local values = { table.concat(chars), "héllo — 😀", "", "a\0b", 0, -3, 5.0, 0.1, 1 / 3, -2.5e-8,
                     1e300, 2 ^ 53, 2 ^ 53 + 2, 123456.789, 5e-324, 1.7976931348623157e308 }
    for _, v in ipairs(values) do
      local text = '{"v":' .. assert(core.encode(v)) .. "}"
      local decoded = assert(core.decode(text))
      assert.are.equal(v, decoded.v)
      assert.are.equal(text, decoded:json())
      -- and back again from what the core decoded
      assert.are.equal(text, core.encode { v = decoded.v })
    end
  end)

  it("round-trips the request fixtures", function()
    for _, name in ipairs({ "company_signal_create_request.json", "company_signal_create_request_json_schema.json",
                            "company_signal_batch_request.json", "contact_research_create_request.json",
                            "contact_search_request.json", "subscription_create_request.json" }) do
      local value = json.decode(helper.fixture(name), 1, core.null)
      round_trip(value)
    end
  end)

  it("encodes a large body", function()
    local items, n = {}, helper.sample(20000)
    for i = 1, n do items[i] = { id = i, name = "item " .. i, score = i / 7, tags = { "a", "b" } } end
    local text = round_trip({ items = items })
    assert.is_true(#text > 25 * n)
  end)
end)

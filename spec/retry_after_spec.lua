-- core.retry_after(body_retry_after, retry_after_header, ratelimit_reset_header, now):
-- CONTRACT §9's order, each source's forms, garbage skipped, never raises.
local core = require("signals.core")

local ra = core.retry_after

-- Sun, 06 Nov 1994 08:49:37 GMT
local T = 784111777

describe("core.retry_after", function()
  describe("the body's retryAfter", function()
    it("is taken as a number", function()
      assert.equals(12, ra(12, nil, nil, T))
      assert.equals(0, ra(0, nil, nil, T))
      assert.equals(2.5, ra(2.5, nil, nil, T))
    end)

    it("is taken as a numeric string", function()
      assert.equals(12, ra("12", nil, nil, T))
      assert.equals(0.25, ra(" 0.25 ", nil, nil, T))
    end)

    it("wins over both headers", function()
      assert.equals(3, ra(3, "60", tostring(T + 100), T))
    end)

    it("is skipped when negative, not finite or garbage", function()
      for _, bad in ipairs({ -1, "-1", 0 / 0, math.huge, "12s", "", "1e3", "0x10", "inf", "nan",
                             ".5", "5.", "1 2", true, {}, core.null }) do
        assert.equals(7, ra(bad, "7", nil, T), "body value " .. tostring(bad))
      end
    end)
  end)

  describe("the Retry-After header", function()
    it("reads delta-seconds", function()
      assert.equals(120, ra(nil, "120", nil, T))
      assert.equals(0, ra(nil, "0", nil, T))
      assert.equals(5, ra(nil, "  5\t", nil, T))
    end)

    it("reads an IMF-fixdate", function()
      assert.equals(10, ra(nil, "Sun, 06 Nov 1994 08:49:37 GMT", nil, T - 10))
      assert.equals(86400 + 1, ra(nil, "Mon, 07 Nov 1994 08:49:38 GMT", nil, T))
    end)

    it("reads an RFC 850 date", function()
      assert.equals(10, ra(nil, "Sunday, 06-Nov-94 08:49:37 GMT", nil, T - 10))
    end)

    it("reads an asctime date, with a space-padded or two-digit day", function()
      assert.equals(10, ra(nil, "Sun Nov  6 08:49:37 1994", nil, T - 10))
      assert.equals(10 + 4 * 86400, ra(nil, "Thu Nov 10 08:49:37 1994", nil, T - 10))
    end)

    it("gives fractions of a second when now has one", function()
      assert.equals(9.5, ra(nil, "Sun, 06 Nov 1994 08:49:37 GMT", nil, T - 9.5))
    end)

    it("floors a date in the past at 0", function()
      assert.equals(0, ra(nil, "Sun, 06 Nov 1994 08:49:37 GMT", nil, T + 3600))
    end)

    it("does not depend on the time zone or the locale", function()
      os.setlocale("C")
      assert.equals(0, ra(nil, "Thu, 01 Jan 1970 00:00:00 GMT", nil, 0))
      assert.equals(951782400 - 951700000, ra(nil, "Tue, 29 Feb 2000 00:00:00 GMT", nil, 951700000))
      assert.equals(4102444800 - 4102444000, ra(nil, "Fri, 01 Jan 2100 00:00:00 GMT", nil, 4102444000))
    end)

    it("reads two-digit years within 50 years of now", function()
      local now_2025 = 1735689600 -- 2025-01-01
      -- 30 -> 2030, in the future
      assert.equals(1893456000 - now_2025, ra(nil, "Tuesday, 01-Jan-30 00:00:00 GMT", nil, now_2025))
      -- 94 -> 1994 (2094 would be more than 50 years ahead): in the past
      assert.equals(0, ra(nil, "Sunday, 06-Nov-94 08:49:37 GMT", nil, now_2025))
    end)

    it("accepts month and day names in any case", function()
      assert.equals(10, ra(nil, "SUN, 06 NOV 1994 08:49:37 GMT", nil, T - 10))
    end)

    it("wins over X-Ratelimit-Reset", function()
      assert.equals(5, ra(nil, "5", tostring(T + 100), T))
    end)

    it("skips garbage and out-of-range dates to X-Ratelimit-Reset", function()
      for _, bad in ipairs({
        "", "soon", "-5", "5.5", "+5", "5 s", "0x10",
        "Sun, 06 Nov 1994 08:49:37", -- no GMT
        "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 6 Nov 1994 08:49:37 GMT", -- one-digit day
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Thu, 29 Feb 2001 08:49:37 GMT", -- not a leap year
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sun Nov 6 08:49:37 1994",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT\0",
        string.rep("9", 400),
        true, {},
      }) do
        assert.equals(30, ra(nil, bad, tostring(T + 30), T), "header " .. tostring(bad))
      end
    end)

    it("accepts a leap second", function()
      assert.equals(24, ra(nil, "Sun, 06 Nov 1994 08:49:60 GMT", nil, T - 1))
    end)
  end)

  describe("X-Ratelimit-Reset", function()
    it("is Unix time minus now", function()
      assert.equals(30, ra(nil, nil, tostring(T + 30), T))
      assert.equals(30, ra(nil, nil, T + 30, T))
      assert.equals(0.5, ra(nil, nil, tostring(T) .. ".5", T))
    end)

    it("floors a reset in the past at 0", function()
      assert.equals(0, ra(nil, nil, tostring(T - 30), T))
    end)

    it("is skipped when garbage", function()
      for _, bad in ipairs({ "", "later", "-5", "1e9", "12abc", core.null }) do
        assert.is_nil(ra(nil, nil, bad, T), "reset " .. tostring(bad))
      end
    end)
  end)

  it("returns nil when no source says anything", function()
    assert.is_nil(ra(nil, nil, nil, T))
    assert.is_nil(ra())
    assert.is_nil(ra("x", "y", "z", T))
  end)

  it("uses the current time when now is absent", function()
    local reset = os.time() + 100
    local wait = ra(nil, nil, tostring(reset))
    assert.is_true(wait > 95 and wait <= 100, tostring(wait))
  end)

  it("handles huge values without overflow", function()
    assert.equals(1e20, ra(nil, "100000000000000000000", nil, T))
    assert.equals(1e300, ra(1e300, nil, nil, T))
    assert.is_true(math.abs(ra(nil, nil, "1" .. string.rep("0", 30), T) / 1e30 - 1) < 1e-12)
    assert.equals(0, ra(nil, "Fri, 31 Dec 9999 23:59:59 GMT", nil, 1e300))
    assert.is_true(ra(nil, "Fri, 31 Dec 9999 23:59:59 GMT", nil, 0) > 2.5e11)
    assert.is_nil(ra(string.rep("9", 400), nil, string.rep("9", 400), T))
  end)

  if math.type then -- Lua 5.3+
    it("returns integers for whole seconds", function()
      assert.equals("integer", math.type(ra(nil, "12", nil, T)))
      assert.equals("integer", math.type(ra("12", nil, nil, T)))
    end)
  end

  it("raises only for a bad now", function()
    assert.has_error(function() ra(nil, nil, nil, "soon") end)
    assert.has_error(function() ra(nil, nil, nil, 0 / 0) end)
  end)

  it("never raises on random header text", function()
    math.randomseed(7)
    for _ = 1, 2000 do
      local bytes = {}
      for i = 1, math.random(0, 40) do bytes[i] = string.char(math.random(0, 255)) end
      local s = table.concat(bytes)
      local ok, v = pcall(ra, s, s, s, T)
      assert.is_true(ok)
      assert.is_true(v == nil or (type(v) == "number" and v >= 0))
    end
  end)
end)

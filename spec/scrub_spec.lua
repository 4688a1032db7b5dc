-- core.scrub(text, key): every trace of the key (8 or more consecutive
-- characters of it, as they are, in base64 or percent-encoded) becomes
-- "[REDACTED]"; anything else is left as it was.
local helper = require("helper")
local core = require("signals.core")

local KEY = "sk_live_Q7vXk2Lp9TzW4mRb8YcN3hJd6FsA"
local MARK = "[REDACTED]"

local STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- RFC 4648 base64, standard or URL-safe, padded or not.
local function base64(s, url_safe, unpadded)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for k = 1, 4 do
      local v = math.floor(n / 2 ^ (6 * (4 - k))) % 64
      out[#out + 1] = k <= chars and STANDARD:sub(v + 1, v + 1) or (unpadded and "" or "=")
    end
  end
  local text = table.concat(out)
  if url_safe then text = text:gsub("%+", "-"):gsub("/", "_") end
  return text
end

local function percent_all(s, lower)
  return (s:gsub(".", function(c) return (lower and "%%%02x" or "%%%02X"):format(c:byte()) end))
end

-- Only what RFC 3986 reserves (anything but letters, digits and -._~).
local function percent_usual(s)
  return (s:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

describe("core.scrub", function()
  it("replaces the key, and each run of 8 or more of its characters", function()
    assert.equals("Bearer " .. MARK .. " refused", core.scrub("Bearer " .. KEY .. " refused", KEY))
    assert.equals(MARK, core.scrub(KEY, KEY))
    -- a key cut by an excerpt: every leading, trailing and inner run of 8 and more
    for len = 8, #KEY do
      for from = 1, #KEY - len + 1, 3 do
        local part = KEY:sub(from, from + len - 1)
        assert.equals("a " .. MARK .. "...", core.scrub("a " .. part .. "...", KEY), part)
      end
    end
    for len = 14, 19 do
      assert.equals('{"message":"key ' .. MARK .. '"}', core.scrub('{"message":"key ' .. KEY:sub(1, len) .. '"}', KEY))
    end
  end)

  it("replaces each separate trace, and one run of traces once", function()
    assert.equals(MARK .. " and " .. MARK, core.scrub(KEY .. " and " .. KEY:sub(10, 30), KEY))
    assert.equals("<" .. MARK .. ">", core.scrub("<" .. KEY .. KEY .. KEY:sub(3, 12) .. ">", KEY))
    assert.equals(MARK, core.scrub(KEY:sub(1, 8) .. KEY:sub(20, 27), KEY))
  end)

  it("leaves shorter pieces, near misses and other text alone", function()
    for _, text in ipairs {
      "", "sk_live", KEY:sub(1, 7) .. " " .. KEY:sub(8, 14), KEY:sub(1, 7) .. "x" .. KEY:sub(9, 15),
      KEY:upper(), KEY:reverse(), "HTTP 401 Unauthorized: invalid API key",
    } do
      assert.equals(text, core.scrub(text, KEY))
    end
  end)

  it("scrubs nothing for a key shorter than 8 characters", function()
    assert.equals("abcdefg abcdefg", core.scrub("abcdefg abcdefg", "abcdefg"))
    assert.equals("xx", core.scrub("xx", ""))
  end)

  it("finds a key of any bytes, NUL included", function()
    local key = "\0\0\0\0\0\0\0\0\0\255"
    assert.equals("a" .. MARK .. "b", core.scrub("a" .. ("\0"):rep(12) .. "b", key))
    assert.equals("a" .. ("\0"):rep(7) .. "b", core.scrub("a" .. ("\0"):rep(7) .. "b", key))
  end)

  -- base64(prefix .. KEY .. suffix): the characters whose 6 bits all come
  -- from the key are replaced; those shared with the prefix or the suffix
  -- (at most one on each side) remain.
  it("finds the key in base64, either alphabet, padded or not, at each alignment", function()
    for _, prefix in ipairs { "", "u", "us", "user:", "Bearer ", "{\"k\":\"" } do
      for _, suffix in ipairs { "", "\"}", "x" } do
        local plain = prefix .. KEY .. suffix
        local first = math.ceil(8 * #prefix / 6)            -- characters before the key's own
        local after = math.floor(8 * (#prefix + #KEY) / 6)  -- the last of the key's own
        for _, url_safe in ipairs { false, true } do
          for _, unpadded in ipairs { false, true } do
            local encoded = base64(plain, url_safe, unpadded)
            local want = "Basic " .. encoded:sub(1, first) .. MARK .. encoded:sub(after + 1) .. " end"
            assert.equals(want, core.scrub("Basic " .. encoded .. " end", KEY), plain)
          end
        end
      end
    end
  end)

  it("finds a cut key in base64 too", function()
    local encoded = base64("Bearer " .. KEY:sub(1, 16))
    assert.matches("^QmVhcmVyI" .. "[A-Za-z0-9+/]?" .. "%[REDACTED%][A-Za-z0-9+/=]*$", core.scrub(encoded, KEY))
  end)

  it("finds the key percent-encoded: every byte, in either case, or only the reserved ones", function()
    assert.equals("k=" .. MARK .. "&x=1", core.scrub("k=" .. percent_all(KEY) .. "&x=1", KEY))
    assert.equals("k=" .. MARK .. "&x=1", core.scrub("k=" .. percent_all(KEY, true) .. "&x=1", KEY))
    assert.equals("k=" .. MARK, core.scrub("k=" .. percent_all(KEY:sub(5, 16)), KEY))
    local key = "sk+live/Q7v=Xk2Lp9Tz+mRb8"
    local usual = percent_usual(key)
    assert.equals("sk%2Blive%2FQ7v%3DXk2Lp9Tz%2BmRb8", usual)
    assert.equals("?key=" .. MARK, core.scrub("?key=" .. usual, key))
    -- only the escapes' neighbours are new: a run across one escape
    assert.equals("/" .. MARK .. "/", core.scrub("/live%2FQ7v/", key))
    -- a base64 echo in a URL, its + / = escaped
    local encoded = base64("user:" .. key):gsub("[+/=]", function(c) return ("%%%02X"):format(c:byte()) end)
    local scrubbed = core.scrub("?auth=" .. encoded, key)
    assert.matches("^%?auth=dXNlcjp.?.?.?%[REDACTED%].?.?.?.?.?.?.?.?.?$", scrubbed)
  end)

  it("returns the text itself when there is nothing to replace, without a copy", function()
    local big = ("x"):rep(8 * 1024 * 1024) .. KEY:sub(1, 7)
    collectgarbage()
    collectgarbage("stop")
    local before = collectgarbage("count")
    local same = core.scrub(big, KEY)
    local grown = collectgarbage("count") - before
    collectgarbage("restart")
    assert.equals(big, same)
    assert.is_true(grown < 1024, grown .. " KiB allocated")
  end)

  it("reads a 32 MB body in well under a second, key or not", function()
    local chunk = '{"id":"7a2b9c10-1d2e-4f3a-8b4c-5d6e7f8a9b0c","status":"completed","answer":{"value":"50%"}},'
    local body = chunk:rep(math.floor(32 * 1024 * 1024 / #chunk))
    local started = os.clock()
    assert.equals(body, core.scrub(body, KEY))
    local with_keys = core.scrub((chunk .. KEY):rep(1000), KEY)
    local took = os.clock() - started
    assert.equals((chunk .. MARK):rep(1000), with_keys)
    if helper.rss_meaningful() then
      assert.is_true(took < 1, took .. " s")
    end
  end)

  it("raises when the text or the key is not a string", function()
    assert.has_error(function() core.scrub(nil, KEY) end)
    assert.has_error(function() core.scrub(12345678, KEY) end)
    assert.has_error(function() core.scrub("text", nil) end)
    assert.has_error(function() core.scrub({}, KEY) end)
  end)
end)

-- signals.webhook: signatures checked against digests computed independently
-- (the openssl command line at test time, and the published vectors of RFC
-- 4231), tampered bodies and signatures refused, deliveries parsed into
-- objects, and examples/webhook_receiver.lua answering real requests.
local signals = require("signals")
local helper = require("helper")

local webhook = signals.webhook

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

local function unhex(h)
  return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end))
end

local function run(command)
  local p = assert(io.popen(command))
  local out = p:read("*a")
  p:close()
  return out
end

-- HMAC-SHA256 of body under secret by `openssl dgst`: hex and base64. The
-- key goes in hex, so that any bytes can be a key.
local function openssl_hmac(body, secret)
  local path = helper.write_temp(body)
  local args = "dgst -sha256 -mac HMAC -macopt hexkey:" .. hex(secret) .. " "
  local hex_out = run("openssl " .. args .. "-r " .. path)
  local b64_out = run("openssl " .. args .. "-binary " .. path .. " | openssl base64 -A")
  os.remove(path)
  local digest = hex_out:match("^(%x+)")
  assert(digest and #digest == 64, "openssl gave no digest: " .. hex_out)
  assert(#b64_out == 44, "openssl gave no base64 digest: " .. b64_out)
  return digest, b64_out
end

local function url_safe(b64)
  return (b64:gsub("%+", "-"):gsub("/", "_"))
end

-- RFC 4231 §4, HMAC-SHA-256 (case 5 truncates the output: below).
local RFC4231 = {
  { key = ("\11"):rep(20), data = "Hi There",
    digest = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
  { key = "Jefe", data = "what do ya want for nothing?",
    digest = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
  { key = ("\170"):rep(20), data = ("\221"):rep(50),
    digest = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
  { key = unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), data = ("\205"):rep(50),
    digest = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
  { key = ("\170"):rep(131), data = "Test Using Larger Than Block-Size Key - Hash Key First",
    digest = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
  { key = ("\170"):rep(131), data = "This is a test using a larger than block-size key and a larger "
      .. "than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    digest = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
}

describe("signals.webhook.verify", function()
  local secret = "whsec_7d1f0c2a9b8e4f6a"
  local body = helper.fixture("market_signal_webhook_delivery.json")
  local digest, b64 = openssl_hmac(body, secret)

  it("is reachable as signals.webhook and require('signals.webhook')", function()
    assert.equal(require("signals.webhook"), signals.webhook)
  end)

  it("accepts the RFC 4231 vectors, and signs them alike", function()
    for i, case in ipairs(RFC4231) do
      assert.is_true(webhook.verify(case.data, case.digest, case.key), "case " .. i)
      assert.equal("sha256=" .. case.digest, webhook.sign(case.data, case.key), "case " .. i)
    end
  end)

  it("agrees with openssl on bodies of every kind", function()
    local bodies = { body, "", "\0\1\2\255 binary \0", ("{\"x\":1}"):rep(30000) }
    for i, data in ipairs(bodies) do
      local key = i == 2 and "\0k\255" or secret
      local want = openssl_hmac(data, key)
      assert.equal("sha256=" .. want, webhook.sign(data, key), "body " .. i)
      assert.is_true(webhook.verify(data, want, key), "body " .. i)
    end
  end)

  it("accepts hex in either case, base64 in either alphabet, with or without sha256= and padding", function()
    local accepted = {
      digest, digest:upper(), "sha256=" .. digest, "SHA256=" .. digest:upper(), "Sha256=" .. digest,
      b64, b64:gsub("=$", ""), "sha256=" .. b64, url_safe(b64), "sha256=" .. url_safe(b64):gsub("=$", ""),
      "  sha256=" .. digest .. "\t",
    }
    for _, signature in ipairs(accepted) do
      local ok, why = webhook.verify(body, signature, secret)
      assert.is_true(ok, signature .. ": " .. tostring(why))
      assert.is_nil(why)
    end
  end)

  it("refuses a tampered body", function()
    local tampered = {
      body:gsub("0%.91", "0.99"),            -- one value changed
      body .. "\n",                          -- one byte appended
      body:sub(1, -2),                       -- one byte cut
      body:sub(1, 10) .. (body:sub(11, 11) == "a" and "b" or "a") .. body:sub(12),  -- one byte changed
      "",
    }
    for i, data in ipairs(tampered) do
      assert.are_not.equal(body, data, "case " .. i)
      for _, signature in ipairs({ digest, "sha256=" .. b64 }) do
        local ok, why = webhook.verify(data, signature, secret)
        assert.is_false(ok, "case " .. i)
        assert.equal("signature mismatch", why)
      end
    end
  end)

  it("refuses the right body under another secret, and another body's signature", function()
    assert.same({ false, "signature mismatch" }, { webhook.verify(body, digest, secret .. "x") })
    assert.same({ false, "signature mismatch" }, { webhook.verify(body, digest, secret:sub(1, -2)) })
    local other = openssl_hmac(helper.fixture("signal_webhook_delivery.json"), secret)
    assert.same({ false, "signature mismatch" }, { webhook.verify(body, other, secret) })
  end)

  it("refuses a tampered signature", function()
    for i = 1, 64, 9 do
      local c = digest:sub(i, i)
      local flipped = digest:sub(1, i - 1) .. (c == "0" and "1" or "0") .. digest:sub(i + 1)
      assert.same({ false, "signature mismatch" }, { webhook.verify(body, flipped, secret) })
    end
  end)

  it("says a signature is malformed when it carries no SHA-256 digest", function()
    local malformed = {
      "", "sha256=", digest:sub(1, 63), digest .. "0", digest:sub(1, 32),  -- RFC 4231 case 5's truncation
      "sha1=" .. digest:sub(1, 40), "sha512=" .. digest, "md5=" .. digest,
      digest:sub(1, 62) .. "zz", b64:sub(1, 40), b64 .. "=", b64:gsub("=$", "!"),
      "sha256 = " .. digest, "t=1700000000,v1=" .. digest,
    }
    for _, signature in ipairs(malformed) do
      local ok, why = webhook.verify(body, signature, secret)
      assert.is_false(ok, signature)
      assert.matches("^malformed signature", why)
    end
  end)

  -- The last of 43 base64 characters carries 2 bits beyond the digest's
  -- 256: only the encoding with both zero is the digest's, the three others
  -- would let one digest be presented in four ways.
  it("says a base64 signature is malformed unless it is the canonical encoding", function()
    local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    local last = alphabet:find(b64:sub(43, 43), 1, true) - 1
    assert.equal(0, last % 4)
    local variants = {}
    for low = 1, 3 do
      local other = b64:sub(1, 42) .. alphabet:sub(last + low + 1, last + low + 1)
      variants[#variants + 1] = other .. "="
      variants[#variants + 1] = "sha256=" .. url_safe(other)
    end
    -- and '=' anywhere but after the 43rd character
    variants[#variants + 1] = b64:sub(1, 42) .. "=="
    variants[#variants + 1] = "=" .. b64:sub(1, 43)
    variants[#variants + 1] = b64:sub(1, 20) .. "=" .. b64:sub(22)
    for _, signature in ipairs(variants) do
      local ok, why = webhook.verify(body, signature, secret)
      assert.is_false(ok, signature)
      assert.matches("^malformed signature: .*canonical base64", why)
    end
    assert.is_true(webhook.verify(body, b64, secret))
  end)

  it("says when there is no signature", function()
    assert.same({ false, "no signature" }, { webhook.verify(body, nil, secret) })
  end)

  it("raises on misuse: no secret, an empty secret, a body or signature of the wrong type", function()
    assert.has_error(function() webhook.verify(body, digest, nil) end)
    assert.has_error(function() webhook.verify(body, digest, "") end)
    assert.has_error(function() webhook.verify(nil, digest, secret) end)
    assert.has_error(function() webhook.verify(body, { digest }, secret) end)
    assert.has_error(function() webhook.sign(body, "") end)
    assert.has_error(function() webhook.sign(nil, secret) end)
  end)
end)

describe("signals.webhook.parse", function()
  it("turns a signal delivery into a signal object", function()
    local sig = assert(webhook.parse(helper.fixture("signal_webhook_delivery.json")))
    assert.equal("signal", signals.kind(sig))
    assert.equal("7a2b9c10-1d2e-4f3a-8b4c-5d6e7f8a9b0c", sig.id)
    assert.equal("completed", sig.status)
    assert.is_true(sig:value())
    assert.equal(0.88, sig.confidence)
    assert.equal("Acme raises $40M Series B", sig.sources[1].title)
    assert.is_nil(sig:failure())
  end)

  it("gives a failed signal its failure", function()
    local sig = assert(webhook.parse(helper.fixture("company_signal_failed_retryable.json")))
    local failure = sig:failure()
    assert.equal("error", signals.kind(failure))
    assert.equal("signal", failure.kind)
    assert.is_true(failure.retryable)
    assert.equal(sig.errorCode, failure.code)
  end)

  it("takes a delivery with a signal's identity, an id and a status, as a signal", function()
    -- the changelog's failed signal: no question, no answer
    local sig = assert(webhook.parse('{"id":"5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c","status":"failed",'
      .. '"retryable":false,"error":"Domain could not be resolved","errorCode":"DOMAIN_UNRESOLVABLE"}'))
    assert.equal("signal", signals.kind(sig))
    local failure = sig:failure()
    assert.equal("error", signals.kind(failure))
    assert.equal("signal", failure.kind)
    assert.equal("DOMAIN_UNRESOLVABLE", failure.code)
    assert.equal("Domain could not be resolved", failure.message)
    assert.is_false(failure.retryable)
    assert.equal(sig, failure.signal)
    -- whatever else it carries
    sig = assert(webhook.parse('{"id":"s1","status":"processing","anything":[1,2]}'))
    assert.equal("signal", signals.kind(sig))
    assert.is_nil(sig:failure())
    -- an id or a status that is not a string is no signal's
    assert.equal("object", signals.kind(assert(webhook.parse('{"id":7,"status":"failed"}'))))
    assert.equal("object", signals.kind(assert(webhook.parse('{"id":"s1","status":null}'))))
    assert.equal("object", signals.kind(assert(webhook.parse('{"id":"s1"}'))))
  end)

  it("tells a contact research (firstName, or an id starting with cr_) from a signal", function()
    local research = assert(webhook.parse('{"id":"cr_abc123def456","status":"failed",'
      .. '"error":"Could not retrieve LinkedIn profile data"}'))
    assert.equal("contact_research", signals.kind(research))
    assert.equal("Could not retrieve LinkedIn profile data", research:failure().message)
    research = assert(webhook.parse('{"id":"8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d","status":"processing",'
      .. '"firstName":"Jane","lastName":"Example","companyName":"Acme Corp"}'))
    assert.equal("contact_research", signals.kind(research))
    assert.equal("contact_research", signals.kind(assert(webhook.parse(helper.fixture("contact_research_failed.json")))))
    -- a question makes it a signal, whatever else it names
    local sig = assert(webhook.parse('{"id":"cr_1","status":"completed","question":"Q?","firstName":"Jane"}'))
    assert.equal("signal", signals.kind(sig))
  end)

  it("turns a market-signal batch into a table whose signals are objects", function()
    local batch = assert(webhook.parse(helper.fixture("market_signal_webhook_delivery.json")))
    assert.equal("table", type(batch))
    assert.equal("a12b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d", batch.subscriptionId)
    assert.equal("JOB_POSTS", batch.type)
    assert.equal(1, #batch.signals)
    local s = batch.signals[1]
    assert.equal("object", signals.kind(s))
    assert.equal("ms_01", s.id)
    assert.equal("jp_99812", s.jobPostingId)
    assert.equal(signals.null, s.externalSignalId)
    assert.equal(0.91, s.confidenceScore)
    assert.same({ title = "Senior Data Engineer", companyDomain = "globex.com",
                  location = "Austin, TX", url = "https://jobs.globex.com/123" }, s.payload)
    assert.equal("2026-06-20T06:00:03Z", s.deliveredAt)
    assert.equal("ms_01", helper.json.decode(s:json()).id)
  end)

  it("keeps every signal of a large batch, in order, after the table is gone", function()
    local items = {}
    for i = 1, 500 do
      items[i] = ('{"id":"ms_%d","payload":{"n":%d},"status":"delivered"}'):format(i, i)
    end
    local body = '{"subscriptionId":"sub","signals":[' .. table.concat(items, ",") .. '],"extra":[1,null]}'
    local batch = assert(webhook.parse(body))
    assert.equal(500, #batch.signals)
    assert.same({ 1, signals.null }, batch.extra)
    local last = batch.signals[500]
    batch = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal("ms_500", last.id)
    assert.equal(500, last.payload.n)
  end)

  it("takes an empty batch as a batch", function()
    local batch = assert(webhook.parse('{"subscriptionId":"s","signals":[]}'))
    assert.same({}, batch.signals)
    assert.equal("s", batch.subscriptionId)
  end)

  it("turns a contact research delivery into a contact research object", function()
    local research = assert(webhook.parse(helper.fixture("contact_research_completed.json")))
    assert.equal("contact_research", signals.kind(research))
    assert.equal(helper.fixture_table("contact_research_completed.json").id, research.id)
  end)

  it("keeps any other JSON object as an object", function()
    local other = assert(webhook.parse('{"event":"ping","signals":"not an array"}'))
    assert.equal("object", signals.kind(other))
    assert.equal("ping", other.event)
    assert.equal("not an array", other.signals)
  end)

  it("returns a decode error for a body that is not a JSON object", function()
    for _, body in ipairs({ "", "not json", "[1,2]", '"text"', '{"id":"x"} trailing', "{" }) do
      local value, err = webhook.parse(body)
      assert.is_nil(value, body)
      assert.equal("error", signals.kind(err))
      assert.equal("decode", err.kind)
      assert.matches("^cannot decode the webhook delivery: ", err.message)
    end
  end)

  it("raises when the body is not a string", function()
    assert.has_error(function() webhook.parse(nil) end,
      "signals.webhook.parse: 'body' must be a string, got nil")
    assert.has_error(function() webhook.parse({}) end)
  end)
end)

describe("examples/webhook_receiver.lua", function()
  local http = require("socket.http")
  local ltn12 = require("ltn12")
  local secret = "whsec_receiver_spec"
  local receiver, url

  -- The receiver stops by itself after the spec's requests (REQUESTS) and,
  -- should the spec die first, after 30 s (timeout).
  setup(function()
    -- The interpreter running the specs, with its own core.
    local lua = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
    local command = ("cd examples && SABER_WEBHOOK_SECRET=%s PORT=0 REQUESTS=6 "
      .. "LUA_PATH='../lua/?.lua;../lua/?/init.lua;;' LUA_CPATH='../build/%s/?.so;;' "
      .. "timeout 30 %s webhook_receiver.lua 2>&1"):format(secret, lua, lua)
    receiver = assert(io.popen(command))
    local first = receiver:read("*l")
    url = first and first:match("(http://127%.0%.0%.1:%d+/)")
    assert(url, "the receiver did not start: " .. tostring(first))
  end)

  teardown(function()
    if receiver then receiver:close() end
  end)

  local function post(body, headers)
    local chunks = {}
    local h = { ["content-type"] = "application/json", ["content-length"] = tostring(#body) }
    for k, v in pairs(headers or {}) do h[k] = v end
    local _, status = http.request{ url = url, method = "POST", headers = h,
      source = ltn12.source.string(body), sink = ltn12.sink.table(chunks) }
    return status, table.concat(chunks)
  end

  it("accepts signed deliveries, refuses the others, and prints what it got", function()
    local batch = helper.fixture("market_signal_webhook_delivery.json")
    local sig = helper.fixture("signal_webhook_delivery.json")
    local sign = function(body) return "sha256=" .. (openssl_hmac(body, secret)) end
    assert.equal(204, (post(batch, { ["x-saber-signature"] = sign(batch) })))
    assert.equal(204, (post(sig, { ["x-signature"] = sign(sig) })))
    assert.equal(401, (post(batch .. " ", { ["x-saber-signature"] = sign(batch) })))
    assert.equal(401, (post(batch)))
    assert.equal(400, (post("[1]", { ["x-saber-signature"] = sign("[1]") })))
    local text, status = http.request(url)
    assert.equal(405, status)
    assert.matches("POST", text)
    local printed = receiver:read("*a")
    assert.matches("market signals for subscription a12b3c4d%-5e6f%-4a8b%-9c0d%-1e2f3a4b5c6d", printed)
    assert.matches("ms_01", printed)
    assert.matches("signal 7a2b9c10%-1d2e%-4f3a%-8b4c%-5d6e7f8a9b0c completed", printed)
    assert.matches("401 signature mismatch", printed)
    assert.matches("401 no signature", printed)
    receiver:close()
    receiver = nil
  end)
end)

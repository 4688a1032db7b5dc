-- The stores (signals.store): the in-process one, and the Redis one over a
-- real redis-server with the connection this interpreter's users have
-- (signals.resp on 5.4, Debian's lua-redis elsewhere), fake servers that
-- misbehave, and how a client goes on when its store fails. The nginx
-- store is in spec/nginx_stores_spec.lua.
local helper = require("helper")
local hosts = require("support.hosts")
local redis = require("support.redis")
local signals = require("signals")

-- GCRA with rate 10/s (T = 0.1 s) and burst 3, at a fixed time.
local T0 = 1000000

local function behaves_like_a_store(make)
  it("lets `burst` go at once, then one every 1/rate; a refusal keeps nothing", function()
    local s = make()
    local waits = {}
    for i = 1, 5 do
      local wait, taken = assert(s:reserve("k", 10, 3, T0, 1))
      assert.is_true(taken)
      waits[i] = wait
    end
    for i, expected in ipairs{ 0, 0, 0, 0.1, 0.2 } do assert.is_near(expected, waits[i], 1e-6) end
    -- The next would wait 0.3 s: over max_wait 0.25, refused, nothing kept.
    local wait, taken = s:reserve("k", 10, 3, T0, 0.25)
    assert.is_false(taken)
    assert.is_near(0.3, wait, 1e-6)
    wait, taken = s:reserve("k", 10, 3, T0 + 0.05, 0.25)
    assert.is_true(taken)
    assert.is_near(0.25, wait, 1e-6)
    -- Other keys are other budgets; cost counts several at once.
    wait, taken = s:reserve("other", 10, 3, T0, 0, 3)
    assert.is_true(taken and wait == 0)
    wait, taken = s:reserve("other", 10, 3, T0, 0)
    assert.is_false(taken)
    assert.is_near(0.1, wait, 1e-6)
    -- Idle long enough, the whole burst is back.
    for _ = 1, 3 do assert.are.equal(0, (s:reserve("k", 10, 3, T0 + 60, 0))) end
  end)

  it("keeps cached values for their TTL", function()
    local s = make()
    assert.is_true(s:set("answer", '{"id":"x"}', 0.3))
    assert.are.equal('{"id":"x"}', s:get("answer"))
    assert.is_nil(s:get("none"))
    helper.sleep(0.4)
    assert.is_nil(s:get("answer"))
  end)
end

describe("signals.store.memory", function()
  behaves_like_a_store(function() return signals.store.memory() end)

  it("drops the least recently used value past max_items", function()
    local s = signals.store.memory{ max_items = 2 }
    s:set("a", "1", 60)
    s:set("b", "2", 60)
    assert.are.equal("1", s:get("a"))
    s:set("c", "3", 60)
    assert.are.same({ "1", nil, "3" }, { s:get("a"), s:get("b"), s:get("c") })
    s:set("a", "again", 60)
    s:set("d", "4", 60)
    assert.are.same({ "again", nil, "4" }, { s:get("a"), s:get("c"), s:get("d") })
  end)

  it("forgets rate keys once their time has passed", function()
    local s = signals.store.memory()
    for i = 1, 200 do s:reserve("key" .. i, 10, 1, T0, 0) end
    s:reserve("late", 10, 1, T0 + 10, 0)
    local kept = 0
    for _ in pairs(s.tats) do kept = kept + 1 end
    assert.is_true(kept < 70, kept .. " keys kept")
  end)

  it("refuses a max_items that is not a positive integer", function()
    assert.has_error(function() signals.store.memory{ max_items = 0 } end,
      "signals.store.memory: 'max_items' must be a positive integer")
  end)
end)

describe("signals.store.redis (" .. redis.CLIENT .. ")", function()
  local server = redis.for_block()
  if not server then return end
  local conn

  lazy_setup(function()
    conn = redis.connect(server.port)
  end)

  before_each(function()
    assert(server.inspect:flushall())
  end)

  behaves_like_a_store(function() return signals.store.redis(conn, { prefix = "t:" }) end)

  it("keeps one number per key, under its prefix, expiring a second after its time", function()
    local s = signals.store.redis(conn, { prefix = "app:" })
    local now = require("signals.core").now()
    assert(s:reserve("rl", 10, 5, now, 0))
    assert(s:reserve("rl", 10, 5, now, 0))
    assert.is_near(now + 0.2, tonumber(server.inspect:get("app:rl")), 1e-6)
    local ttl = server.inspect:pttl("app:rl")
    assert.is_true(ttl > 1000 and ttl <= 1200, ttl)
    assert.are.same({ "app:rl" }, server.inspect:keys("*"))
  end)

  it("takes a function making a connection per operation, and gives each back", function()
    local made, released = 0, {}
    local s = signals.store.redis(function()
      made = made + 1
      return require("signals.resp").new{ port = server.port }
    end, { release = function(c) released[#released + 1] = c; c:close() end })
    assert(s:reserve("k", 10, 3, T0, 0))
    assert.is_true(s:set("v", "text", 60))
    assert.are.equal("text", s:get("v"))
    assert.are.same({ 3, 3 }, { made, #released })
    local failing = signals.store.redis(function() return nil, "no route to Redis" end)
    assert.are.same({ nil, "no route to Redis" }, { failing:get("v") })
    local raising = signals.store.redis(function() error("boom", 0) end)
    assert.are.same({ nil, "boom" }, { raising:reserve("k", 10, 3, T0, 0) })
    local wrong = signals.store.redis(function() return {} end)
    assert.are.same({ nil, "signals.store.redis: the connection made has no 'evalsha' method" },
      { wrong:set("v", "x", 1) })
  end)

  it("loads its script again when Redis forgot it (NOSCRIPT)", function()
    local s = signals.store.redis(conn)
    assert(s:reserve("k", 10, 3, T0, 0))
    assert.are.equal("OK", server.inspect:script("FLUSH"))
    local wait, taken = s:reserve("k", 10, 3, T0, 0)
    assert.are.same({ 0, true }, { wait, taken })
    assert.are.equal("OK", server.inspect:script("FLUSH"))
    assert.is_true(s:set("v", "text", 60))
    assert.are.equal("text", s:get("v"))
  end)

  it("is one budget for many processes: each decision is atomic in Redis", function()
    -- Four processes ask 50 times each for a key allowing 100 at once and
    -- almost nothing after: exactly 100 are taken between them.
    local program = string.format([[
      package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path
      package.cpath = "build/%s/?.so;" .. package.cpath
      local conn = require("support.redis").connect(%d)
      local s = require("signals.store").redis(conn)
      local now = require("signals.core").now()
      local taken = 0
      for _ = 1, 50 do
        local _, ok = assert(s:reserve("shared", 0.001, 100, now, 0))
        if ok then taken = taken + 1 end
      end
      io.write(taken, "\n")
    ]], hosts.LUA, server.port)
    local file = helper.write_temp(program)
    local ok, out = hosts.run(string.format("for i in 1 2 3 4; do %s %s & done; wait", hosts.LUA, file))
    os.remove(file)
    assert.is_true(ok, out)
    local total, runs = 0, 0
    for n in out:gmatch("%d+") do total, runs = total + tonumber(n), runs + 1 end
    assert.are.same({ 100, 4 }, { total, runs }, out)
  end)

  it("shares a bucket between clients of one API key only when they agree on its size", function()
    local mock = helper.mock()
    local function client_of(rate_limit)
      rate_limit.store = signals.store.redis(conn)
      return helper.client(mock, { rate_limit = rate_limit })
    end
    local slow = client_of{ writes_per_minute = 0.01, write_burst = 1 }
    local normal, slept = client_of{}
    assert(slow:create_signal{ domain = "acme.com", question = "Hiring?" })
    assert(normal:create_signal{ domain = "acme.com", question = "Hiring?" })
    assert.are.same({}, slept)
    local keys = server.inspect:keys("signals:rl:*")
    table.sort(keys)
    assert.are.equal(2, #keys)
    assert.matches(":write@0.00016666666666666666/1$", keys[1])
    assert.matches(":write@33.333333333333336/400$", keys[2])
  end)

  it("fails with a message, never raising, when Redis is down or answers garbage", function()
    local port = helper.dead_port()
    local down = signals.store.redis(redis.CLIENT == "resp" and require("signals.resp").new{ port = port }
      or setmetatable({}, { __index = function() return function() error("connection error: closed") end end }))
    for _, fake_mode in ipairs{ "down", "garbage", "wrong", "close" } do
      local fake = fake_mode ~= "down" and redis.fake(fake_mode)
      local s = fake and signals.store.redis(require("signals.resp").new{ port = fake.port, timeout = 1 }) or down
      for _, op in ipairs{ function() return s:reserve("k", 10, 3, T0, 0) end,
                           function() return s:get("k") end,
                           function() return s:set("k", "v", 10) end } do
        local ok, value, err = pcall(op)
        assert.is_true(ok, value)
        assert.is_nil(value)
        assert.is_string(err)
      end
      if fake then fake:stop() end
    end
  end)
end)

describe("a client whose store fails", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  -- A memory store that fails while `broken` is set.
  local function flaky()
    local inner = signals.store.memory()
    local s = { kind = "flaky", broken = false, calls = 0 }
    for _, name in ipairs{ "reserve", "get", "set" } do
      s[name] = function(self, ...)
        self.calls = self.calls + 1
        local broken = self.broken
        if type(broken) == "table" then broken = broken[name] end
        if broken == "raise" then error("exploded") end
        if broken == "garbage" then return "yes", "please" end
        if broken then return nil, "store down" end
        return inner[name](inner, ...)
      end
    end
    return s
  end

  it("goes on under a quarter of the limit, and reports once per outage", function()
    local s = flaky()
    local reports = {}
    local client, slept = helper.client(mock, {
      rate_limit = { store = s, reads_per_minute = 600, read_burst = 8 },
      on_store_error = function(e) reports[#reports + 1] = e end })
    s.broken = true
    for _ = 1, 4 do assert(client:get_credits()) end
    -- A quarter: burst 2, 2.5 a second (0.4 s apart).
    assert.are.equal(2, #slept)
    assert.is_near(0.4, slept[1], 0.02)
    assert.is_near(0.4, slept[2], 0.02)
    assert.are.equal(1, #reports)
    assert.are.same({ store = "flaky", operation = "reserve", message = "store down" },
      { store = reports[1].store, operation = reports[1].operation, message = reports[1].message })
    assert.matches("^rl:%x+:read@", reports[1].key)
    assert.are.equal(4, #mock:requests())
    -- Tried again only after a second, so a dead store costs little.
    assert.are.equal(1, s.calls)
  end)

  it("keeps to the store's fallback_share of the limit when it gives one", function()
    local s = flaky()
    s.fallback_share = 0.5
    local client, slept = helper.client(mock, { rate_limit = { store = s, reads_per_minute = 600, read_burst = 8 } })
    s.broken = true
    for _ = 1, 5 do assert(client:get_credits()) end
    -- Half: burst 4, 5 a second.
    assert.are.equal(1, #slept)
    assert.is_near(0.2, slept[1], 0.02)
    for _, bad in ipairs{ 0, 1.5, "half" } do
      assert.has_error(function() signals.store.redis({}, { fallback_share = bad }) end,
        "signals.store.redis: 'fallback_share' must be a number above 0 and at most 1")
      assert.has_error(function() signals.store.shdict("signals", { fallback_share = bad }) end,
        "signals.store.shdict: 'fallback_share' must be a number above 0 and at most 1")
    end
  end)

  it("takes garbage and raises as failures too, and reports the next outage again", function()
    local s = flaky()
    local reports = {}
    local client = helper.client(mock, { rate_limit = { store = s },
      on_store_error = function(e) reports[#reports + 1] = e.message end })
    s.broken = "garbage"
    assert(client:get_credits())
    client.limiter.store.retry_at = 0   -- the second has passed
    s.broken = false
    assert(client:get_credits())
    client.limiter.store.retry_at = 0
    s.broken = "raise"
    assert(client:get_credits())
    assert.are.equal(2, #reports)
    assert.are.equal("the store answered garbage: yes, please", reports[1])
    assert.matches("exploded", reports[2])
    assert.are.equal(3, #mock:requests())
  end)

  it("takes a wait no bucket of that size could give as a failure, not as a wait", function()
    for _, case in ipairs{ { 1e11, true, "longer than a bucket of 1666.6666666666667 a second and burst 10000" },
                           { 5, false, "a wait of 5 s not taken" } } do
      local s = flaky()
      s.reserve = function() return case[1], case[2] end
      local reports = {}
      local client, slept = helper.client(mock, { rate_limit = { store = s },
        on_store_error = function(e) reports[#reports + 1] = e end })
      assert(client:get_credits())
      assert.are.same({}, slept)
      assert.are.equal(1, #reports)
      assert.are.equal("reserve", reports[1].operation)
      assert.matches(case[3], reports[1].message, 1, true)
    end
    -- A wait a full bucket does give is waited for.
    local s = flaky()
    local client, slept = helper.client(mock, { rate_limit = { store = s, reads_per_minute = 60, read_burst = 1 } })
    for _ = 1, 3 do assert(client:get_credits()) end
    assert.are.equal(2, #slept)
  end)

  it("keeps apart the buckets of clients that disagree on their size", function()
    local s = signals.store.memory()
    local slow, slow_slept = helper.client(mock, { rate_limit = { store = s, reads_per_minute = 0.01, read_burst = 1 } })
    local normal, slept = helper.client(mock, { rate_limit = { store = s } })
    local twin, twin_slept = helper.client(mock, { rate_limit = { store = s, reads_per_minute = 0.01, read_burst = 1 } })
    assert(slow:get_credits())
    -- The slow client's next read is an hour and a half away; the defaults' bucket is untouched.
    assert(normal:get_credits())
    assert.are.same({}, slept)
    assert.are.same({}, slow_slept)
    -- A client of the same size shares the slow bucket.
    assert(twin:get_credits())
    assert.are.equal(1, #twin_slept)
    assert.is_near(6000, twin_slept[1], 1)
  end)

  it("reports a partial outage once: reads succeeding do not end the writes' outage", function()
    mock:config{ delay_ms = 0 }
    local s = flaky()
    local reports = {}
    local client = helper.client(mock, { rate_limit = { store = s }, cache = { store = s },
      on_store_error = function(e) reports[#reports + 1] = e.operation end })
    -- A read-only replica: reserve and set fail, get succeeds.
    s.broken = { reserve = true, set = true }
    for i = 1, 4 do
      client.limiter.store.retry_at = 0   -- the second has passed
      assert(client:run_signal{ domain = "acme.com", question = "Hiring " .. i .. "?" })
    end
    assert.are.same({ "reserve" }, reports)
    -- Everything that failed succeeds: the outage is over.
    s.broken = false
    client.limiter.store.retry_at = 0
    assert(client:run_signal{ domain = "acme.com", question = "Hiring 5?" })
    -- Only set fails: a new outage, reported once while reserve and get succeed.
    s.broken = { set = true }
    for i = 6, 8 do
      client.limiter.store.retry_at = 0
      assert(client:run_signal{ domain = "acme.com", question = "Hiring " .. i .. "?" })
    end
    assert.are.same({ "reserve", "set" }, reports)
  end)

  it("does not hang when Redis is unreachable", function()
    local port = helper.dead_port()
    local conn = require("signals.resp").new{ port = port, timeout = 1 }
    local reports = {}
    local store = signals.store.redis(conn)
    local client = helper.client(mock, { rate_limit = { store = store }, cache = { store = store },
      spend_limit = { calls = 10, per = 60, store = store },
      on_store_error = function(e) reports[#reports + 1] = e end })
    local started = require("socket").gettime()
    local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
    assert.are.equal("processing", sig.status)
    assert.is_true(require("socket").gettime() - started < 1)
    -- One report, whichever use met the outage first.
    assert.are.equal(1, #reports)
    assert.are.equal("redis", reports[1].store)
    assert.matches("connection refused", reports[1].message)
  end)
end)

describe("signals.new refuses what is not a store", function()
  it("names the option and the problem", function()
    local cases = {
      { { rate_limit = { store = "redis" } }, "'rate_limit.store' must be a store" },
      { { cache = { store = { get = print, set = print } } },
        "'cache.store' is not a store: it has no 'reserve' method" },
      { { spend_limit = { calls = 5, per = 60, store = signals.store.shdict("signals") } },
        "'spend_limit.store' is the lua_shared_dict 'signals', which exists only inside OpenResty" },
      { { rate_limit = { store = signals.store.redis({ eval = print }) } },
        "'rate_limit.store' is a Redis store whose connection has no 'evalsha' method" },
      { { rate_limit = { store = signals.store.redis(nil) } }, "is a Redis store without a connection" },
      { { cache = {} }, "'cache.store' must be a store" },
      { { cache = { store = signals.store.memory(), ttl = -1 } }, "'cache.ttl' must be a positive number" },
      { { spend_limit = { calls = 1.5, per = 60 } }, "'spend_limit.calls' must be a positive integer" },
      { { spend_limit = { per = 60 } }, "'spend_limit.calls' is required" },
      { { on_store_error = true }, "'on_store_error' must be a function" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(signals.new, case[1])
      assert.is_false(ok)
      assert.matches(case[2], err, 1, true)
    end
  end)
end)

-- signals.resp, the minimal Redis client for Lua 5.4: against a real
-- redis-server on a free loopback port, and fake servers that answer
-- garbage, nothing, or hang up.
local helper = require("helper")
local redis = require("support.redis")
local resp = require("signals.resp")
local socket = require("socket")

describe("signals.resp", function()
  if redis.missing then
    pending(redis.missing)
    return
  end

  local server, conn

  lazy_setup(function()
    server = redis.start()
  end)

  lazy_teardown(function()
    if conn then conn:close() end
    if server then server:stop() end
  end)

  before_each(function()
    conn = resp.new{ port = server.port, timeout = 5 }
    assert(conn:flushall())
  end)

  after_each(function()
    conn:close()
  end)

  it("sends any command by its name and reads every kind of reply", function()
    assert.are.equal("OK", conn:set("k", "v a\r\nlue"))
    assert.are.equal("v a\r\nlue", conn:get("k"))
    assert.are.equal(resp.null, conn:get("missing"))
    assert.are.equal(3, conn:rpush("list", "a", 2, 3.5))
    assert.are.same({ "a", "2", "3.5" }, conn:lrange("list", 0, -1))
    assert.are.same({}, conn:lrange("none", 0, -1))
    assert.are.equal(-5, conn:incrby("n", -5))
    assert.are.equal("PONG", conn:call("PING"))
    -- A large integer travels as digits, not as 1e+15.
    assert.are.equal("OK", conn:set("big", 2 ^ 50))
    assert.are.equal("1125899906842624", conn:get("big"))
  end)

  it("returns nil and Redis's message for an error reply, and goes on", function()
    local value, err = conn:evalsha("0000000000000000000000000000000000000000", 0)
    assert.is_nil(value)
    assert.matches("^NOSCRIPT", err)
    value, err = conn:nosuchcommand()
    assert.is_nil(value)
    assert.matches("unknown command", err)
    -- An error inside an array keeps its place.
    assert.are.equal("OK", conn:multi())
    assert.are.equal("QUEUED", conn:set("s", "x"))
    assert.are.equal("QUEUED", conn:incr("s"))
    local replies = conn:exec()
    assert.are.equal("OK", replies[1])
    assert.matches("not an integer", replies[2].error)
    assert.are.equal("PONG", conn:ping())
  end)

  it("connects lazily, and again after the server restarts", function()
    local lazy = resp.new{ port = server.port }
    assert.is_false(lazy.sock)
    assert.are.equal("PONG", lazy:ping())
    assert.truthy(lazy.sock)
    assert(conn:client("KILL", "TYPE", "normal"))
    -- Its connection was killed: the command fails, the next one reconnects.
    local value, err = lazy:ping()
    assert.is_nil(value)
    assert.is_string(err)
    assert.are.equal("PONG", lazy:ping())
    lazy:close()
  end)

  it("says why it cannot connect", function()
    local port = helper.dead_port()
    local value, err = resp.connect{ port = port, timeout = 1 }
    assert.is_nil(value)
    assert.are.equal("cannot connect to 127.0.0.1:" .. port .. ": connection refused", err)
    value, err = resp.new{ port = port }:get("k")
    assert.is_nil(value)
    assert.matches("connection refused", err)
  end)

  it("refuses wrong options", function()
    assert.has_error(function() resp.new{ port = "6379" } end, "signals.resp: 'port' must be a port number")
    assert.has_error(function() resp.new{ timeout = 0 } end, "signals.resp: 'timeout' must be a positive number")
    assert.has_error(function() resp.new{ host = 1 } end, "signals.resp: 'host' must be a string")
  end)

  it("bounds a blocking command by the connection's timeout", function()
    conn:settimeout(0.3)
    local started = socket.gettime()
    local value, err = conn:blpop("empty", 0)
    local elapsed = socket.gettime() - started
    assert.is_nil(value)
    assert.are.equal("timeout", err)
    assert.is_true(elapsed >= 0.25 and elapsed < 2, elapsed)
    -- The late reply can never be taken for the next command's.
    conn:settimeout(5)
    assert.is_true(conn:lpush("empty", "x") >= 1)
    assert.are.equal("x", conn:lpop("empty"))
  end)

  for _, case in ipairs{ { "garbage", "protocol error: unexpected reply" },
                         { "wrong", nil }, { "stall", "timeout" }, { "close", "closed" } } do
    local mode, expected = case[1], case[2]
    it("fails without raising against a server that " .. mode .. "s", function()
      local fake = redis.fake(mode)
      local bad = resp.new{ port = fake.port, timeout = 0.3 }
      local ok, value, err = pcall(bad.get, bad, "k")
      fake:stop()
      bad:close()
      assert.is_true(ok, value)
      if expected then
        assert.is_nil(value)
        assert.matches(expected, err, 1, true)
      else
        -- Well-formed RESP of the wrong shape is the caller's to judge.
        assert.are.same({ "hello" }, value)
      end
    end)
  end

  for _, case in ipairs{ { "huge_length", "protocol error: bad length" },
                         { "long_bulk", "protocol error: bad length" },
                         { "negative", "protocol error: bad length" },
                         { "deep", "protocol error: arrays nested more than 128 deep" } } do
    local mode, expected = case[1], case[2]
    it("closes the connection on a reply that is " .. mode:gsub("_", " ") .. ", and never reads its rest", function()
      local fake = redis.fake(mode)
      local bad = resp.new{ port = fake.port, timeout = 1 }
      local ok, value, err = pcall(bad.get, bad, "k")
      local closed = bad.sock == false
      local ok2, second, err2 = pcall(bad.get, bad, "k")
      fake:stop()
      bad:close()
      assert.is_true(ok, value)
      assert.is_nil(value)
      assert.matches(expected, err, 1, true)
      assert.is_true(closed)
      -- The next command reads its own reply, not the first one's rest.
      assert.is_true(ok2, second)
      assert.are.equal("second", second, err2)
    end)
  end

  it("reads arrays nested as deep as it allows", function()
    local script = "local t = { 'x' } for _ = 2, 128 do t = { t } end return t"
    local value = assert(conn:eval(script, 0))
    for _ = 2, 128 do value = value[1] end
    assert.are.same({ "x" }, value)
  end)
end)

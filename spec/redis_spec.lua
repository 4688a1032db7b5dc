-- Redis: a script inside Redis cannot run signals, so scripts queue calls
-- in a stream (examples/redis/enqueue.lua) and a worker using signals
-- (examples/redis/worker.lua) makes them and answers on reply lists. A real
-- redis-server on a free loopback port, the worker on this interpreter,
-- signals-mock as the API.
local helper = require("helper")
local hosts = require("support.hosts")
local json = helper.json

package.path = "examples/redis/?.lua;" .. package.path
local resp = require("resp")

local REDIS_SERVER = "/usr/bin/redis-server"
local STREAM, GROUP = "signals:requests", "signals-workers"

local missing
if not hosts.exists(REDIS_SERVER) then
  missing = "redis-server is not installed (sh scripts/deps.sh redis)"
end

describe("Redis: scripts queue, a signals worker answers", function()
  if missing then
    pending(missing)
    return
  end

  local mock, server, redis
  local enqueue = assert(hosts.read_file("examples/redis/enqueue.lua"))

  lazy_setup(function()
    local dir = hosts.tmpdir()
    local port = helper.dead_port()
    server = hosts.start("redis-server", string.format("%s --port %d --bind 127.0.0.1 --save '' "
      .. "--appendonly no --dir %s", REDIS_SERVER, port, dir), port, dir)
    redis = assert(resp.connect("127.0.0.1", port, 10))
  end)

  lazy_teardown(function()
    if redis then redis:close() end
    if server then server:stop() end
  end)

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
    assert(redis:call("FLUSHALL"))
  end)

  local function queue(op, params)
    return redis:call("EVAL", enqueue, 1, STREAM, op, params)
  end

  local function run_worker(name)
    return hosts.run(string.format("SABER_BASE_URL=%s SABER_API_KEY=%s REDIS_PORT=%d WORKER_NAME=%s "
      .. "LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/%s/?.so;;' %s examples/redis/worker.lua --drain",
      mock.url, helper.API_KEY, server.port, name or "worker-1", hosts.LUA, hosts.LUA))
  end

  local function reply_to(id)
    local popped = assert(redis:call("BLPOP", "signals:reply:" .. id, 1))
    assert.are_not.equal(resp.null, popped, "no reply for " .. id)
    return json.decode(popped[2], 1, json.null)
  end

  it("cannot load signals inside Redis: scripts have no require, no package, no network", function()
    for _, script in ipairs{ "return require('signals')", "return package.loadlib('core.so', 'x')",
                             "return socket" } do
      local value, err = redis:call("EVAL", script, 0)
      assert.is_nil(value)
      assert.matches("Script attempted to access nonexistent global variable", err, 1, true)
    end
  end)

  it("answers every queued call on its reply list and acknowledges it", function()
    local asked = assert(queue("run_signal", '{"domain":"acme.com","question":"Hiring?","answerType":"boolean"}'))
    local credits = assert(queue("get_credits", "{}"))
    local refused = assert(queue("get_signal", '{"signalId":"not-a-uuid"}'))
    local forbidden = assert(queue("delete_signal_template", '{"templateId":"t1"}'))

    local ok, out = run_worker()
    assert.is_true(ok, out)
    assert.are.equal(string.format("%s run_signal ok\n%s get_credits ok\n%s get_signal failed\n"
      .. "%s delete_signal_template failed\n", asked, credits, refused, forbidden), out)

    local sig = reply_to(asked)
    assert.are.same({ asked, true, "completed", true },
      { sig.id, sig.ok, sig.result.status, sig.result.answer.boolean.value })
    assert.are.equal(9999, reply_to(credits).result.remainingCredits)
    local invalid = reply_to(refused)
    assert.are.same({ false, "invalid_request" }, { invalid.ok, invalid.error.kind })
    assert.matches("signalId", invalid.error.message)
    assert.are.equal("operation not allowed: delete_signal_template", reply_to(forbidden).error.message)

    -- Only the allowed, valid calls reached the API; nothing is left pending.
    local paths = {}
    for _, request in ipairs(mock:requests()) do paths[#paths + 1] = request.method .. " " .. request.path end
    assert.are.same({ "POST /v1/companies/signals/sync", "GET /v1/credits" }, paths)
    assert.are.equal(0, redis:call("XPENDING", STREAM, GROUP)[1])
  end)

  it("answers, after a restart, the calls a worker read but did not answer", function()
    local id = assert(queue("get_credits", "{}"))
    assert(redis:call("XGROUP", "CREATE", STREAM, GROUP, "0"))
    -- worker-2 reads the call, then dies before answering it.
    local read = redis:call("XREADGROUP", "GROUP", GROUP, "worker-2", "COUNT", 1, "STREAMS", STREAM, ">")
    assert.are.equal(id, read[1][2][1][1])
    assert.are.equal(1, redis:call("XPENDING", STREAM, GROUP)[1])

    local ok, out = run_worker("worker-2")
    assert.is_true(ok, out)
    assert.are.equal(id .. " get_credits ok\n", out)
    assert.is_true(reply_to(id).ok)
    assert.are.equal(0, redis:call("XPENDING", STREAM, GROUP)[1])
  end)

  it("refuses, inside Redis, a call that is not an operation name with a JSON object", function()
    local _, err = queue("run_signal", "not json")
    assert.matches("the parameters must be a JSON object", err, 1, true)
    _, err = queue("Drop Everything", "{}")
    assert.matches("an operation name such as run_signal is expected", err, 1, true)
    assert.are.equal(0, redis:call("XLEN", STREAM))
  end)
end)

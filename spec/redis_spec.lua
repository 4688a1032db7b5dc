-- Redis: a script inside Redis cannot run signals, so scripts queue calls
-- in signals.queue's stream (examples/redis/enqueue.lua) and a worker
-- (examples/redis/worker.lua, a thin program over signals.queue) makes
-- them and stores the results. A real redis-server on a free loopback
-- port, the worker on this interpreter, signals-mock as the API.
local helper = require("helper")
local hosts = require("support.hosts")
local redis = require("support.redis")
local signals = require("signals")

local STREAM, GROUP = "signals:jobs", "signals-workers"

describe("Redis: scripts queue, the example worker answers", function()
  local server = redis.for_block()
  if not server then return end
  local mock, q
  local enqueue = assert(hosts.read_file("examples/redis/enqueue.lua"))

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
    assert(server.inspect:flushall())
    q = signals.queue.new{ client = helper.client(mock), redis = server.inspect, stream = STREAM }
  end)

  local function queue(op, params)
    return server.inspect:eval(enqueue, 1, STREAM, op, params)
  end

  local function run_worker(name)
    return hosts.run(string.format("SABER_BASE_URL=%s SABER_API_KEY=%s REDIS_PORT=%d WORKER_NAME=%s "
      .. "%s examples/redis/worker.lua --drain",
      mock.url, helper.API_KEY, server.port, name or "worker-1", hosts.LUA_RUN))
  end

  it("cannot load signals inside Redis: scripts have no require, no package, no network", function()
    for _, script in ipairs{ "return require('signals')", "return package.loadlib('core.so', 'x')",
                             "return socket" } do
      local value, err = server.inspect:eval(script, 0)
      assert.is_nil(value)
      assert.matches("Script attempted to access nonexistent global variable", err, 1, true)
    end
  end)

  it("answers every queued call, running only the operations it allows", function()
    local asked = assert(queue("run_signal", '{"domain":"acme.com","question":"Hiring?","answerType":"boolean"}'))
    local credits = assert(queue("get_credits", "{}"))
    local refused = assert(queue("get_signal", '{"signalId":"not-a-uuid"}'))
    local forbidden = assert(queue("delete_signal_template", '{"templateId":"t1"}'))

    local ok, out = run_worker()
    assert.is_true(ok, out)
    assert.are.equal("4 jobs answered\n", out)

    local sig = assert(q:result(asked))
    assert.are.same({ "completed", true }, { sig.status, sig:value() })
    -- The result as a script reads it: its kind, a newline, the JSON.
    local stored = server.inspect:lindex(STREAM .. ":result:" .. asked, 0)
    assert.are.equal('signal\n{"id":"' .. sig.id .. '"', stored:sub(1, #sig.id + 15))
    assert.are.equal(9999, assert(q:result(credits)).remainingCredits)
    local _, invalid = q:result(refused)
    assert.are.equal("invalid_request", invalid.kind)
    assert.matches("signalId", invalid.message)
    _, invalid = q:result(forbidden)
    assert.are.equal("operation not allowed: delete_signal_template", invalid.message)

    -- Only the allowed, valid calls reached the API; nothing is left.
    local paths = {}
    for _, request in ipairs(mock:requests()) do paths[#paths + 1] = request.method .. " " .. request.path end
    assert.are.same({ "POST /v1/companies/signals", "GET /v1/companies/signals/" .. sig.id, "GET /v1/credits" },
      paths)
    assert.are.equal(0, server.inspect:xpending(STREAM, GROUP)[1])
    assert.are.equal(0, server.inspect:xlen(STREAM))
  end)

  it("answers, after a restart, the calls a worker read but did not answer", function()
    local id = assert(queue("get_credits", "{}"))
    assert(server.inspect:xgroup("CREATE", STREAM, GROUP, "0"))
    -- worker-2 reads the call, then dies before answering it.
    local read = server.inspect:xreadgroup("GROUP", GROUP, "worker-2", "COUNT", 1, "STREAMS", STREAM, ">")
    assert.are.equal(id, read[1][2][1][1])

    local ok, out = run_worker("worker-2")
    assert.is_true(ok, out)
    assert.are.equal("1 jobs answered\n", out)
    assert.are.equal(10000, assert(q:result(id)).remainingCredits)
    assert.are.equal(0, server.inspect:xpending(STREAM, GROUP)[1])
  end)

  it("refuses, inside Redis, a call that is not an operation name with a JSON object", function()
    local _, err = queue("run_signal", "not json")
    assert.matches("the parameters must be a JSON object", err, 1, true)
    _, err = queue("Drop Everything", "{}")
    assert.matches("an operation name such as run_signal is expected", err, 1, true)
    assert.are.equal(0, server.inspect:exists(STREAM))
  end)
end)

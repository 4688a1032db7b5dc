-- signals.queue: jobs in a Redis stream, workers in a consumer group,
-- results to the callers, a dead worker's jobs taken over, a dead-letter
-- stream, and each signal paid once. A real redis-server, signals-mock as
-- the API, the connection this interpreter's users have.
local helper = require("helper")
local redis = require("support.redis")
local workers = require("support.workers")
local signals = require("signals")

local STREAM = "signals:jobs"

describe("signals.queue", function()
  local server = redis.for_block()
  if not server then return end
  local mock, client, q

  before_each(function()
    mock = helper.mock()
    -- Off, the API's answer cache would hand a re-created job its first
    -- signal again, hiding a second create.
    mock:config{ delay_ms = 0, cache_ttl_s = 0 }
    assert(server.inspect:flushall())
    client = helper.client(mock, { sleep = helper.sleep })
    q = signals.queue.new{ client = client, redis = redis.connect(server.port), stream = STREAM }
  end)

  local function creates()
    local n = 0
    for _, req in ipairs(mock:requests()) do
      if req.method == "POST" and req.path:match("^/v1/%a+/signals") then n = n + 1 end
    end
    return n
  end

  local function work(n, opts)
    local options = { consumer = "here", max_jobs = n, block = 0.1, interval = 0.02 }
    for k, v in pairs(opts or {}) do options[k] = v end
    return q:work(options)
  end

  it("runs the jobs and gives each caller its result, whatever the operation", function()
    local ids = {
      assert(q:enqueue("run_signal", { domain = "acme.com", question = "Hiring?", answerType = "boolean" })),
      assert(q:enqueue("get_credits")),
      assert(q:enqueue("list_signals", { domain = "acme.com" })),
      assert(q:enqueue("create_signal_template", { name = "t", question = "q?" })),
      assert(q:enqueue("get_signal", { signalId = "00000000-0000-4000-8000-000000000000" })),
      assert(q:enqueue("run_signal", { domain = "acme.com", question = "Hiring? [fail:permanent]" })),
    }
    assert.are.equal(6, work(6))
    local sig = assert(q:result(ids[1]))
    assert.are.same({ "signal", "completed", true }, { signals.kind(sig), sig.status, sig:value() })
    assert.are.equal(9999, assert(q:result(ids[2])).remainingCredits)
    local page = assert(q:result(ids[3]))
    assert.are.same({ "page", 1, sig.id }, { signals.kind(page), #page, page.items[1].id })
    assert.are.equal("signal", signals.kind(page.items[1]))
    assert.are.equal("t", assert(q:result(ids[4])).name)
    local _, err = q:result(ids[5])
    assert.are.same({ "error", "http", 404 }, { signals.kind(err), err.kind, err.status })
    _, err = q:result(ids[6])
    assert.are.same({ "signal", "LINKEDIN_RATE_LIMIT_EXCEEDED", false }, { err.kind, err.code, err.retryable })
    assert.are.equal("failed", err.signal.status)
    assert.are.equal("signal", signals.kind(err.signal))
    -- A result stays for later readers; the stream holds nothing finished.
    assert.are.equal(sig.id, assert(q:result(ids[1])).id)
    assert.are.equal(0, server.inspect:xlen(STREAM))
    assert.are.equal(0, server.inspect:xpending(STREAM, "signals-workers")[1])
  end)

  it("creates a signal once per job, again only when it failed retryably", function()
    local ok = assert(q:enqueue("run_signal", { domain = "acme.com", question = "Hiring?" }))
    local flaky = assert(q:enqueue("run_contact_signal", { contactProfileUrl = "https://linkedin.com/in/jane",
                                                           question = "Open to work? [flaky:1]" }))
    assert.are.equal(2, work(2))
    assert.are.equal("completed", assert(q:result(ok)).status)
    assert.are.equal("completed", assert(q:result(flaky)).status)
    -- Through the async creates (the id is known at once), then polls.
    assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals"))
    assert.are.equal(2, #mock:requests_to("POST", "/v1/contacts/signals"))
    assert.are.equal(3, creates())
  end)

  it("answers the sync creates with the signal's final state, the async ones as created", function()
    local sync = assert(q:enqueue("create_company_signal_sync",
      { domain = "acme.com", question = "Q? [fail:permanent]" }))
    local async = assert(q:enqueue("create_signal", { domain = "acme.com", question = "Q?" }))
    assert.are.equal(2, work(2))
    assert.are.equal("failed", assert(q:result(sync)).status)
    assert.are.equal("signal", signals.kind(assert(q:result(async))))
    assert.are.equal(2, creates())
  end)

  it("refuses a job it could not run, queueing nothing", function()
    local _, err = q:enqueue("get_signal", { signalId = "not-a-uuid" })
    assert.are.equal("invalid_request", err.kind)
    _, err = q:enqueue("drop_everything", {})
    assert.are.equal("'drop_everything' names no operation", err.message)
    _, err = q:enqueue("run_signal", { question = "no domain" })
    assert.matches("'domain' is required", err.message)
    assert.are.equal(0, server.inspect:exists(STREAM))
  end)

  it("takes only the operations it allows", function()
    q = signals.queue.new{ client = client, redis = redis.connect(server.port), stream = STREAM,
                           allow = { "get_credits", "run_signal" } }
    local _, err = q:enqueue("delete_signal_template", { templateId = "t1" })
    assert.are.equal("operation not allowed: delete_signal_template", err.message)
    -- A producer that is not this code is answered with the same error.
    local id = assert(server.inspect:xadd(STREAM, "*", "op", "delete_signal_template", "params", '{"templateId":"t1"}'))
    assert.are.equal(1, work(1))
    _, err = q:result(id)
    assert.are.same({ "invalid_request", "operation not allowed: delete_signal_template" }, { err.kind, err.message })
    assert.are.equal(0, #mock:requests())
    assert.has_error(function() signals.queue.new{ client = client, redis = server.inspect, allow = { "nope" } } end,
      "signals.queue.new: 'allow' names no operation: nope")
  end)

  it("says when no result came in time", function()
    local id = assert(q:enqueue("get_credits"))
    local started = require("socket").gettime()
    local _, err = q:result(id, 0.3)
    assert.are.same({ "timeout", true }, { err.kind, err.retryable })
    assert.is_true(require("socket").gettime() - started >= 0.28)
    _, err = q:result(id)
    assert.are.equal("timeout", err.kind)
  end)

  it("takes jobs queued by a Redis script (examples/redis/enqueue.lua)", function()
    local script = assert(helper.read_file("examples/redis/enqueue.lua"))
    local id = assert(server.inspect:eval(script, 1, STREAM, "get_credits", "{}"))
    assert.are.equal(1, work(1))
    assert.are.equal(10000, assert(q:result(id)).remainingCredits)
  end)

  it("polls, after its worker died waiting, the signal it created instead of creating another", function()
    mock:config{ delay_ms = 1500 }
    local doomed = workers.start(mock.url, server.port, STREAM, "doomed", 60)
    local id = assert(q:enqueue("run_signal", { domain = "acme.com", question = "Hiring?" }))
    for _ = 1, 300 do
      if creates() == 1 and server.inspect:hget(STREAM .. ":job:" .. id, "signal") ~= redis.null then break end
      helper.sleep(0.01)
    end
    workers.kill(doomed)
    local signal_id = server.inspect:hget(STREAM .. ":job:" .. id, "signal")
    assert.is_string(signal_id)
    -- Another worker takes it over once it was idle long enough.
    helper.sleep(0.3)
    assert.are.equal(1, work(1, { idle_reclaim = 0.2 }))
    local sig = assert(q:result(id))
    assert.are.same({ signal_id, "completed" }, { sig.id, sig.status })
    assert.are.equal(1, creates())
  end)

  it("finds the signal a worker created but died before recording", function()
    local params = { domain = "acme.com", question = "Hiring?" }
    local id = assert(q:enqueue("run_signal", params))
    local other = assert(q:enqueue("run_signal", params))
    -- Both jobs were taken by a worker that marked them as being created,
    -- asked the API for the first only, then died.
    server.inspect:xgroup("CREATE", STREAM, "signals-workers", "0")
    server.inspect:xreadgroup("GROUP", "signals-workers", "dead", "COUNT", 2, "STREAMS", STREAM, ">")
    for _, job in ipairs{ id, other } do
      server.inspect:hset(STREAM .. ":job:" .. job, "creating", os.time() - 1, "attempt", 1)
    end
    local created = assert(helper.client(mock):create_signal(params))
    helper.sleep(0.3)
    assert.are.equal(2, work(2, { idle_reclaim = 0.2 }))
    assert.are.equal(created.id, assert(q:result(id)).id)
    -- The other job's signal is not that one: it belongs to the first.
    assert.are_not.equal(created.id, assert(q:result(other)).id)
    assert.are.equal(2, creates())
  end)

  it("keeps a job that outlasts idle_reclaim with its live worker: one delivery, one create, one answer", function()
    -- Three worker processes taking over jobs idle for 1 s; the signals
    -- take 4 s and 3 s, the second fails once (retryably) first. A job
    -- taken over from a live worker counts a delivery each time (dead
    -- letters follow), and each holder would create it again.
    local pids = {}
    for i = 1, 3 do pids[i] = workers.start(mock.url, server.port, STREAM, "long-" .. i, 1) end
    -- The job's answer, and the most deliveries it had meanwhile.
    local function answer(id)
      local most = 0
      for _ = 1, 200 do
        local row = server.inspect:xpending(STREAM, "signals-workers", "-", "+", 10)[1]
        if row then most = math.max(most, tonumber(row[4])) end
        local value, err = q:result(id, 0.1)
        if value or err.kind ~= "timeout" then return value, err, most end
      end
    end
    local ok, failure = pcall(function()
      local long = assert(q:enqueue("run_signal", { domain = "acme.com", question = "Long? [delay:4000]" }))
      local sig, err, most = answer(long)
      assert.are.same({ "completed", 1 }, { sig and sig.status or err.code, most })
      assert.are.equal(1, creates())
      local flaky = assert(q:enqueue("run_signal", { domain = "acme.com",
                                                     question = "Long and flaky? [flaky:1] [delay:3000]" }))
      sig, err, most = answer(flaky)
      assert.are.same({ "completed", 1 }, { sig and sig.status or err.code, most })
      -- Time for a worker that lost the job to create it again.
      helper.sleep(1)
    end)
    for _, pid in ipairs(pids) do workers.kill(pid) end
    assert(ok, failure)
    assert.are.equal(3, creates())
    assert.are.equal(0, server.inspect:xlen(STREAM .. ":dead"))
    assert.are.equal(0, server.inspect:xpending(STREAM, "signals-workers")[1])
  end)

  it("adopts no signal whose question it cannot tell is the job's: creates again", function()
    local template = assert(helper.client(mock):create_signal_template{ name = "k8s", question = "Kubernetes?" })
    local schema = { type = "object", properties = { seats = { type = "integer" } } }
    local by_template = assert(q:enqueue("run_signal", { domain = "acme.com", signalTemplateId = template.id }))
    local by_schema = assert(q:enqueue("run_signal", { domain = "acme.com", question = "Seats?",
                                                       answerType = "json_schema", outputSchema = schema }))
    server.inspect:xgroup("CREATE", STREAM, "signals-workers", "0")
    server.inspect:xreadgroup("GROUP", "signals-workers", "dead", "COUNT", 2, "STREAMS", STREAM, ">")
    for _, job in ipairs{ by_template, by_schema } do
      server.inspect:hset(STREAM .. ":job:" .. job, "creating", os.time() - 1, "attempt", 1)
    end
    -- Signals on the domain since then: another question, the same
    -- question with another schema; signals-mock's list shows neither the
    -- template nor the schema.
    local other = assert(helper.client(mock):create_signal{ domain = "acme.com", question = "Hiring?" })
    local other_schema = assert(helper.client(mock):create_signal{ domain = "acme.com", question = "Seats?",
      answerType = "json_schema", outputSchema = { type = "object", properties = { seats = { type = "string" } } } })
    helper.sleep(0.3)
    assert.are.equal(2, work(2, { idle_reclaim = 0.2 }))
    local sig = assert(q:result(by_template))
    assert.are_not.equal(other.id, sig.id)
    assert.are.same({ "Kubernetes?", "completed" }, { sig.question, sig.status })
    sig = assert(q:result(by_schema))
    assert.are_not.equal(other_schema.id, sig.id)
    -- signals-mock answers an integer property 42, a string one "example".
    assert.are.equal(42, sig:value().seats)
    assert.are.equal(4, #mock:requests_to("POST", "/v1/companies/signals"))
  end)

  it("ends a job whose create answered a signal without an id with a decode error, and goes on", function()
    for _, body in ipairs{ { status = "processing", domain = "acme.com", question = "Q?" },
                           { id = { nested = true }, status = "processing", domain = "acme.com", question = "Q?" } } do
      mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "status", status = 201, body = body }
    end
    local ids = {
      assert(q:enqueue("create_signal", { domain = "acme.com", question = "Q?" })),
      assert(q:enqueue("run_signal", { domain = "acme.com", question = "Q?" })),
      assert(q:enqueue("get_credits")),
    }
    assert.are.equal(3, work(3))
    for i = 1, 2 do
      local _, err = q:result(ids[i])
      assert.are.same({ "decode", true, false }, { err.kind, err.maybe_processed, err.retryable })
      assert.matches("without an id", err.message)
    end
    assert(q:result(ids[3]))
    assert.are.equal(0, server.inspect:xpending(STREAM, "signals-workers")[1])
    assert.are.equal(2, creates())
  end)

  it("moves a job delivered too often to the dead-letter stream and tells its caller", function()
    q = signals.queue.new{ client = client, redis = redis.connect(server.port), stream = STREAM,
                           max_deliveries = 2 }
    local id = assert(q:enqueue("get_credits"))
    server.inspect:xgroup("CREATE", STREAM, "signals-workers", "0")
    server.inspect:xreadgroup("GROUP", "signals-workers", "dead", "STREAMS", STREAM, ">")
    server.inspect:xreadgroup("GROUP", "signals-workers", "dead", "STREAMS", STREAM, "0")
    helper.sleep(0.3)
    assert.are.equal(1, work(1, { idle_reclaim = 0.2 }))
    local _, err = q:result(id)
    assert.are.same({ "network", "DEAD_LETTER", false }, { err.kind, err.code, err.retryable })
    assert.matches("delivered 3 times", err.message)
    local dead = server.inspect:xrange(STREAM .. ":dead", "-", "+")
    assert.are.equal(1, #dead)
    local fields = {}
    for i = 1, #dead[1][2], 2 do fields[dead[1][2][i]] = dead[1][2][i + 1] end
    assert.are.same({ job = id, op = "get_credits", params = "{}", deliveries = "3", signal = "" }, fields)
    assert.are.equal(0, #mock:requests())
    assert.are.equal(0, server.inspect:xpending(STREAM, "signals-workers")[1])
  end)

  it("stores one result per job even when two workers finish it", function()
    local id = assert(q:enqueue("get_credits"))
    assert(q:ensure_group())
    assert(q:read("a", ">"))
    assert.is_true(q:finish(id, "true\n"))
    assert.is_false(q:finish(id, "true\n"))
    assert.are.equal(1, server.inspect:llen(STREAM .. ":result:" .. id))
  end)

  it("keeps results a whole number of seconds, from 1 to 2^31, refusing other durations", function()
    q = signals.queue.new{ client = client, redis = redis.connect(server.port), stream = STREAM, result_ttl = 1.2 }
    local id = assert(q:enqueue("get_credits"))
    assert.are.equal(1, work(1))
    assert(q:result(id))
    assert.are.equal(2, server.inspect:ttl(STREAM .. ":result:" .. id))
    for _, ttl in ipairs{ 0.5, 2 ^ 31 + 1, 1e20 } do
      assert.has_error(function()
        signals.queue.new{ client = client, redis = redis.connect(server.port), result_ttl = ttl }
      end, "signals.queue.new: 'opts.result_ttl' must be between 1 and 2147483648 (seconds)")
    end
    for _, name in ipairs{ "idle_reclaim", "block" } do
      assert.has_error(function() q:work{ consumer = "here", [name] = 1e20 } end,
        "signals.queue: work: 'opts." .. name .. "' must be at most 2147483648 (seconds)")
    end
    -- A block below a millisecond is one, not Redis's "for ever".
    local started = require("socket").gettime()
    assert.are.equal(0, q:work{ consumer = "here", block = 0.0001, stop = function()
      return require("socket").gettime() - started > 0.2 end })
  end)

  it("refuses a connection that lacks a command it needs, saying how to add it", function()
    local conn = { evalsha = print, script = print }
    assert.has_error(function() signals.queue.new{ client = client, redis = conn } end,
      "signals.queue.new: the Redis connection has no 'xadd' method (Debian's lua-redis: "
        .. "redis.commands.xadd = redis.command('XADD') before connecting)")
    assert.has_error(function() signals.queue.new{ redis = redis.connect(server.port) } end,
      "signals.queue.new: 'client' is required (a client of signals.new)")
    assert.has_error(function() q:work{} end, "signals.queue: work: 'opts.consumer' is required")
  end)
end)

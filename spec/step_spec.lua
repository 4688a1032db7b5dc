-- client:start / client:step / handles (CONTRACT §11) against signals-mock:
-- calls that return at once and move on only inside step, step's bound on
-- waiting, results equal to the blocking methods', and the bad input of a
-- host's loop: step from a callback or a hook, a handle read too early, a
-- client closed with calls in flight, callbacks and hooks that raise.
local helper = require("helper")
local signals = require("signals")
local core = require("signals.core")

local UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
-- An id no other spec asks for: a request another spec abandoned may
-- still reach the mock after its reset, and must not be counted.
local CLOSE_ID = "00000000-0000-4000-8000-00000000c105"
local CREDITS = "/v1/credits"

-- Steps until nothing is in flight (each step waits at most 0.05 s), or
-- fails after `limit` seconds.
local function drain(client, limit)
  local deadline = core.now() + (limit or 10)
  while client:step(0.05) > 0 do
    assert(core.now() < deadline, "calls still in flight after " .. (limit or 10) .. " s")
  end
end

local function elapsed(fn)
  local before = core.now()
  local a, b = fn()
  return core.now() - before, a, b
end

describe("client:start and client:step", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 50 }
  end)

  it("returns a handle at once and sends nothing before step", function()
    local client = helper.client(mock)
    local h = client:start("get_credits")
    assert.is_false(h:done())
    assert.are.equal(0, #mock:requests())
    drain(client)
    assert.is_true(h:done())
    assert.are.equal(10000, h:result().remainingCredits)
    assert.are.equal(1, #mock:requests())
  end)

  it("gives what the blocking methods give: objects, pages, errors, positional ids", function()
    local client = helper.client(mock, { sleep = helper.sleep })
    local created = assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
    local h = {
      got = client:start("get_signal", created.id),
      page = client:start("list_signals", { domain = "acme.com" }),
      missing = client:start("get_signal", { signalId = UNKNOWN_UUID }),
      waited = client:start("wait", created, { interval = 0.02 }),
      run = client:start("run_signal", { domain = "acme.com", question = "Budget?", answerType = "boolean" }),
      contact = client:start("run_contact_signal", { contactProfileUrl = "https://www.linkedin.com/in/jane",
                                                     question = "Active?" }),
      any = client:start("get_any_signal", created.id),
    }
    drain(client)
    assert.are.equal(created.id, h.got:result().id)
    assert.are.equal("page", signals.kind(h.page:result()))
    local listed = {}
    for _, item in ipairs(h.page:result().items) do listed[item.id] = true end
    assert.is_true(listed[created.id])
    local none, err = h.missing:result()
    assert.is_nil(none)
    assert.are.equal("http", err.kind)
    assert.are.equal(404, err.status)
    assert.are.equal("completed", h.waited:result().status)
    assert.are.equal(true, h.run:result():value())
    assert.are.equal("completed", h.contact:result().status)
    assert.are.equal(created.id, h.any:result().id)
  end)

  it("hands a call refused by validation back done at once, with its error, sending nothing", function()
    local client = helper.client(mock)
    local h = client:start("get_signal", { signalId = "not-a-uuid" })
    assert.is_true(h:done())
    local none, err = h:result()
    assert.is_nil(none)
    assert.are.equal("invalid_request", err.kind)
    assert.are.equal("signalId", err.fields[1].field)
    local run = client:start("run_signal", { domain = "acme.com", question = "Q" }, { max_attempts = 0 })
    assert.is_true(run:done())
    assert.are.equal("invalid_request", select(2, run:result()).kind)
    assert.are.equal(0, client:step(0))
    assert.are.equal(0, #mock:requests())
  end)

  it("calls on_done from inside step only, once, with the method's results", function()
    local client = helper.client(mock)
    local calls, inside = {}, false
    local function record(name)
      return function(value, err)
        assert.is_true(inside, "on_done called outside step")
        calls[#calls + 1] = { name = name, value = value, err = err }
      end
    end
    client:start("get_credits", nil, { on_done = record("credits") })
    client:start("get_signal", { signalId = "bad" }, { on_done = record("refused") })
    client:start("get_signal", UNKNOWN_UUID, { on_done = record("missing") })
    assert.are.equal(0, #calls)
    local deadline = core.now() + 10
    repeat
      inside = true
      local n = client:step(0.05)
      inside = false
    until n == 0 or core.now() > deadline
    inside = true
    client:step(0)
    assert.are.equal(3, #calls)
    local by = {}
    for _, c in ipairs(calls) do
      assert.is_nil(by[c.name], "on_done called twice")
      by[c.name] = c
    end
    assert.are.equal(10000, by.credits.value.remainingCredits)
    assert.is_nil(by.credits.err)
    assert.is_nil(by.refused.value)
    assert.are.equal("invalid_request", by.refused.err.kind)
    assert.are.equal(404, by.missing.err.status)
  end)

  it("never waits in step(0), and waits at most max_seconds otherwise", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "stall", seconds = 1.5 }
    local client, slept = helper.client(mock)
    local h = client:start("get_credits")
    local took, n = elapsed(function() return client:step(0) end)
    assert.are.equal(1, n)
    assert.is_true(took < 0.3, "step(0) took " .. took .. " s")
    took, n = elapsed(function() return client:step(0.3) end)
    assert.are.equal(1, n)
    assert.is_true(took >= 0.25 and took < 0.6, "step(0.3) took " .. took .. " s")
    -- Returns as soon as the call ends, well before max_seconds.
    took, n = elapsed(function() return client:step(10) end)
    assert.are.equal(0, n)
    assert.is_true(took < 2, "step(10) took " .. took .. " s")
    assert.is_true(h:done())
    assert.are.same({}, slept)
  end)

  it("keeps a frame loop turning: hundreds of step(0) while a call is held 1 s", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "stall", seconds = 1 }
    local client = helper.client(mock)
    local h = client:start("get_credits")
    local frames, longest = 0, 0
    while not h:done() do
      local took = elapsed(function() return client:step(0) end)
      longest = math.max(longest, took)
      frames = frames + 1
      helper.sleep(0.002)
    end
    assert.is_true(frames > 200, frames .. " frames")
    assert.is_true(longest < 0.5, "the longest step took " .. longest .. " s")
    assert.are.equal(10000, h:result().remainingCredits)
  end)

  it("sends at most 16 new requests a step, the rest in the steps that follow", function()
    local sent = 0
    local client = helper.client(mock, { on_request = function() sent = sent + 1 end })
    local handles = {}
    for i = 1, 40 do handles[i] = client:start("get_credits") end
    local per_step = {}
    while sent < 40 do
      local before = sent
      client:step(0)
      per_step[#per_step + 1] = sent - before
    end
    assert.are.same({ 16, 16, 8 }, per_step)
    drain(client)
    for i = 1, 40 do assert.are.equal(10000, handles[i]:result().remainingCredits) end
    -- a blocking loop sends them without waiting between rounds
    local took, results = elapsed(function()
      local calls = {}
      for i = 1, 40 do calls[i] = { "get_credits" } end
      return client:all(calls, { concurrency = 40 })
    end)
    assert.are.equal(40, #results)
    assert.is_true(took < 2, "client:all took " .. took .. " s")
  end)

  it("runs retries and polls by the clock, never sleeping in step(0)", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "html502", times = 2 }
    -- the clock is real, the sleeps only recorded: step(0) must not call them
    local client, slept = helper.client(mock, { clock = core.now, retry_base_delay = 0.05,
                                                retry_max_delay = 0.05 })
    local retried = 0
    client.options.on_retry = function() retried = retried + 1 end
    local h = client:start("get_credits")
    local sig = assert(client:create_signal{ domain = "acme.com", question = "Slow? [delay:300]" })
    local w = client:start("wait", sig, { interval = 0.05 })
    local deadline = core.now() + 10
    while client:step(0) > 0 do
      assert(core.now() < deadline, "not done")
      helper.sleep(0.005)
    end
    assert.are.same({}, slept)
    assert.are.equal(2, retried)
    assert.is_number(h:result().remainingCredits)
    assert.are.equal("completed", w:result().status)
    assert.is_true(#mock:requests_to("GET", "/v1/companies/signals/" .. sig.id) >= 3)
  end)

  it("fires the hooks of every exchange, as a blocking call does", function()
    local seen = {}
    local client = helper.client(mock, {
      on_request = function(r) seen[#seen + 1] = "request " .. r.operation end,
      on_response = function(r) seen[#seen + 1] = "response " .. r.status end,
    })
    client:start("get_credits")
    assert.are.same({}, seen)
    drain(client)
    assert.are.same({ "request get_credits", "response 200" }, seen)
  end)

  it("refuses misuse by raising: unknown names, wrong opts, wrong max_seconds", function()
    local client = helper.client(mock)
    assert.has_error(function() client:start("no_such_operation") end,
      "signals: client:start: 'no_such_operation' names no operation")
    assert.has_error(function() client:start("paginate", "list_signals") end)
    assert.has_error(function() client:start("get_credits", nil, "fast") end)
    assert.has_error(function() client:start("get_credits", nil, { on_done = true }) end)
    assert.has_error(function() client:step(-1) end)
    assert.has_error(function() client:step(0 / 0) end)
    assert.has_error(function() client:step("0") end)
    assert.are.equal(0, client:step())
    assert.are.equal(0, #mock:requests())
  end)

  it("returns at once when nothing is in flight, whatever max_seconds", function()
    local client = helper.client(mock)
    local took, n = elapsed(function() return client:step(5) end)
    assert.are.equal(0, n)
    assert.is_true(took < 0.1)
  end)

  it("keeps its connections from one burst of calls to the next", function()
    -- The answers of a burst come one after another (each held a little
    -- longer than the one before), so that the last ones end with few
    -- transfers left: the connections they free stay for the next burst
    -- (libcurl would keep only 4 per transfer still under way).
    local client = helper.client(mock)
    for _ = 1, 3 do
      for i = 1, 8 do
        mock:fault{ method = "GET", path = CREDITS, fault = "stall", seconds = 0.03 * i }
        client:start("get_credits")
      end
      drain(client)
    end
    local ports, connections = {}, 0
    for _, req in ipairs(mock:requests()) do
      if not ports[req.remote_port] then ports[req.remote_port], connections = true, connections + 1 end
    end
    assert.are.equal(24, #mock:requests())
    assert.are.equal(8, connections)
  end)

  it("advances calls started with start while client:all runs", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "stall", seconds = 0.2 }
    local client = helper.client(mock)
    local finished
    local h = client:start("get_credits", nil, { on_done = function(v) finished = v end })
    local results = client:all({ { "get_signal", UNKNOWN_UUID } })
    assert.are.equal(404, results[1].status)
    drain(client)
    assert.are.equal(10000, finished.remainingCredits)
    assert.is_true(h:done())
  end)

  it("keeps a started call's on_done for the host's step, so that its raise cannot stop a client:all", function()
    -- the all's calls outlast the started one, which ends while the all runs
    mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "stall", seconds = 0.5, times = 2 }
    local client = helper.client(mock)
    local called = 0
    local h = client:start("get_credits", nil, { on_done = function()
      called = called + 1
      error("raised by an unrelated on_done")
    end })
    local results = client:all({
      { "create_signal", { domain = "acme.com", question = "One?" } },
      { "create_signal", { domain = "acme.com", question = "Two?" } },
    })
    assert.are.same({ "processing", "processing" }, { results[1].status, results[2].status })
    assert.is_true(h:done())
    assert.are.equal(0, called)
    local ok, problem = pcall(client.step, client, 0)
    assert.is_false(ok)
    assert.matches("raised by an unrelated on_done", problem)
    assert.are.equal(1, called)
  end)

  it("stops a client:all waiting in a yielding sleep when its call's hook raises in the host's step", function()
    if helper.NO_YIELD_ACROSS_PCALL then return pending(helper.NO_YIELD_ACROSS_PCALL) end
    mock:fault{ method = "GET", path = CREDITS, fault = "status", status = 503, times = 1,
                headers = { ["Retry-After"] = "1" } }
    local wake = {}
    local client = helper.client(mock, {
      sleep = function(seconds)
        wake[coroutine.running()] = core.now() + seconds
        coroutine.yield()
      end,
      on_request = function(req) if req.attempt == 2 then error("the hook says no") end end,
    })
    local all = coroutine.create(function() return client:all({ { "get_credits" } }) end)
    assert(coroutine.resume(all))
    assert.are.equal("suspended", coroutine.status(all))
    local outcome
    local deadline = core.now() + 10
    while coroutine.status(all) ~= "dead" do
      -- the host's own step: the all's hook is not the host's to hear
      client:step(0)
      if wake[all] and core.now() >= wake[all] then
        wake[all] = nil
        outcome = { coroutine.resume(all) }
      end
      assert(core.now() < deadline, "client:all did not end")
      helper.sleep(0.01)
    end
    assert.is_false(outcome[1])
    assert.matches("the hook says no", outcome[2])
  end)
end)

describe("handles", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("raise when read before they are done", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "stall", seconds = 0.3 }
    local client = helper.client(mock)
    local h = client:start("get_credits")
    assert.has_error(function() h:result() end,
      "signals: handle:result() called before the call is done (see handle:done() and opts.on_done)")
    client:step(0)
    assert.has_error(function() h:result() end)
    drain(client)
    assert.are.equal(10000, h:result().remainingCredits)
  end)

  it("cancel a call in flight: its error says so, its on_done comes with the next step", function()
    mock:fault{ path = "/v1/*", fault = "stall", seconds = 0.5, times = 2 }
    local client = helper.client(mock)
    local got = {}
    local get = client:start("get_credits", nil, { on_done = function(v, e) got.get = { v, e } end })
    local post = client:start("create_signal", { domain = "acme.com", question = "Q?" },
      { on_done = function(v, e) got.post = { v, e } end })
    client:step(0)
    client:step(0.05)
    assert.are.equal(2, #mock:requests())
    assert.is_true(get:cancel())
    assert.is_true(post:cancel())
    assert.is_true(get:done())
    assert.is_false(get:cancel())
    local none, err = get:result()
    assert.is_nil(none)
    assert.are.equal("invalid_request", err.kind)
    assert.are.equal("the call was cancelled", err.message)
    assert.is_false(err.maybe_processed)
    assert.are.equal("/v1/credits", err.path)
    -- a POST given up on in flight may have been processed
    assert.is_true(select(2, post:result()).maybe_processed)
    assert.is_nil(got.get)
    assert.are.equal(0, client:step(0))
    assert.are.equal("the call was cancelled", got.get[2].message)
    assert.are.equal("the call was cancelled", got.post[2].message)
    -- the connections of the abandoned requests are not reused half-read
    assert.is_number(assert(client:get_credits()).remainingCredits)
    local again = client:start("get_credits")
    drain(client)
    assert.is_number(again:result().remainingCredits)
  end)

  it("cancel a run_signal between its polls: the error says its create may have been paid", function()
    mock:config{ delay_ms = 4000 }
    local client = helper.client(mock, { sleep = helper.sleep })
    local h = client:start("run_signal", { domain = "acme.com", question = "Cancelled later?" },
      { wait = 1, interval = 0.2 })
    local deadline = core.now() + 10
    while #mock:requests_to("GET", "/v1/companies/signals/*") == 0 do
      client:step(0.05)
      assert(core.now() < deadline, "no poll")
    end
    assert.is_true(h:cancel())
    client:step(0)
    local value, err = h:result()
    assert.is_nil(value)
    assert.are.equal("the call was cancelled", err.message)
    assert.is_true(err.maybe_processed)
    -- a call that sent only GETs says nothing was processed
    local get = client:start("get_credits")
    get:cancel()
    client:step(0)
    assert.is_not_true(select(2, get:result()).maybe_processed)
  end)

  it("cancel a call waiting for its retry: nothing more is sent", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "status", status = 503,
                headers = { ["Retry-After"] = "30" } }
    local client = helper.client(mock)
    local h = client:start("get_credits")
    client:step(0.5)
    assert.is_false(h:done())
    assert.are.equal(1, #mock:requests())
    h:cancel()
    assert.are.equal(0, client:step(0))
    assert.are.equal("the call was cancelled", select(2, h:result()).message)
    assert.are.equal(1, #mock:requests())
  end)
end)

describe("callbacks and hooks", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("allow step, start and client:all from inside on_done", function()
    local client = helper.client(mock)
    local inner, nested
    client:start("get_credits", nil, { on_done = function()
      local h = client:start("get_signal", UNKNOWN_UUID)
      while not h:done() do client:step(0.05) end
      inner = select(2, h:result())
      nested = client:all({ { "get_credits" }, { "get_credits" } })
    end })
    drain(client)
    assert.are.equal(404, inner.status)
    assert.are.equal(2, #nested)
    assert.are.equal(10000, nested[2].remainingCredits)
  end)

  it("refuse step from inside a hook of a call step runs: step raises that, the call ends with it", function()
    local client
    client = helper.client(mock, { on_request = function() client:step(0) end })
    local h = client:start("get_credits")
    local ok, problem = pcall(client.step, client, 0)
    assert.is_false(ok)
    assert.matches("client:step called from inside a hook", tostring(problem), 1, true)
    assert.is_true(h:done())
    assert.has_error(function() h:result() end)
  end)

  it("a hook that raises: step raises its value, the handle raises it, the other calls go on", function()
    local client = helper.client(mock, { on_response = function(r)
      if r.status == 404 then error({ reason = "hook" }) end
    end })
    local ok_call = client:start("get_credits")
    local heard = {}
    local bad_call = client:start("get_signal", UNKNOWN_UUID, { on_done = function(value, err)
      heard[#heard + 1] = { value = value, err = err }
    end })
    local raised
    local deadline = core.now() + 10
    while not (ok_call:done() and bad_call:done()) do
      local ok, problem = pcall(client.step, client, 0.05)
      if not ok then raised = problem end
      assert(core.now() < deadline)
    end
    assert.are.same({ reason = "hook" }, raised)
    -- its on_done came first, once, with the raised value: no call goes unheard
    assert.are.equal(1, #heard)
    assert.is_nil(heard[1].value)
    assert.are.equal(raised, heard[1].err)
    assert.are.equal(10000, ok_call:result().remainingCredits)
    local ok, again = pcall(bad_call.result, bad_call)
    assert.is_false(ok)
    assert.are.equal(raised, again)
    assert.are.equal(0, client:step(0))
  end)

  it("an on_done that raises: step raises it, the result stays, the other callbacks come next step", function()
    local client = helper.client(mock)
    local later = 0
    local first = client:start("get_signal", { signalId = "bad" }, { on_done = function() error("first", 0) end })
    client:start("get_signal", { signalId = "bad" }, { on_done = function() later = later + 1 end })
    client:start("get_signal", { signalId = "bad" }, { on_done = function() later = later + 1 end })
    assert.has_error(function() client:step(0) end, "first")
    assert.are.equal(0, later)
    assert.are.equal("invalid_request", select(2, first:result()).kind)
    assert.are.equal(0, client:step(0))
    assert.are.equal(2, later)
    client:step(0)
    assert.are.equal(2, later)
  end)
end)

describe("client:close with calls in flight", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("ends each call with the error of a closed client and calls its on_done, in start order", function()
    mock:fault{ path = "/v1/*", fault = "stall", seconds = 0.5, times = 3 }
    local client = helper.client(mock)
    local order = {}
    local handles = {}
    for i = 1, 3 do
      handles[i] = client:start("get_credits", nil, { on_done = function(v, err)
        order[#order + 1] = i .. " " .. tostring(v) .. " " .. err.message
      end })
    end
    client:step(0.05)
    client:close()
    local closed = "nil the client is closed"
    assert.are.same({ "1 " .. closed, "2 " .. closed, "3 " .. closed }, order)
    for i = 1, 3 do
      local none, err = handles[i]:result()
      assert.is_nil(none)
      assert.are.equal("invalid_request", err.kind)
    end
    assert.are.equal(0, client:step(0))
    client:close()
    assert.are.equal(3, #order)
  end)

  it("answers a call started on a closed client with its error, by the next step", function()
    local client = helper.client(mock)
    client:close()
    local got
    local h = client:start("get_signal", CLOSE_ID, { on_done = function(_, err) got = err end })
    assert.is_true(h:done())
    assert.matches("closed", select(2, h:result()).message)
    assert.are.equal(0, client:step(0))
    assert.are.equal("invalid_request", got.kind)
    assert.are.same({}, mock:requests_to("GET", "/v1/companies/signals/" .. CLOSE_ID))
  end)

  it("from inside on_done: ends the other calls, and the loop stops", function()
    mock:fault{ path = CREDITS, fault = "stall", seconds = 1, times = 2 }
    local client = helper.client(mock)
    local ends = {}
    local function note(name)
      return function(_, err) ends[#ends + 1] = name .. " " .. tostring(err.status or err.message) end
    end
    client:start("get_signal", UNKNOWN_UUID, { on_done = function(...)
      note("first")(...)
      client:close()
    end })
    client:start("get_credits", nil, { on_done = note("second") })
    client:start("get_credits", nil, { on_done = note("third") })
    local took = elapsed(function()
      while client:step(0.05) > 0 do end
    end)
    assert.is_true(took < 0.9, took)
    assert.are.same({ "first 404", "second the client is closed", "third the client is closed" }, ends)
  end)

  it("from inside a hook: the calls end, nothing more is sent", function()
    local id = CLOSE_ID
    local client
    client = helper.client(mock, { on_request = function() client:close() end })
    local handles = { client:start("get_signal", id), client:start("get_signal", id) }
    client:step(0)
    for _, h in ipairs(handles) do
      assert.is_true(h:done())
      assert.are.equal("the client is closed", select(2, h:result()).message)
    end
    assert.are.same({}, mock:requests_to("GET", "/v1/companies/signals/" .. id))
    assert.are.equal(0, client:step(0))
  end)
end)

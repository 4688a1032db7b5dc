-- client:all and client:wait_all (CONTRACT §7, §9) against signals-mock:
-- results in input order with errors in place, on_progress, the number of
-- requests in flight (distinct client ports in the mock's log: a request
-- held by a stall keeps its connection busy), keep-alive, retries that hold
-- up no other call, hooks, and transports without submit/poll.
local helper = require("helper")
local signals = require("signals")
local core = require("signals.core")
local socket = require("socket")

local UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
local CREDITS = "/v1/credits"

local function credits_calls(n)
  local calls = {}
  for i = 1, n do calls[i] = { "get_credits" } end
  return calls
end

-- Runs fn, raising if it has not returned after `seconds` (a hook that
-- counts instructions: a call that spins fails instead of hanging busted;
-- LuaJIT calls no hook from compiled code, hence the JIT off meanwhile).
local function within(seconds, fn)
  local jit = rawget(_G, "jit")
  if jit then jit.off() end
  local deadline = socket.gettime() + seconds
  debug.sethook(function()
    if socket.gettime() > deadline then
      debug.sethook()
      error("did not return within " .. seconds .. " s", 2)
    end
  end, "", 10000)
  local ok, a, b = pcall(fn)
  debug.sethook()
  if jit then jit.on() end
  if not ok then error(a, 0) end
  return a, b
end

local function distinct_ports(log)
  local ports, n = {}, 0
  for _, req in ipairs(log) do
    if not ports[req.remote_port] then ports[req.remote_port], n = true, n + 1 end
  end
  return n
end

describe("client:all", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("returns results in input order, errors in place, and sends no refused call", function()
    local client = helper.client(mock)
    local created = assert(client:create_signal{ domain = "acme.com", question = "Hiring?" })
    local results = client:all({
      { "get_signal", { signalId = created.id } },
      { "get_credits" },
      { "get_signal", { signalId = UNKNOWN_UUID } },
      { "get_signal", { signalId = "not-a-uuid" } },
      { "no_such_operation", {} },
      "get_credits",
      { "get_signal", created.id },
      { "create_signal", { domain = "acme.com", question = "Budget?", answerType = "boolean" } },
    }, { concurrency = 3 })
    assert.are.equal(8, #results)
    assert.are.equal(created.id, results[1].id)
    assert.is_number(results[2].remainingCredits)
    assert.are.equal("error", signals.kind(results[3]))
    assert.are.equal("http", results[3].kind)
    assert.are.equal(404, results[3].status)
    assert.are.equal("invalid_request", results[4].kind)
    assert.are.equal("signalId", results[4].fields[1].field)
    assert.are.equal("invalid_request", results[5].kind)
    assert.matches("no_such_operation", results[5].message)
    assert.are.equal("invalid_request", results[6].kind)
    assert.are.equal("calls[6]", results[6].fields[1].field)
    assert.are.equal(created.id, results[7].id)
    assert.are.equal("signal", signals.kind(results[8]))
    assert.are.equal("boolean", results[8].answerType)
    -- the create, then five requests: the three refused calls sent nothing
    local log = mock:requests()
    assert.are.equal(6, #log)
    local posts = 0
    for _, req in ipairs(log) do
      if req.method == "POST" then posts = posts + 1 end
    end
    assert.are.equal(2, posts)
  end)

  it("reports progress once per call, in order, with the total", function()
    local client = helper.client(mock)
    local seen = {}
    local calls = credits_calls(5)
    calls[3] = { "get_signal", { signalId = "bad" } }
    local results = client:all(calls, { on_progress = function(done, total)
      seen[#seen + 1] = done .. "/" .. total
    end })
    assert.are.equal(5, #results)
    assert.are.same({ "1/5", "2/5", "3/5", "4/5", "5/5" }, seen)
  end)

  it("keeps exactly `concurrency` requests in flight, on kept-alive connections", function()
    -- Every request is held 0.2 s: each one in flight occupies a connection
    -- of its own, so the ports the mock saw count the requests in flight.
    mock:fault{ path = "/v1/*", fault = "stall", seconds = 0.2, times = 12 }
    local client = helper.client(mock)
    local results = client:all(credits_calls(12), { concurrency = 4 })
    for i = 1, 12 do assert.are.equal("object", signals.kind(results[i]), tostring(results[i])) end
    local log = mock:requests()
    assert.are.equal(12, #log)
    assert.are.equal(4, distinct_ports(log))
  end)

  it("returns in input order what finished in another order", function()
    local slow = assert(helper.client(mock):create_signal{ domain = "slow.com", question = "Slow?" })
    mock:fault{ method = "GET", path = "/v1/companies/signals/" .. slow.id, fault = "stall", seconds = 0.3 }
    local finished = {}
    local client = helper.client(mock, { on_response = function(r) finished[#finished + 1] = r.url end })
    local calls = credits_calls(4)
    table.insert(calls, 1, { "get_signal", slow.id })
    local results = client:all(calls, { concurrency = 5 })
    assert.are.equal(slow.id, results[1].id)
    for i = 2, 5 do assert.is_number(results[i].remainingCredits) end
    -- the stalled request was sent first and answered last
    assert.are.equal(5, #finished)
    assert.matches(slow.id, finished[5], 1, true)
  end)

  it("retries a call by the policy while the other calls go on", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "status", status = 503,
                headers = { ["Retry-After"] = "1" } }
    local client, slept = helper.client(mock)
    local calls = { { "get_credits" }, { "get_signal", UNKNOWN_UUID }, { "get_signal", UNKNOWN_UUID } }
    local results = client:all(calls, { concurrency = 2 })
    assert.are.equal(10000, results[1].remainingCredits)
    assert.are.equal(404, results[2].status)
    assert.are.equal(404, results[3].status)
    -- the third call went out while the first waited its second (the
    -- first three arrive in any order: they overlap)
    local log = mock:requests()
    assert.are.equal(4, #log)
    assert.are.equal(CREDITS, log[4].path)
    local seen = {}
    for i = 1, 3 do seen[log[i].path] = (seen[log[i].path] or 0) + 1 end
    assert.are.same({ [CREDITS] = 1, ["/v1/companies/signals/" .. UNKNOWN_UUID] = 2 }, seen)
    -- one wait, for what was left of the second once nothing was in flight
    assert.are.equal(1, #slept)
    assert.is_true(slept[1] > 0 and slept[1] <= 1, tostring(slept[1]))
  end)

  it("gives up on a call after max_retries, in place", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "html502", times = 5 }
    local client = helper.client(mock, { max_retries = 1, retry_base_delay = 0.01 })
    local results = client:all({ { "get_credits" }, { "get_signal", UNKNOWN_UUID } })
    assert.are.equal(502, results[1].status)
    assert.are.equal(2, results[1].attempts)
    assert.are.equal(404, results[2].status)
    assert.are.equal(3, #mock:requests())
  end)

  it("passes each call's own options", function()
    local client = helper.client(mock)
    local results = client:all({
      { "get_credits", nil, { headers = { ["X-Trace"] = "one" } } },
      { "get_credits", nil, { headers = { ["X-Trace"] = "two" } } },
    })
    assert.is_number(results[2].remainingCredits)
    local traces = {}
    for _, req in ipairs(mock:requests()) do traces[req.headers["x-trace"]] = true end
    assert.are.same({ one = true, two = true }, traces)
  end)

  it("follows a same-origin redirect of one call", function()
    mock:fault{ method = "GET", path = CREDITS, fault = "status", status = 307,
                headers = { Location = mock.url .. CREDITS } }
    local client = helper.client(mock)
    local results = client:all({ { "get_credits" }, { "get_signal", UNKNOWN_UUID } })
    assert.is_number(results[1].remainingCredits)
    assert.are.equal(404, results[2].status)
    assert.are.equal(3, #mock:requests())
  end)

  it("fires the hooks of every exchange", function()
    local requests, responses = 0, 0
    local client = helper.client(mock, {
      on_request = function() requests = requests + 1 end,
      on_response = function() responses = responses + 1 end,
    })
    client:all(credits_calls(6), { concurrency = 3 })
    assert.are.equal(6, requests)
    assert.are.equal(6, responses)
  end)

  it("raises what a hook raises, abandons what is in flight, and stays usable", function()
    mock:fault{ path = "/v1/*", fault = "stall", seconds = 0.2, times = 3 }
    local sent = 0
    local client = helper.client(mock, { on_request = function()
      sent = sent + 1
      if sent == 3 then error("hook failed") end
    end })
    local ok, problem = pcall(client.all, client, credits_calls(6), { concurrency = 4 })
    assert.is_false(ok)
    assert.matches("hook failed", tostring(problem))
    sent = 10
    local results = client:all(credits_calls(3))
    assert.is_number(results[3].remainingCredits)
  end)

  it("raises what on_progress raises", function()
    local client = helper.client(mock)
    assert.has_error(function()
      client:all(credits_calls(2), { concurrency = 1, on_progress = function() error("stop", 0) end })
    end, "stop")
    assert.are.equal(1, #mock:requests())
  end)

  it("runs calls one by one through a transport without submit/poll", function()
    local handle = core.http{}
    local client = helper.client(mock, { transport = { request = function(req) return handle:request(req) end } })
    local calls = credits_calls(3)
    calls[2] = { "get_signal", UNKNOWN_UUID }
    local results = client:all(calls, { concurrency = 4 })
    assert.is_number(results[1].remainingCredits)
    assert.are.equal(404, results[2].status)
    assert.is_number(results[3].remainingCredits)
    assert.are.equal(1, distinct_ports(mock:requests()))
    handle:close()
  end)

  it("turns a transport that raises into network errors in place", function()
    local client = helper.client(mock, { max_retries = 0, transport = {
      request = function() error("boom") end,
    } })
    local results = client:all(credits_calls(2))
    assert.are.equal("network", results[1].kind)
    assert.matches("boom", results[2].message)
  end)

  it("returns an empty array for no calls, without progress", function()
    local client = helper.client(mock)
    local called = false
    local results = client:all({}, { on_progress = function() called = true end })
    assert.are.same({}, results)
    assert.is_false(called)
  end)

  it("refuses wrong arguments with nil and an error", function()
    local client = helper.client(mock)
    for _, case in ipairs {
      { "not a table" },
      { {}, { concurrency = 0 } },
      { {}, { concurrency = 1.5 } },
      { {}, { on_progress = true } },
      { {}, "fast" },
    } do
      local results, err = client:all(case[1], case[2])
      assert.is_nil(results)
      assert.are.equal("invalid_request", err.kind)
    end
  end)

  it("ends the calls in flight with an error when on_response closes the client", function()
    -- Two requests stall; the third answers and its hook closes the client.
    mock:fault{ path = CREDITS, fault = "stall", seconds = 1, times = 2 }
    local client
    client = helper.client(mock, { on_response = function() client:close() end })
    local started = socket.gettime()
    local results = within(5, function() return client:all(credits_calls(6), { concurrency = 3 }) end)
    assert.is_true(socket.gettime() - started < 1, "the stalled requests were waited for")
    local done, closed = 0, 0
    for i = 1, 6 do
      local result = results[i]
      if signals.kind(result) == "error" then
        assert.are.equal("invalid_request", result.kind)
        assert.are.equal("the client is closed", result.message)
        closed = closed + 1
      else
        assert.is_number(result.remainingCredits)
        done = done + 1
      end
    end
    assert.are.same({ 1, 5 }, { done, closed })
    assert.are.equal(3, #mock:requests())
  end)

  it("ends the calls in flight with an error when on_progress closes the client", function()
    mock:fault{ path = CREDITS, fault = "stall", seconds = 1, times = 2 }
    local client = helper.client(mock)
    local results = within(5, function()
      return client:all(credits_calls(4), { concurrency = 3, on_progress = function() client:close() end })
    end)
    local closed = 0
    for i = 1, 4 do
      if signals.kind(results[i]) == "error" and results[i].message == "the client is closed" then
        closed = closed + 1
      end
    end
    assert.are.equal(3, closed)
  end)

  it("answers every call of a closed client with an error in place", function()
    local client = helper.client(mock)
    client:close()
    local results = client:all(credits_calls(2))
    assert.are.equal("invalid_request", results[1].kind)
    assert.matches("closed", results[2].message)
    assert.are.equal(0, #mock:requests())
  end)
end)

describe("client:all's on_result", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("hears of each result as it comes, with its index, before on_progress", function()
    mock:fault{ method = "GET", path = "/v1/credits", fault = "stall", seconds = 0.5, times = 1 }
    local client = helper.client(mock)
    local heard, order = {}, {}
    local results = client:all({
      { "get_credits" },
      { "get_signal", "00000000-0000-4000-8000-000000000000" },
      { "no_such_operation" },
    }, { concurrency = 3,
         on_result = function(index, result)
           heard[index] = result
           order[#order + 1] = "result " .. index
         end,
         on_progress = function(done) order[#order + 1] = "progress " .. done end })
    for i = 1, 3 do assert.are.equal(results[i], heard[i]) end
    -- the stalled call came last, its result heard before its progress
    assert.are.equal("result 1", order[5])
    assert.are.equal("progress 3", order[6])
    assert.are.equal(6, #order)
  end)

  it("stops the all when it raises, as on_progress does", function()
    local client = helper.client(mock)
    local ok, problem = pcall(client.all, client, { { "get_credits" }, { "get_credits" } },
      { concurrency = 1, on_result = function() error("enough") end })
    assert.is_false(ok)
    assert.matches("enough", problem)
    local _, err = client:all({ { "get_credits" } }, { on_result = 42 })
    assert.are.equal("invalid_request", err.kind)
  end)
end)

describe("client:wait_all", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 50 }
  end)

  -- A real sleep: the mock's signals finish in real time.
  local function client_with_real_sleep()
    return helper.client(mock, { sleep = helper.sleep })
  end

  it("returns in input order what wait returns for each", function()
    local client = client_with_real_sleep()
    local done = assert(client:create_signal{ domain = "acme.com", question = "Done?" })
    local failed = assert(client:create_signal{ domain = "acme.com", question = "Fail? [fail:permanent]" })
    local slow = assert(client:create_signal{ domain = "acme.com", question = "Slow? [delay:60000]" })
    local finished = assert(client:wait(done.id, { interval = 0.02 }))
    local progress = 0
    local results = client:wait_all({ done, failed.id, slow, UNKNOWN_UUID, "not-a-uuid", finished, 42 },
      { interval = 0.02, timeout = 0.3, concurrency = 3, on_progress = function() progress = progress + 1 end })
    assert.are.equal(7, #results)
    assert.are.equal("completed", results[1].status)
    assert.are.equal(done.id, results[1].id)
    assert.are.equal("failed", results[2].status)
    assert.are.equal("signal", signals.kind(results[2]))
    assert.are.equal("timeout", results[3].kind)
    assert.are.equal(slow.id, results[3].signal.id)
    assert.are.equal(404, results[4].status)
    assert.are.equal("invalid_request", results[5].kind)
    assert.are.equal(finished, results[6])
    assert.are.equal("invalid_request", results[7].kind)
    assert.are.equal(7, progress)
  end)

  it("keeps an error object of its list in place, as it is: wait_all(all(creates))", function()
    local client = client_with_real_sleep()
    local created = client:all({
      { "create_signal", { domain = "acme.com", question = "Hiring?" } },
      { "create_signal", { domain = "https://acme.com/about", question = "Hiring?" } },
      { "create_signal", { domain = "acme.com", signalTemplateId = "00000000-0000-4000-8000-00000000dead" } },
    })
    local requests = #mock:requests()
    local results = client:wait_all(created, { interval = 0.02 })
    assert.are.equal("completed", results[1].status)
    assert.are.equal(created[2], results[2])
    assert.matches("'domain' must be a valid hostname", results[2].message)
    assert.are.equal(created[3], results[3])
    assert.are.equal(404, results[3].status)
    -- only the signal was polled
    local sent = mock:requests()
    assert.is_true(#sent > requests)
    for i = requests + 1, #sent do
      assert.are.equal("/v1/companies/signals/" .. created[1].id, sent[i].path)
    end
  end)

  it("polls contact signals through their own route", function()
    local client = client_with_real_sleep()
    local sig = assert(client:create_contact_signal{
      contactProfileUrl = "https://www.linkedin.com/in/jane-example", question = "Active?" })
    local results = client:wait_all({ sig }, { interval = 0.02 })
    assert.are.equal("completed", results[1].status)
    assert.are.equal("/v1/contacts/signals/" .. sig.id, mock:last_request().path)
  end)

  it("hands wait's own options on, and refuses its wrong ones in place", function()
    local client = client_with_real_sleep()
    local sig = assert(client:create_signal{ domain = "acme.com", question = "Q?" })
    local results = client:wait_all({ sig.id }, { interval = 0.02, headers = { ["X-Trace"] = "w" } })
    assert.are.equal("completed", results[1].status)
    assert.are.equal("w", mock:last_request().headers["x-trace"])
    results = client:wait_all({ sig.id }, { interval = -1 })
    assert.are.equal("invalid_request", results[1].kind)
  end)

  it("ends the waits when on_progress closes the client with polls in flight", function()
    local client = client_with_real_sleep()
    local done = assert(client:create_signal{ domain = "acme.com", question = "Done? [delay:0]" })
    local slow = {}
    for i = 1, 2 do
      slow[i] = assert(client:create_signal{ domain = "acme.com", question = "Slow? [delay:60000]" })
      mock:fault{ method = "GET", path = "/v1/companies/signals/" .. slow[i].id, fault = "stall", seconds = 1,
                  times = 5 }
    end
    local results = within(5, function()
      return client:wait_all({ slow[1].id, done.id, slow[2].id },
        { interval = 0.02, concurrency = 3, on_progress = function() client:close() end })
    end)
    assert.are.equal("completed", results[2].status)
    for _, i in ipairs { 1, 3 } do
      assert.are.equal("invalid_request", results[i].kind)
      assert.are.equal("the client is closed", results[i].message)
    end
  end)

  it("refuses a non-array and wrong options of its own", function()
    local client = helper.client(mock)
    local results, err = client:wait_all("abc")
    assert.is_nil(results)
    assert.are.equal("invalid_request", err.kind)
    results, err = client:wait_all({}, { concurrency = -1 })
    assert.is_nil(results)
    assert.are.equal("invalid_request", err.kind)
  end)
end)

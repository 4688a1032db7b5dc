-- client:all and client:wait_all (DESIGN §7, §9): many calls at once, at
-- most `concurrency` requests in flight, results in input order.
--
-- Each entry is a job: a coroutine running a client method against a view
-- of the client whose operations and sleeps yield to the scheduler here
-- (so wait_all is client:wait itself, many times over). The scheduler runs
-- each call by request.lua's steps, so validation, hooks, redirects,
-- decoding, retries and the rate limiter are those of a single call, and
-- sends through the transport's submit/poll (docs/INTERNALS.md); a retry's
-- wait holds up no other call.
local core = require("signals.core")
local request = require("signals.request")
local validate = require("signals.validate")
local errors = require("signals.errors")

local type, pairs, next, error, pcall, setmetatable = type, pairs, next, error, pcall, setmetatable
local create, resume, status, yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local min, max, huge = math.min, math.max, math.huge
local remove = table.remove
local format = string.format

local concurrency = {}

local DEFAULT_CONCURRENCY = 8
local OPTIONS = { concurrency = "positive_integer", on_progress = "function" }
-- With requests in flight and no timer due, poll in rounds of this many
-- seconds (poll returns as soon as a request ends).
local IDLE_POLL = 60

-- What a job yields: a call to make, or a pause.
local CALL, SLEEP = {}, {}

-- What ends the calls of a client closed meanwhile (request.start says the
-- same to a call made after the close).
local CLOSED = "the client is closed"

local function invalid(message, field)
  return errors.invalid(message, { { field = field, message = message } })
end

-- The options of all / wait_all proper; the rest (wait_all) are for each job.
local function own_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then return nil, invalid("'opts' must be a table", "opts") end
  local own = { concurrency = opts.concurrency, on_progress = opts.on_progress }
  local problems = validate.settings(OPTIONS, own, "opts")
  if #problems > 0 then return nil, errors.refused(problems) end
  return own
end

-- The client as a job sees it: operations and sleeps yield to the scheduler,
-- everything else is the client's.
local function job_view(client, operations)
  local options = setmetatable({ sleep = function(seconds) yield(SLEEP, seconds) end },
                               { __index = client.options })
  return setmetatable({ options = options }, { __index = function(view, name)
    local op = operations[name]
    if not op then return client[name] end
    local method = function(_, params, opts) return yield(CALL, op, params, opts) end
    view[name] = method
    return method
  end })
end

-- A transport without submit/poll runs each request to its end when it is
-- submitted: one at a time, through the same scheduler.
local function one_by_one(transport)
  local answers, first, last = {}, 1, 0
  return {
    submit = function(req)
      local res, problem = transport.request(req)
      last = last + 1
      answers[last] = { res = res, problem = problem }
      return last
    end,
    poll = function()
      while first <= last do
        local key, answer = first, answers[first]
        answers[first], first = nil, first + 1
        if answer then return key, answer.res, answer.problem end
      end
      return nil
    end,
    cancel = function(key) answers[key] = nil end,
  }
end

-- Runs tasks[i] (a function of the view returning what the method returns,
-- or an error object refusing the entry) and returns their results.
local function run(client, operations, tasks, own)
  local transport = client.transport
  if not transport.submit then transport = one_by_one(transport) end
  local limit = own.concurrency or DEFAULT_CONCURRENCY
  local on_progress = own.on_progress
  local view = job_view(client, operations)
  local total, results, finished, started = #tasks, {}, 0, 0
  local ready, sleeping, flying, in_flight = {}, {}, {}, 0

  local function now() return request.now(client) end

  local function finish(job, value, err)
    if value == nil then value = err end
    results[job.index] = value
    finished = finished + 1
    if on_progress then on_progress(finished, total) end
  end

  -- Resumes a job until it waits for a call (ready), a pause (sleeping), or ends.
  local function advance(job, ...)
    local ok, tag, a, b, c = resume(job.co, ...)
    while true do
      if not ok then error(tag, 0) end
      if status(job.co) == "dead" then return finish(job, tag, a) end
      if tag == SLEEP then
        job.wake = now() + a
        sleeping[#sleeping + 1] = job
        return
      end
      local call, err = request.start(client, a, b, c)
      if call then
        job.call = call
        ready[#ready + 1] = job
        return
      end
      ok, tag, a, b, c = resume(job.co, nil, err)
    end
  end

  local function answer(job, res, problem)
    local step, outcome = request.incoming(job.call, res, problem, now())
    if step == "send" then
      ready[#ready + 1] = job
    elseif step == "retry" then
      job.wake = now() + outcome
      sleeping[#sleeping + 1] = job
    else
      job.call = nil
      if step == "done" then advance(job, outcome) else advance(job, nil, outcome) end
    end
  end

  local function start()
    started = started + 1
    local task = tasks[started]
    local job = { index = started }
    if type(task) ~= "function" then return finish(job, task) end
    job.co = create(task)
    advance(job, view)
  end

  -- Sends what the limiter lets go, in order; returns the earliest time a
  -- held-back call may go, if any.
  local function dispatch()
    local i, earliest = 1, nil
    while i <= #ready and in_flight < limit and not client.closed do
      local job = ready[i]
      local at = now()
      local wait = request.admission(job.call, at)
      if wait > 0 then
        earliest = min(earliest or huge, at + wait)
        i = i + 1
      else
        remove(ready, i)
        local ok, key, problem = pcall(transport.submit, request.outgoing(job.call))
        if ok and key ~= nil then
          flying[key], in_flight = job, in_flight + 1
        else
          -- Refused before sending, or the transport raised.
          answer(job, nil, ok and problem or key)
        end
      end
    end
    return earliest
  end

  -- New jobs start only when none is waiting to send: the calls started
  -- stay few, however long the list.
  local function fill()
    local earliest
    repeat
      while #ready == 0 and in_flight < limit and started < total do start() end
      earliest = dispatch()
    until #ready > 0 or in_flight >= limit or started >= total
    return earliest
  end

  local function wake_due()
    local at, i = now(), 1
    while i <= #sleeping do
      local job = sleeping[i]
      if job.wake <= at then
        remove(sleeping, i)
        if job.call then ready[#ready + 1] = job else advance(job) end
      else
        i = i + 1
      end
    end
  end

  -- A job's call ends without an answer; the job goes on with that error.
  local function give_up(job, message)
    local err = request.abandon(job.call, now(), message)
    job.call = nil
    advance(job, nil, err)
  end

  -- client:close() from a hook or on_progress: what is in flight is
  -- cancelled (the transport may be closed already and answer nothing
  -- more), and every call waiting or in flight ends with the error a call
  -- on a closed client gets, at once. The jobs' later calls are refused
  -- by request.start, so the entries not started yet end the same way.
  local function end_closed()
    while true do
      local key, job = next(flying)
      if key ~= nil then
        flying[key], in_flight = nil, in_flight - 1
        pcall(transport.cancel, key)
        give_up(job, CLOSED)
      elseif #ready > 0 then
        give_up(remove(ready, 1), CLOSED)
      elseif #sleeping > 0 then
        job = remove(sleeping, 1)
        if job.call then give_up(job, CLOSED) else advance(job) end
      else
        return
      end
    end
  end

  local function loop()
    while finished < total do
      if client.closed then end_closed() end
      wake_due()
      local due = fill()
      for _, job in pairs(sleeping) do due = min(due or huge, job.wake) end
      if finished < total then
        if in_flight > 0 then
          local key, res, problem = transport.poll(due and max(0, due - now()) or IDLE_POLL)
          if key ~= nil then
            local job = flying[key]
            flying[key], in_flight = nil, in_flight - 1
            answer(job, res, problem)
          end
        elseif due then
          request.sleep(client, max(0, due - now()))
        end
      end
    end
  end

  local ok, problem = pcall(loop)
  if not ok then
    -- A hook or on_progress raised: abandon what is in flight, then raise.
    for key, job in pairs(flying) do
      pcall(transport.cancel, key)
      request.abandon(job.call, now(), "abandoned")
    end
    error(problem, 0)
  end
  return results
end

function concurrency.all(client, operations, calls, opts)
  local own, err = own_options(opts)
  if not own then return nil, err end
  if type(calls) ~= "table" then return nil, invalid("'calls' must be an array", "calls") end
  local tasks = {}
  for i = 1, #calls do
    local entry, field = calls[i], format("calls[%d]", i)
    local name = type(entry) == "table" and entry[1]
    if not operations[name] then
      tasks[i] = invalid(type(name) == "string"
        and format("'%s' names no operation: %s", field, name)
        or format("'%s' must be { \"operation_name\", params, opts }", field), field)
    else
      local params, call_opts = entry[2], entry[3]
      tasks[i] = function(view) return view[name](view, params, call_opts) end
    end
  end
  return run(client, operations, tasks, own)
end

function concurrency.wait_all(client, operations, targets, opts)
  local own, err = own_options(opts)
  if not own then return nil, err end
  if type(targets) ~= "table" then
    return nil, invalid("'signals' must be an array of signals or ids", "signals")
  end
  local wait_opts = {}
  for name, value in pairs(opts or {}) do
    if OPTIONS[name] == nil then wait_opts[name] = value end
  end
  local tasks = {}
  for i = 1, #targets do
    local target = targets[i]
    tasks[i] = function(view) return view:wait(target, wait_opts) end
  end
  return run(client, operations, tasks, own)
end

return concurrency

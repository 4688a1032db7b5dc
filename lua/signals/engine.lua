-- The engine of a client (CONTRACT §11, §7): every call in flight, as a job
-- that client:step advances, so that a host's frame or event loop drives
-- them without ever blocking longer than it allows. client:start adds one
-- job; client:all and client:wait_all add a group of them (with their own
-- limit of requests in flight) and step until the group is done.
--
-- A job is a coroutine running a client method against a view of the
-- client whose operations and sleeps yield to the engine (so run_signal and
-- wait are lifecycle.lua's own code). The engine runs each call by
-- request.lua's steps, so validation, hooks, redirects, decoding, retries
-- and the rate limiter are those of a blocking call, and sends through the
-- transport's submit/poll/cancel (docs/INTERNALS.md).
--
-- Callbacks (on_done, and through it on_progress) are called only where
-- the engine's state is whole: at the end of step, and from close. Hooks
-- are called in the middle of step, where nothing may step again.
local core = require("signals.core")
local request = require("signals.request")
local errors = require("signals.errors")
local cache = require("signals.cache")

local type, pairs, ipairs, error, pcall, setmetatable, tostring, rawget =
  type, pairs, ipairs, error, pcall, setmetatable, tostring, rawget
local create, resume, status, yield, running =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.yield, coroutine.running
local min, max, huge = math.min, math.max, math.huge
local sort, remove = table.sort, table.remove
local format = string.format
local real_now = core.now

local engine = {}

-- With requests in flight and no timer due, step(huge) polls in rounds of
-- this many seconds (poll returns as soon as a request ends).
local IDLE_POLL = 60

-- A round sends this many requests at most. Opening a connection and
-- sending on it costs the transport's next poll some 50 us, so that a
-- step(0) right after a hundred client:start took 5 to 13 ms of a host's
-- 16.7 ms frame; at sixteen a round a step stays near a millisecond and
-- the rest go in the rounds that follow (a blocking loop runs those at
-- once, without waiting).
local SENDS_PER_ROUND = 16

-- What a job yields: a call to make, or a pause.
local CALL, SLEEP = {}, {}

-- What ends a call cancelled, or one of a closed client (request.start
-- says the same to a call made after the close).
local CANCELLED = "the call was cancelled"
local CLOSED = "the client is closed"

-- The methods besides the operations that client:start takes.
local HELPERS = { run_signal = true, run_contact_signal = true, wait = true, get_any_signal = true }

local function yield_call(_, op, params, opts) return yield(CALL, op, params, opts) end

-- The client as a job sees it: operations (through the answer cache, when
-- the client has one) and sleeps yield to the engine, everything else is
-- the client's.
local function job_view(client, operations)
  local options = setmetatable({ sleep = function(seconds) yield(SLEEP, seconds) end },
                               { __index = client.options })
  return setmetatable({ options = options }, { __index = function(view, name)
    local op = operations[name]
    if not op then return client[name] end
    local method = function(_, params, opts) return yield(CALL, op, params, opts) end
    if client.cache then
      method = function(_, params, opts) return cache.call(client, op, params, opts, yield_call) end
    end
    view[name] = method
    return method
  end })
end

-- A transport without submit/poll runs each request to its end when it is
-- submitted: one at a time, through the same engine.
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

--- The handles of calls started by @{Client:start}.
-- @module signals

--- A call started by @{Client:start}: `handle:done()`, `handle:result()`,
-- `handle:cancel()`.
-- @type Handle
local Handle = {}
Handle.__index = Handle

local Engine = {}
Engine.__index = Engine

local function new_engine(client, operations)
  local transport = client.transport
  if not transport.submit then transport = one_by_one(transport) end
  return setmetatable({
    client = client, transport = transport, view = job_view(client, operations),
    -- jobs waiting to send, pausing, and sent (by transport key)
    ready = {}, sleeping = {}, flying = {}, in_flight = 0,
    -- the jobs not done, and how many
    open = {}, count = 0, seq = 0,
    -- groups that start jobs of their own (all, wait_all)
    feeding = {},
    -- jobs done whose callback is still to come, in the order they ended
    notices = {},
    -- true while step runs hooks: no step may start then
    busy = false,
    -- requests this round may still send (SENDS_PER_ROUND)
    sends_left = SENDS_PER_ROUND,
    -- the group of client:start's calls: no limit of its own
    loose = { limit = huge, in_flight = 0, waiting = 0, undelivered = 0 },
  }, Engine)
end

-- The engine of `client`: one per client, or one per coroutine where the
-- transport's submit/poll/cancel belong to the coroutine that calls them
-- (nginx's light threads are waited for by the request that spawned them).
function engine.of(client, operations)
  if client.transport.per_coroutine then
    local engines = rawget(client, "engines")
    if not engines then
      engines = setmetatable({}, { __mode = "k" })
      client.engines = engines
    end
    local co = running()
    local e = engines[co]
    if not e then
      e = new_engine(client, operations)
      engines[co] = e
    end
    return e
  end
  local e = rawget(client, "engine")
  if not e then
    e = new_engine(client, operations)
    client.engine = e
  end
  return e
end

function Engine:now()
  return request.now(self.client)
end

-- ---- job states --------------------------------------------------------------
-- "ready" (waiting to send, in self.ready), "sending" (its on_request runs),
-- "flying" (sent: self.flying[job.key]), "answering" (its answer is being
-- taken: on_response, on_retry run), "sleeping" (in self.sleeping until
-- job.wake), "running" (its coroutine runs), "done". Lists may keep jobs
-- that left them meanwhile (cancelled, closed): they are skipped by state.

function Engine:finish(job, value, err)
  job.state, job.value, job.err = "done", value, err
  job.call, job.co = nil, nil
  self.open[job] = nil
  self.count = self.count - 1
  job.group.undelivered = job.group.undelivered + 1
  self.notices[#self.notices + 1] = job
end

-- A job raised (a hook did, in its call): the handle gives that value as
-- the blocking method would have, by raising it; step raises it too.
function Engine:raised(job, problem)
  job.raised = true
  self:finish(job, nil, problem)
end

function Engine:enqueue(job)
  job.state = "ready"
  job.group.waiting = job.group.waiting + 1
  self.ready[#self.ready + 1] = job
end

function Engine:pause(job, seconds)
  job.state, job.wake = "sleeping", self:now() + seconds
  self.sleeping[#self.sleeping + 1] = job
end

-- Resumes a job until it waits for a call (ready), a pause (sleeping), or ends.
function Engine:advance(job, ...)
  job.state = "running"
  local ok, tag, a, b, c = resume(job.co, ...)
  while true do
    if not ok then return self:raised(job, tag) end
    if status(job.co) == "dead" then return self:finish(job, tag, a) end
    if tag == SLEEP then return self:pause(job, a) end
    local call, err = request.start(self.client, a, b, c)
    if call then
      job.call = call
      return self:enqueue(job)
    end
    ok, tag, a, b, c = resume(job.co, nil, err)
  end
end

-- Takes a job out of what it waits in (the ready list, the transport);
-- false when it is in none, i.e. inside one of its hooks, or done.
function Engine:detach(job)
  local state = job.state
  if state == "ready" then
    job.group.waiting = job.group.waiting - 1
  elseif state == "flying" then
    local key = job.key
    self.flying[key], job.key = nil, nil
    self.in_flight, job.group.in_flight = self.in_flight - 1, job.group.in_flight - 1
    pcall(self.transport.cancel, key)
  elseif state ~= "sleeping" then
    return false
  end
  job.state = "running"
  return true
end

-- The job's call ends without its answer, with the error a call made now
-- would get: the job goes on with it (its later calls are refused too).
function Engine:give_up(job, message)
  local err = request.abandon(job.call, self:now(), message)
  job.call = nil
  self:advance(job, nil, err)
end

-- Ends a job with the error of a cancelled call. A job that sent a POST
-- or PATCH before (run_signal's create, between its polls) may have been
-- paid for: its error says so as the call's own would.
function Engine:cancelled(job)
  job.ending = nil
  local err
  if job.call then
    err = request.abandon(job.call, self:now(), CANCELLED, job.wrote)
  elseif job.wrote then
    err = core.error{ kind = "invalid_request", message = CANCELLED, maybe_processed = true }
  else
    err = errors.invalid(CANCELLED)
  end
  self:finish(job, nil, err)
end

-- Ends a job that is not done. One inside its own hook ends when the hook
-- returns (the engine looks at job.ending then).
function Engine:cancel(job)
  if job.state == "done" then return false end
  if self:detach(job) then
    self:cancelled(job)
  else
    job.ending = true
  end
  return true
end

-- Takes the transport's answer for `job` and moves it on.
function Engine:answer(job, res, problem)
  job.state = "answering"
  local ok, step, outcome = pcall(request.incoming, job.call, res, problem, self:now())
  if not ok then return self:raised(job, step) end
  if job.ending then return self:cancelled(job) end
  if step == "send" then
    self:enqueue(job)
  elseif step == "retry" then
    self:pause(job, outcome)
  else
    job.call = nil
    if step == "done" then self:advance(job, outcome) else self:advance(job, nil, outcome) end
  end
end

function Engine:send(job)
  local group = job.group
  group.waiting = group.waiting - 1
  job.state = "sending"
  local ok, req = pcall(request.outgoing, job.call)
  if not ok then return self:raised(job, req) end
  job.state = "running"
  if job.ending then return self:cancelled(job) end
  -- on_request closed the client: the call goes no further.
  if self.client.closed then return self:give_up(job, CLOSED) end
  local submitted, key, problem = pcall(self.transport.submit, req)
  if submitted and key ~= nil then
    if req.method ~= "GET" then job.wrote = true end
    job.state, job.key = "flying", key
    self.flying[key] = job
    self.in_flight, group.in_flight = self.in_flight + 1, group.in_flight + 1
  else
    -- Refused before sending, or the transport raised.
    self:answer(job, nil, submitted and problem or key)
  end
end

-- Sends what the limits let go, in order; returns the earliest time a call
-- held back may go, if any: now for one beyond this round's sends, or
-- when the rate limiter lets it. A call held back by its group's limit or
-- by the round's is not shown to the limiter (that would reserve its slot).
function Engine:dispatch()
  local queue, kept, earliest = self.ready, {}, nil
  self.ready = {}
  for i = 1, #queue do
    local job = queue[i]
    if job.state == "ready" then
      if job.group.in_flight >= job.group.limit then
        kept[#kept + 1] = job
      elseif self.sends_left == 0 then
        earliest = min(earliest or huge, self:now())
        kept[#kept + 1] = job
      else
        local at = self:now()
        local wait = request.admission(job.call, at)
        if wait > 0 then
          earliest = min(earliest or huge, at + wait)
          kept[#kept + 1] = job
        else
          self.sends_left = self.sends_left - 1
          self:send(job)
        end
      end
    end
  end
  -- What was held back keeps its place before what came meanwhile.
  for _, job in ipairs(self.ready) do kept[#kept + 1] = job end
  self.ready = kept
  return earliest
end

-- Starts the jobs of groups with room for them, and sends. None starts
-- while one of the group's calls waits to send (the calls started stay
-- few) or the callback of one that ended is still to come (on_progress
-- sees each result before the next entry starts).
function Engine:fill()
  local earliest
  repeat
    local started = false
    for i = #self.feeding, 1, -1 do
      local group = self.feeding[i]
      local more = not group.dead
      while more and group.waiting == 0 and group.undelivered == 0 and group.in_flight < group.limit do
        more = group.more()
        started = started or more
      end
      if not more then remove(self.feeding, i) end
    end
    earliest = self:dispatch()
  until not started
  return earliest
end

-- Wakes the jobs whose pause is over; whether any woke.
function Engine:wake_due()
  local at, list, woke = self:now(), self.sleeping, false
  self.sleeping = {}
  for i = 1, #list do
    local job = list[i]
    if job.state == "sleeping" then
      if job.wake <= at then
        woke = true
        if job.call then self:enqueue(job) else self:advance(job) end
      else
        self.sleeping[#self.sleeping + 1] = job
      end
    end
  end
  return woke
end

function Engine:landed(key, res, problem)
  local job = self.flying[key]
  if not job then return end
  self.flying[key], job.key = nil, nil
  self.in_flight, job.group.in_flight = self.in_flight - 1, job.group.in_flight - 1
  self:answer(job, res, problem)
end

-- What is ready now: pauses over, calls sent, answers taken; whether
-- anything moved. self.due is then the earliest time something waits for.
function Engine:round()
  self.sends_left = SENDS_PER_ROUND
  local moved = self:wake_due()
  local earliest = self:fill()
  while self.in_flight > 0 do
    local key, res, problem = self.transport.poll(0)
    if key == nil then break end
    moved = true
    self:landed(key, res, problem)
    earliest = self:fill()
  end
  for _, job in ipairs(self.sleeping) do
    if job.state == "sleeping" then earliest = min(earliest or huge, job.wake) end
  end
  self.due = earliest
  return moved
end

-- Moves every call on, waiting until `deadline` at most for something to
-- happen (a request ending, a pause ending). The deadline is real time
-- (what the host waits); the calls' timers are by the client's clock.
function Engine:run(deadline, group)
  local moved = self:round()
  -- Callbacks due are something that happened: they are called at once.
  while not moved and not self:callbacks_due(group) do
    local left = deadline - real_now()
    if left <= 0 then return end
    local due = self.due
    local wait = min(left, due and max(0, due - self:now()) or huge)
    if self.in_flight > 0 then
      local key, res, problem = self.transport.poll(min(wait, IDLE_POLL))
      if key ~= nil then
        moved = true
        self:landed(key, res, problem)
      end
    elseif due then
      -- Nothing runs a hook meanwhile: a sleep that yields (a coroutine of
      -- the caller's, ngx.sleep) lets another step or client:all run.
      -- Calls held back by the round's sends are due at once: no sleep.
      if wait > 0 then
        self.busy = false
        request.sleep(self.client, wait)
        self.busy = true
      end
    else
      return
    end
    moved = self:round() or moved
  end
end

-- Whether a job that ended has a callback for this step (see deliver).
function Engine:callbacks_due(group)
  if not group then return #self.notices > 0 end
  for _, job in ipairs(self.notices) do
    if job.group == group then return true end
  end
  return false
end

-- Calls the callbacks of the jobs that ended, in the order they ended:
-- every one when the host steps, only `group`'s inside its client:all or
-- wait_all (the others wait for the host's step, where CONTRACT §11 has
-- on_done called). A group's own callback never raises: what it raises
-- goes to the client:all that runs the group. A call's on_done comes first
-- (with the value its hook raised, if one did), then that value goes up;
-- an on_done that raises stops the round, its value going up, and the
-- rest are called next time.
function Engine:deliver(group)
  local notices, i = self.notices, 1
  while i <= #notices do
    local job = notices[i]
    if group and job.group ~= group then
      i = i + 1
    else
      remove(notices, i)
      job.group.undelivered = job.group.undelivered - 1
      if job.group.ended then
        job.group.ended(job)
      else
        if job.on_done then job.on_done(job.value, job.err) end
        if job.raised then error(job.err, 0) end
      end
      -- A callback may have stepped (and delivered) itself: look again.
      i = 1
    end
  end
end

-- Calls are driven from the host's loop or a callback, never from a hook
-- that step itself is running.
function Engine:check_idle(what, level)
  if self.busy then
    error(format("signals: %s called from inside a hook (on_request, on_response, on_retry) "
      .. "of a call in flight; call it from the host's loop or from an on_done callback", what), level + 1)
  end
end

-- `group`: the group of the client:all or wait_all stepping, whose
-- callbacks alone are called (nil: the host's step, all of them).
function Engine:step(max_seconds, group)
  if self.client.closed then self:close() end
  self.busy = true
  local ok, problem = pcall(self.run, self, real_now() + max_seconds, group)
  self.busy = false
  if not ok then error(problem, 0) end
  self:deliver(group)
  return self.count
end

-- Adds a job running `task(view)` (what it returns is the call's result) in
-- `group`; it runs at once up to its first request or pause.
function Engine:add(task, group, on_done)
  self.seq = self.seq + 1
  local job = setmetatable({ co = create(task), group = group, on_done = on_done, seq = self.seq,
                             state = "running", engine = self }, Handle)
  self.open[job] = true
  self.count = self.count + 1
  self:advance(job, self.view)
  return job
end

-- The client is closed: every call waiting or in flight ends with the
-- error a call on a closed client gets, and each job goes on with it (its
-- later calls are refused the same way), in the order they were started.
-- A job inside one of its hooks meets the close when the hook returns.
function Engine:close()
  local jobs = {}
  for job in pairs(self.open) do jobs[#jobs + 1] = job end
  sort(jobs, function(a, b) return a.seq < b.seq end)
  for _, job in ipairs(jobs) do
    if self:detach(job) then
      if job.call then self:give_up(job, CLOSED) else self:advance(job) end
    end
  end
end

-- ---- client:start -------------------------------------------------------------

-- client:start(name, params, opts): the handle of a job calling the method
-- `name` (an operation, or one of HELPERS). Misuse raises.
function engine.start(client, operations, name, params, opts)
  if not (operations[name] or HELPERS[name]) then
    error(format("signals: client:start: '%s' names no operation", tostring(name)), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("signals: client:start: 'opts' must be a table", 3)
  end
  local on_done, call_opts = opts and opts.on_done, opts
  if on_done ~= nil then
    if type(on_done) ~= "function" then error("signals: client:start: 'opts.on_done' must be a function", 3) end
    call_opts = {}
    for k, v in pairs(opts) do
      if k ~= "on_done" then call_opts[k] = v end
    end
  end
  local e = engine.of(client, operations)
  return e:add(function(view) return view[name](view, params, call_opts) end, e.loose, on_done)
end

function engine.step(client, operations, max_seconds)
  if max_seconds == nil then max_seconds = 0 end
  if type(max_seconds) ~= "number" or max_seconds ~= max_seconds or max_seconds < 0 then
    error("signals: client:step: 'max_seconds' must be a number >= 0", 3)
  end
  local e = engine.of(client, operations)
  e:check_idle("client:step", 3)
  return e:step(max_seconds)
end

-- Client:close: ends what is in flight (before the transport closes).
function engine.close(client)
  local e = rawget(client, "engine")
  if e then e:close() end
  local engines = rawget(client, "engines")
  if engines then
    local own = engines[running()]
    if own then own:close() end
  end
end

-- After the transport closed: the callbacks of what close ended.
function engine.closed(client)
  local engines = rawget(client, "engines")
  local e = rawget(client, "engine") or (engines and engines[running()])
  if e and not e.busy then e:deliver() end
end

-- ---- groups (client:all, client:wait_all) ----------------------------------------

-- Runs tasks[i] (a function of the view returning what the method returns,
-- or an error object refusing the entry) with at most `limit` requests in
-- flight, and returns their results in order (an error in place of nil).
-- on_result(index, result) and on_progress(done, total) are called as each
-- entry ends. A hook of one of its calls or a callback that raises stops
-- the group,
-- whichever step met it (this loop's, or the host's while this one
-- waits in a sleep that yields): what is in flight is abandoned and the
-- value raised here.
function engine.run_group(client, operations, tasks, limit, on_progress, on_result)
  local e = engine.of(client, operations)
  e:check_idle("client:all / client:wait_all", 5)
  local total, results, finished, started = #tasks, {}, 0, 0
  local group = { limit = limit, in_flight = 0, waiting = 0, undelivered = 0 }
  local jobs = {} -- those not done, by index
  local stopped, problem = false, nil

  function group.ended(job)
    local index = job.index
    jobs[index] = nil
    if stopped then return end
    if job.raised then
      stopped, problem = true, job.err
      return
    end
    local value = job.value
    if value == nil then value = job.err end
    results[index] = value
    finished = finished + 1
    local ok, raised = true, nil
    if on_result then ok, raised = pcall(on_result, index, value) end
    if ok and on_progress then ok, raised = pcall(on_progress, finished, total) end
    if not ok then stopped, problem = true, raised end
  end

  function group.more()
    if started >= total then return false end
    started = started + 1
    local index, task = started, tasks[started]
    -- A refused entry ends at once, and counts in order with the calls around it.
    if type(task) ~= "function" then
      local refusal = task
      task = function() return nil, refusal end
    end
    local job = e:add(task, group)
    job.index = index
    jobs[index] = job
    return true
  end

  if total > 0 then e.feeding[#e.feeding + 1] = group end
  local ok, raised = pcall(function()
    while finished < total and not stopped do e:step(IDLE_POLL, group) end
  end)
  if not ok then stopped, problem = true, raised end
  if stopped then
    -- Abandon what is in flight; callbacks still due are dropped.
    group.dead = true
    for _, job in pairs(jobs) do e:cancel(job) end
    error(problem, 0)
  end
  return results
end

-- ---- handles --------------------------------------------------------------------

--- Whether the call has ended (its result is ready).
-- @treturn boolean
function Handle:done()
  return self.state == "done"
end

--- What the blocking method would have returned: the result, or `nil` and
-- an @{signals.Error}; a value a hook raised in the call is raised again.
-- @raise when the call is not done yet
function Handle:result()
  if self.state ~= "done" then
    error("signals: handle:result() called before the call is done (see handle:done() and opts.on_done)", 2)
  end
  if self.raised then error(self.err, 0) end
  if self.value == nil then return nil, self.err end
  return self.value
end

--- Ends the call now: its request, if one is in flight, is abandoned, and
-- its result becomes `nil` and an error of kind `"invalid_request"`,
-- message `"the call was cancelled"` (`maybe_processed` when a POST or
-- PATCH of it was in flight). Its `on_done` is called by the next step.
-- @treturn boolean false when the call was done already
function Handle:cancel()
  return self.engine:cancel(self)
end

function Handle:__tostring()
  return format("signals call %s", self.state == "done" and "done" or "in flight")
end

return engine

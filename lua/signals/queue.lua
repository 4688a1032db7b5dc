--- A durable queue of API calls on Redis streams: callers enqueue, workers
-- in a consumer group make the calls, results go back to the callers.
-- A worker that dies leaves its jobs to the others (`XAUTOCLAIM` after an
-- idle time; a live worker keeps the job it works on from going idle); a
-- job delivered too often goes to a dead-letter stream; and a signal is
-- paid for once: the worker records the created signal's id in the job
-- before it waits for the answer, so a job taken over from a dead worker
-- polls that signal instead of creating another, and a worker creates only
-- while the job is still its own.
--
--    local queue = require("signals.queue")   -- also signals.queue
--    local q = queue.new{ client = client, redis = conn, stream = "signals:jobs" }
--    local id = assert(q:enqueue("run_signal", { domain = "acme.com", question = "Hiring?" }))
--    local sig, err = q:result(id, 300)
--    -- in each worker process:
--    q:work{ consumer = "worker-" .. pid, idle_reclaim = 60 }
--
-- `conn` is a connection as for @{signals.store.redis}; besides `evalsha`
-- and `script` the queue calls `xadd`, `xgroup`, `xreadgroup`,
-- `xautoclaim`, `xpending`, `brpoplpush` and `lindex`. lua-resty-redis and
-- @{signals.resp} send any command by its name; Debian's `lua-redis` knows
-- no stream command, so define them before connecting:
--
--    local redis = require("redis")
--    for _, name in ipairs{ "xadd", "xgroup", "xreadgroup", "xautoclaim", "xpending" } do
--      redis.commands[name] = redis.command(name:upper())
--    end
--    local conn = redis.connect("127.0.0.1", 6379)
--
-- Needs Redis 6.2 or later (XAUTOCLAIM). The layout, for producers that
-- are not Lua (a Redis script, another language):
--
-- * `<stream>`: one entry per job, `XADD <stream> * op <operation> params <JSON object>`
--   (`op` any operation of the client, or `run_signal`, `run_contact_signal`);
-- * consumer group `signals-workers` (option `group`), created at id 0;
-- * `<stream>:result:<job id>`: a list holding the one result, kept a day
--   (option `result_ttl`): `<kind>\n<JSON>`, kind one of `signal`,
--   `contact_research`, `contact`, `object`, `page:<item kind>`, `array`,
--   `text`, `true`, `error` (the JSON holds the error's fields);
-- * `<stream>:job:<job id>`: the job's progress while it runs (a hash:
--   `signal`, `attempt`, `creating`); `<stream>:claimed:<signal id>`: which
--   job a signal belongs to;
-- * `<stream>:dead`: jobs delivered more than `max_deliveries` times
--   (default 5), with `job`, `op`, `params`, `deliveries` and `signal`; their
--   callers get an error with `code = "DEAD_LETTER"`.
--
-- Finished jobs are acknowledged and deleted from the stream together with
-- storing their result (one script), so a job is answered once even when
-- two workers end up holding it.
-- @module signals.queue
local core = require("signals.core")
local operations = require("signals.operations")
local validate = require("signals.validate")
local errors = require("signals.errors")
local retry = require("signals.retry")
local time = require("signals.time")
local redis_call = require("signals.redis_call")
local lifecycle = require("signals.lifecycle")

local type, pairs, ipairs, tostring, tonumber, error, setmetatable, pcall = type, pairs, ipairs, tostring,
  tonumber, error, setmetatable, pcall
local floor, ceil, min, max = math.floor, math.ceil, math.min, math.max
local format, find, match = string.format, string.find, string.match
local concat = table.concat
local unpack = table.unpack or unpack

local call, script, NULL = redis_call.call, redis_call.script, redis_call.null

local queue = {}

local DEFAULTS = { group = "signals-workers", max_deliveries = 5, result_ttl = 86400 }
local QUEUE_OPTIONS = { client = "table", redis = "any", stream = "string", group = "string",
  max_deliveries = "positive_integer", result_ttl = "positive", allow = "table" }
local WORK_OPTIONS = { consumer = "string", max_jobs = "positive_integer", idle_reclaim = "positive",
  block = "positive", interval = "positive", timeout = "positive", max_attempts = "positive_integer",
  stop = "function" }
local WORK_DEFAULTS = { idle_reclaim = 60, block = 2, interval = 2, timeout = 300, max_attempts = 3 }
local METHODS = { "evalsha", "script", "xadd", "xgroup", "xreadgroup", "xautoclaim", "xpending", "brpoplpush",
  "lindex" }

-- How long a job's progress and its signals' claims are kept.
local STATE_TTL = 7 * 86400
-- The longest a blocking read for a result waits in one command: a
-- connection's read timeout must outlast it.
local RESULT_SLICE = 1
-- createdAt is whole seconds, and the worker's clock is not the API's.
local CLOCK_SLACK = 2
-- The longest duration an option may give (seconds): Redis takes them as
-- whole seconds or milliseconds, sent as integers.
local MAX_SECONDS = 2 ^ 31

local by_name = {}
for _, op in ipairs(operations) do by_name[op.name] = op end

-- The signal operations a worker runs so that each signal is paid once:
-- always through the async create (its id is known at once), then polling.
-- mode "run": as run_signal (a failed signal is an error; a retryable
-- failure is asked again); "final": the signal in its final state (a sync
-- create); "created": the signal as created (an async create).
local function endpoints(contact)
  return contact and { create = "create_contact_signal", list = "list_contact_signals",
                       subject = "contactProfileUrl", contact = true }
    or { create = "create_signal", list = "list_signals", subject = "domain", contact = false }
end

local PAID_ONCE = {}
for name, spec in pairs{
  run_signal = { contact = false, mode = "run", validate_as = "create_company_signal_sync" },
  run_contact_signal = { contact = true, mode = "run", validate_as = "create_contact_signal_sync" },
  create_company_signal_sync = { contact = false, mode = "final" },
  create_contact_signal_sync = { contact = true, mode = "final" },
  create_signal = { contact = false, mode = "created" },
  create_contact_signal = { contact = true, mode = "created" },
} do
  for k, v in pairs(endpoints(spec.contact)) do spec[k] = v end
  spec.op = by_name[spec.create]
  PAID_ONCE[name] = spec
end

local function invalid(message, field)
  return errors.invalid(message, { { field = field, message = message } })
end

local function redis_error(message)
  return core.error{ kind = "network", code = "REDIS", message = "redis: " .. tostring(message) }
end

local Queue = {}
Queue.__index = Queue

--- Makes a queue (nothing is sent to Redis yet).
-- @tparam table opts `client` (a client of @{signals.new}: the workers'
--   calls use it), `redis` (the connection), `stream` (default
--   `"signals:jobs"`), `group` (default `"signals-workers"`),
--   `max_deliveries` (5), `result_ttl` (seconds a result is kept, 86400;
--   from 1 to 2^31, a fraction rounded up),
--   `allow` (a list of the operation names the queue takes; default: all;
--   a producer other than this code, a Redis script say, may ask for any:
--   a job outside the list is answered with an `invalid_request` error)
-- @treturn Queue
-- @raise when an option is missing or wrong, or the connection lacks a
--   method the queue needs (naming it)
function queue.new(opts)
  if type(opts) ~= "table" then error("signals.queue.new: the options must be a table", 2) end
  local problems = validate.settings(QUEUE_OPTIONS, opts, "opts")
  if #problems > 0 then error("signals.queue.new: " .. validate.message(problems), 2) end
  if not opts.client then error("signals.queue.new: 'client' is required (a client of signals.new)", 2) end
  local conn = opts.redis
  if type(conn) ~= "table" and type(conn) ~= "userdata" then
    error("signals.queue.new: 'redis' must be a Redis connection", 2)
  end
  for _, name in ipairs(METHODS) do
    local ok, method = pcall(function() return conn[name] end)
    if not (ok and type(method) == "function") then
      error(format("signals.queue.new: the Redis connection has no '%s' method%s", name,
        find(name, "^x") and " (Debian's lua-redis: redis.commands." .. name .. " = redis.command('"
          .. name:upper() .. "') before connecting)" or ""), 2)
    end
  end
  local allowed
  if opts.allow then
    allowed = {}
    for _, name in ipairs(opts.allow) do
      if not (by_name[name] or PAID_ONCE[name]) then
        error(format("signals.queue.new: 'allow' names no operation: %s", tostring(name)), 2)
      end
      allowed[name] = true
    end
  end
  local result_ttl = opts.result_ttl or DEFAULTS.result_ttl
  -- EXPIRE takes whole seconds: below one, a result would be deleted as
  -- it is stored.
  if result_ttl < 1 or result_ttl > MAX_SECONDS then
    error(format("signals.queue.new: 'opts.result_ttl' must be between 1 and %d (seconds)", MAX_SECONDS), 2)
  end
  local stream = opts.stream or "signals:jobs"
  return setmetatable({ client = opts.client, conn = conn, stream = stream, allowed = allowed,
    group = opts.group or DEFAULTS.group, dead = stream .. ":dead",
    max_deliveries = opts.max_deliveries or DEFAULTS.max_deliveries,
    result_ttl = ceil(result_ttl) }, Queue)
end

--- @type Queue

function Queue:key(kind, id)
  return self.stream .. ":" .. kind .. ":" .. id
end

--- Queues one call.
-- @tparam string name an operation of the client (`"create_signal"`,
--   `"get_credits"`, ...), or `"run_signal"` / `"run_contact_signal"`
-- @tparam[opt] table params its parameters, checked as the call would check them
-- @treturn[1] string the job's id (the stream entry's)
-- @treturn[2] nil
-- @treturn[2] Error `invalid_request` (nothing queued), or kind `network`
--   with code `"REDIS"` when Redis failed
function Queue:enqueue(name, params)
  local op = type(name) == "string" and (PAID_ONCE[name] and by_name[PAID_ONCE[name].validate_as or name]
    or by_name[name])
  if not op then return nil, invalid(format("'%s' names no operation", tostring(name)), "operation") end
  if self.allowed and not self.allowed[name] then
    return nil, invalid(format("operation not allowed: %s", name), "operation")
  end
  params = params or {}
  if type(params) ~= "table" then return nil, invalid("'params' must be a table", "params") end
  local problems = validate.params(op, params)
  if #problems > 0 then
    return nil, errors.refused(problems)
  end
  local text, problem = core.encode(core.mark(params, "object"))
  if not text then return nil, invalid("the parameters cannot be encoded: " .. tostring(problem), "params") end
  local id, err = call(self.conn, "xadd", self.stream, "*", "op", name, "params", text)
  if type(id) ~= "string" then return nil, redis_error(err or "XADD answered " .. tostring(id)) end
  return id
end

-- ---- results ------------------------------------------------------------

local function error_fields(err)
  local fields = err:totable()
  local failed = fields.signal
  fields.signal = nil
  if core.kind(failed) == "signal" then fields.signal_json = failed:json() end
  return fields
end

-- The stored text of a call's outcome (see the layout above).
local function encode_outcome(value, err)
  if value == nil then
    local text = core.encode(core.mark(error_fields(err), "object"))
      or core.encode({ kind = err.kind, message = err.message })
    return "error\n" .. text
  end
  if value == true then return "true\n" end
  if type(value) == "string" then return "text\n" .. value end
  local k = core.kind(value)
  if k == "page" then
    local item = value.items[1]
    return "page:" .. (core.kind(item) or "object") .. "\n" .. value:json()
  end
  if k then return k .. "\n" .. value:json() end
  local items = {}
  for i, item in ipairs(value) do items[i] = core.kind(item) and item:json() or core.encode(item) or "null" end
  return "array\n[" .. concat(items, ",") .. "]"
end

local function decode_outcome(text)
  local tag, body = match(text, "^([^\n]*)\n(.*)$")
  if tag == "true" then return true end
  if tag == "text" then return body end
  if tag == "error" then
    local fields = core.decode(body, "object")
    fields = core.kind(fields) == "object" and fields:totable() or { kind = "decode", message = body }
    if fields.signal_json then
      fields.signal, fields.signal_json = core.decode(fields.signal_json, "signal"), nil
    end
    local ok, err = pcall(core.error, fields)
    return nil, ok and err or core.error{ kind = "decode", message = "a job's error could not be read: " .. body }
  end
  local item = tag and match(tag, "^page:(.*)$")
  local value, problem
  if item then
    value, problem = core.decode_page(body, item)
  elseif tag == "array" then
    value, problem = core.decode(body, "object")
  elseif tag then
    value, problem = core.decode(body, tag)
  end
  if value == nil then
    return nil, core.error{ kind = "decode",
                            message = "a job's result could not be read: " .. tostring(problem or text) }
  end
  return value
end

--- Waits for a job's result.
-- @tparam string id the job's id (from @{enqueue})
-- @tparam[opt] number timeout seconds to wait (default 0: only look)
-- @return[1] what the call returned (an object, a page, ...)
-- @treturn[2] nil
-- @treturn[2] Error the call's own error; kind `timeout` when no result
--   came in time; kind `network` with code `"DEAD_LETTER"` for a job moved
--   to the dead-letter stream, `"REDIS"` when Redis failed
function Queue:result(id, timeout)
  if type(id) ~= "string" then return nil, invalid("'id' must be a job id", "id") end
  timeout = timeout or 0
  local key = self:key("result", id)
  local deadline = core.now() + timeout
  while true do
    local reply, err
    local left = deadline - core.now()
    if left <= 0 then
      reply, err = call(self.conn, "lindex", key, 0)
    else
      reply, err = call(self.conn, "brpoplpush", key, key, format("%.3f", max(0.01, min(RESULT_SLICE, left))))
    end
    if reply == nil then return nil, redis_error(err) end
    if type(reply) == "string" then return decode_outcome(reply) end
    if left <= 0 then
      return nil, core.error{ kind = "timeout", retryable = true,
                              message = format("no result for job %s within %g s", id, timeout) }
    end
  end
end

-- ---- scripts ----------------------------------------------------------------

-- KEYS: stream, result, state[, dead]. ARGV: group, id, outcome, ttl (s)[,
-- op, params, deliveries]. Acknowledges and stores together; only the first
-- to acknowledge stores. Given a dead-letter stream, the job goes there too,
-- with the signal it had, so that nothing paid for is lost from sight.
local FINISH = [[
if redis.call("XACK", KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if KEYS[4] then
  local signal = redis.call("HGET", KEYS[3], "signal") or ""
  redis.call("XADD", KEYS[4], "*", "job", ARGV[2], "op", ARGV[5], "params", ARGV[6],
    "deliveries", ARGV[7], "signal", signal)
end
redis.call("RPUSH", KEYS[2], ARGV[3])
redis.call("EXPIRE", KEYS[2], ARGV[4])
redis.call("XDEL", KEYS[1], ARGV[2])
redis.call("DEL", KEYS[3])
return 1
]]

-- KEYS: state. The job's progress as a flat array (empty when none).
local STATE = [[
return redis.call("HGETALL", KEYS[1])
]]

-- KEYS: stream. ARGV: group, job id, consumer. Whether the job is still
-- this consumer's (pending, and delivered to it last); if so its idle time
-- is reset, so that no other worker takes it over while this one works on
-- it. XCLAIM with JUSTID does not count a delivery.
local MINE = [[
local pending = redis.call("XPENDING", KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if pending[1] == nil or pending[1][2] ~= ARGV[3] then return 0 end
redis.call("XCLAIM", KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], "JUSTID")
]]

-- As MINE: 1 when the job is still this consumer's, 0 when it is not.
local HOLD = MINE .. "return 1\n"

-- KEYS: stream, state. ARGV: group, job id, consumer, time, attempt, ttl.
-- About to create a signal, if the job is still this consumer's (else 0).
local CREATING = MINE .. [[
redis.call("HSET", KEYS[2], "creating", ARGV[4], "attempt", ARGV[5])
redis.call("HDEL", KEYS[2], "signal")
redis.call("EXPIRE", KEYS[2], ARGV[6])
return 1
]]

-- KEYS: state, claim. ARGV: signal id, job id, ttl. Records the signal as
-- the job's, unless another job has it already.
local CLAIM = [[
if not redis.call("SET", KEYS[2], ARGV[2], "NX", "EX", ARGV[3]) then
  return redis.call("GET", KEYS[2]) == ARGV[2] and 1 or 0
end
redis.call("HSET", KEYS[1], "signal", ARGV[1])
redis.call("HDEL", KEYS[1], "creating")
redis.call("EXPIRE", KEYS[1], ARGV[3])
return 1
]]

-- ---- the worker -------------------------------------------------------------

local DEFER = {}

local function flat_fields(flat)
  local t = {}
  if type(flat) == "table" then
    for i = 1, #flat - 1, 2 do t[flat[i]] = flat[i + 1] end
  end
  return t
end

function Queue:ensure_group()
  local ok, err = call(self.conn, "xgroup", "CREATE", self.stream, self.group, "0", "MKSTREAM")
  if ok == nil and not find(tostring(err), "BUSYGROUP", 1, true) then return nil, err end
  return true
end

-- One entry ({ id, fields }) from XREADGROUP's or XAUTOCLAIM's list, or nil.
local function first_entry(entries)
  if type(entries) ~= "table" then return nil end
  for _, entry in ipairs(entries) do
    if type(entry) == "table" and type(entry[1]) == "string" then return entry end
  end
  return nil
end

-- An entry of this consumer: from its history after `from` (its own jobs
-- not yet finished: read before it died, or put off), or a new one (">"),
-- waiting up to `block` seconds for it.
function Queue:read(consumer, from, block)
  local args = { "GROUP", self.group, consumer, "COUNT", "1" }
  if block then
    args[#args + 1] = "BLOCK"
    -- Rounded up: BLOCK 0 would wait for ever.
    args[#args + 1] = format("%d", ceil(block * 1000))
  end
  args[#args + 1] = "STREAMS"
  args[#args + 1] = self.stream
  args[#args + 1] = from
  local reply, err = call(self.conn, "xreadgroup", unpack(args))
  if reply == nil then return nil, err end
  if reply == NULL or type(reply) ~= "table" or type(reply[1]) ~= "table" then return nil end
  return first_entry(reply[1][2])
end

-- A job another consumer has held for `idle` seconds without finishing,
-- now this consumer's; and the cursor to go on from.
function Queue:reclaim(consumer, idle, cursor)
  local reply, err = call(self.conn, "xautoclaim", self.stream, self.group, consumer,
    format("%d", ceil(idle * 1000)), cursor, "COUNT", "1")
  if reply == nil then return nil, cursor, err end
  if type(reply) ~= "table" then return nil, "0-0" end
  return first_entry(reply[2]), type(reply[1]) == "string" and reply[1] or "0-0"
end

-- How many times the entry was delivered; 0 when it is no longer pending.
function Queue:deliveries(id)
  local reply, err = call(self.conn, "xpending", self.stream, self.group, id, id, "1")
  if reply == nil then return nil, err end
  local row = type(reply) == "table" and reply[1]
  return type(row) == "table" and tonumber(row[4]) or 0
end

-- Stores the job's outcome and acknowledges it; `dead` (the job's fields and
-- deliveries) moves it to the dead-letter stream as well.
local function settle(self, id, outcome, dead)
  local ttl = format("%d", self.result_ttl)
  local done, err
  if dead then
    done, err = script(self.conn, FINISH, 4, self.stream, self:key("result", id), self:key("job", id), self.dead,
      self.group, id, outcome, ttl, tostring(dead.fields.op), tostring(dead.fields.params),
      format("%d", dead.deliveries))
  else
    done, err = script(self.conn, FINISH, 3, self.stream, self:key("result", id), self:key("job", id),
      self.group, id, outcome, ttl)
  end
  if done == nil then return nil, err end
  return done == 1
end

function Queue:finish(id, outcome)
  return settle(self, id, outcome)
end

function Queue:bury(id, fields, deliveries)
  local err = core.error{ kind = "network", code = "DEAD_LETTER", retryable = false,
    message = format("job %s was delivered %d times without being answered; moved to %s", id, deliveries,
      self.dead) }
  return settle(self, id, encode_outcome(nil, err), { fields = fields, deliveries = deliveries })
end

-- A field of a listed signal, JSON null read as absent.
local function shown(item, name)
  local value = item[name]
  if value == core.null then return nil end
  return value
end

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- Whether a listed signal answers what the job asks: every field defining
-- the question that the job gives must be shown on the item, the same.
-- A template job is told by its template's id alone (the template sets the
-- question, answer type and schema), a schema by itself: when the list does
-- not show them (signals-mock's does not), nothing is adopted and the job
-- creates again, paying twice rather than answering with the signal of
-- another question.
local function asks_the_same(params, item)
  local template = shown(item, "signalTemplateId")
  if params.signalTemplateId ~= nil or template ~= nil then return template == params.signalTemplateId end
  if not same(params.outputSchema, shown(item, "outputSchema")) then return false end
  return params.question ~= nil and item.question == params.question
    and item.answerType == (params.answerType or "open_text")
end

-- Which signal created since `since` (Unix seconds) for these parameters
-- belongs to no job yet: found by listing the subject's newest signals, and
-- claimed for this job. Called for a job whose worker died between asking
-- for a signal and recording it.
function Queue:adopt(id, spec, params, since)
  local client = self.client
  local page, err = client[spec.list](client, { [spec.subject] = params[spec.subject], limit = 25 })
  if not page then return nil, err end
  for _, item in ipairs(page.items) do
    local created = time.unix(item.createdAt)
    if created and created >= floor(since) - CLOCK_SLACK and type(item.id) == "string"
        and asks_the_same(params, item) then
      local claimed, problem = script(self.conn, CLAIM, 2, self:key("job", id), self:key("claimed", item.id),
        item.id, id, format("%d", STATE_TTL))
      if claimed == nil then return nil, problem end
      if claimed == 1 then return item.id end
    end
  end
  return false
end

-- The parameters of the async create for those of `name`.
local function create_params(spec, params)
  local fields = {}
  for name, value in pairs(params) do
    if validate.field(spec.op, name) then fields[name] = value end
  end
  return fields
end

-- Sleeps `seconds` (the client's sleep) in pieces of at most a third of
-- `idle_reclaim`, after each one keeping the job this consumer's (HOLD), so
-- that no other worker takes over a job whose worker is alive. True; false
-- when the job is no longer this consumer's (taken over, or answered); nil
-- and Redis's error.
function Queue:hold(id, w, seconds)
  local pieces = max(1, ceil(seconds / (w.idle_reclaim / 3)))
  for _ = 1, pieces do
    self.client.options.sleep(seconds / pieces)
    local mine, err = script(self.conn, HOLD, 1, self.stream, self.group, id, w.consumer)
    if mine == nil then return nil, err end
    if mine ~= 1 then return false end
  end
  return true
end

-- The signal as its job asks for it: as it is ("created"), or polled until
-- it leaves "processing" (client:wait's loop), the job held between polls.
-- The signal, or nil and the API's error; false when the job is lost,
-- false and Redis's error.
function Queue:follow(id, spec, signal_id, w)
  local client = self.client
  if spec.mode == "created" then
    local get = spec.contact and client.get_contact_signal or client.get_signal
    return get(client, { signalId = signal_id })
  end
  return lifecycle.wait(client, signal_id,
    { timeout = w.timeout, interval = w.interval, contact = spec.contact == true },
    function(seconds) return self:hold(id, w, seconds) end)
end

-- A signal job: its outcome text, DEFER (leave it as it is: pending for
-- later, as what happened to its create cannot be told now, or another
-- worker's), or nil and Redis's error.
function Queue:paid_once(id, spec, params, w)
  local client = self.client
  local state_key = self:key("job", id)
  local flat, err = script(self.conn, STATE, 1, state_key)
  if flat == nil then return nil, err end
  local state = flat_fields(flat)
  local attempt = tonumber(state.attempt) or 0
  local signal_id = state.signal
  params = create_params(spec, params)
  if not signal_id and tonumber(state.creating) then
    local found, problem = self:adopt(id, spec, params, tonumber(state.creating))
    if found == nil then
      if core.kind(problem) == "error" then return DEFER end
      return nil, problem
    end
    signal_id = found or nil
  end
  while true do
    local sig
    if signal_id then
      sig, err = self:follow(id, spec, signal_id, w)
    else
      attempt = attempt + 1
      -- Only a worker that still holds the job creates: one that lost it
      -- (another answered it, or took it over and polls its signal) would
      -- pay for a signal nobody reads.
      local mine, problem = script(self.conn, CREATING, 2, self.stream, state_key, self.group, id, w.consumer,
        format("%.3f", core.now()), format("%d", attempt), format("%d", STATE_TTL))
      if mine == nil then return nil, problem end
      if mine ~= 1 then return DEFER end
      sig, err = client[spec.create](client, params)
      -- A create that may have reached the API: a later delivery finds its
      -- signal by listing.
      if not sig and err.maybe_processed then return DEFER end
      if sig and type(sig.id) ~= "string" then
        return encode_outcome(nil, core.error{ kind = "decode", retryable = false, maybe_processed = true,
          message = "the API answered the create with a signal without an id" })
      end
      if sig then
        local claimed
        claimed, problem = script(self.conn, CLAIM, 2, state_key, self:key("claimed", sig.id),
          sig.id, id, format("%d", STATE_TTL))
        if claimed == nil then return nil, problem end
        signal_id = sig.id
        if spec.mode ~= "created" and sig.status == "processing" then
          sig, err = self:follow(id, spec, signal_id, w)
        end
      end
    end
    if sig == false then
      if err then return nil, err end
      return DEFER
    end
    if not sig then return encode_outcome(nil, err) end
    if spec.mode ~= "run" or sig.status ~= "failed" then return encode_outcome(sig) end
    if sig.retryable ~= true or attempt >= w.max_attempts then return encode_outcome(nil, sig:failure()) end
    local mine, problem = self:hold(id, w, retry.backoff(attempt, client.options))
    if mine == nil then return nil, problem end
    if not mine then return DEFER end
    signal_id = nil
  end
end

local function params_of(text)
  local value = type(text) == "string" and core.decode(text, "object")
  if core.kind(value) ~= "object" then return nil end
  return value:totable()
end

-- A job's outcome text, DEFER, or nil and Redis's error.
function Queue:run(id, fields, w)
  local name = fields.op
  if self.allowed and not self.allowed[name] then
    return encode_outcome(nil, invalid(format("operation not allowed: %s", tostring(name)), "operation"))
  end
  local params = params_of(fields.params)
  if not params then
    return encode_outcome(nil, invalid("the job's parameters are not a JSON object", "params"))
  end
  local spec = PAID_ONCE[name]
  if spec then return self:paid_once(id, spec, params, w) end
  local client = self.client
  if not by_name[name] then
    return encode_outcome(nil, invalid(format("'%s' names no operation", tostring(name)), "operation"))
  end
  return encode_outcome(client[name](client, params))
end

-- Handles one entry; whether it was finished here, or nil and Redis's error.
function Queue:handle(entry, fresh, w)
  local id = entry[1]
  local fields = flat_fields(entry[2])
  if not fresh then
    local count, err = self:deliveries(id)
    if count == nil then return nil, err end
    if count == 0 then return false end
    if count > self.max_deliveries then return self:bury(id, fields, count) end
  end
  if type(entry[2]) ~= "table" then
    -- Deleted from the stream while pending: nothing left to run.
    return self:finish(id, encode_outcome(nil, invalid("the job was deleted from the stream", "job")))
  end
  local outcome, err = self:run(id, fields, w)
  if outcome == DEFER then return false end
  if outcome == nil then return nil, err end
  return self:finish(id, outcome)
end

--- Runs a worker: takes this consumer's unfinished jobs first (those it
-- held when it last stopped), then jobs other consumers held longer than
-- `idle_reclaim` seconds, then new ones, one at a time.
-- @tparam table opts `consumer` (its name in the group, required; keep it
--   across restarts), `max_jobs` (return after this many jobs; default:
--   run until Redis fails), `idle_reclaim` (seconds, default 60: while a
--   worker polls a signal or waits to create it again it keeps its job from
--   going idle, at least every third of this; so it must outlast one call
--   of the client, its retries included), `block` (seconds one read waits
--   for a job, default 2; `block` and `idle_reclaim` are sent in whole
--   milliseconds, rounded up, and are at most 2^31 seconds), `interval`
--   and `timeout` (polling a signal, as for
--   `client:wait`: 2 and 300), `max_attempts` (signals that failed
--   retryably, as for `run_signal`: 3), `stop` (a function asked before
--   each read: returning true ends the worker, e.g. on a signal)
-- @treturn[1] integer the number of jobs finished
-- @treturn[2] nil
-- @treturn[2] Error kind `network`, code `"REDIS"`: Redis failed (the job
--   in hand stays pending and is taken up again later)
-- @raise when an option is wrong
function Queue:work(opts)
  opts = opts or {}
  local problems = validate.settings(WORK_OPTIONS, opts, "opts")
  if #problems == 0 and opts.consumer == nil then
    problems[1] = { field = "opts.consumer", message = "'opts.consumer' is required" }
  end
  if #problems > 0 then error("signals.queue: work: " .. validate.message(problems), 2) end
  local w = { consumer = opts.consumer }
  for name, value in pairs(WORK_DEFAULTS) do w[name] = opts[name] or value end
  -- Sent to Redis in whole milliseconds.
  for _, name in ipairs{ "idle_reclaim", "block" } do
    if w[name] > MAX_SECONDS then
      error(format("signals.queue: work: 'opts.%s' must be at most %d (seconds)", name, MAX_SECONDS), 2)
    end
  end
  local consumer, max_jobs, stop = opts.consumer, opts.max_jobs, opts.stop
  local ok, err = self:ensure_group()
  if not ok then return nil, redis_error(err) end
  local done, history, cursor, reclaim_at = 0, "0", "0-0", 0
  while (not max_jobs or done < max_jobs) and not (stop and stop()) do
    local entry, fresh
    if history then
      entry, err = self:read(consumer, history)
      if err then return nil, redis_error(err) end
      history = entry and entry[1] or nil
    end
    if not entry and core.now() >= reclaim_at then
      entry, cursor, err = self:reclaim(consumer, w.idle_reclaim, cursor)
      if err then return nil, redis_error(err) end
      if not entry and cursor == "0-0" then reclaim_at = core.now() + w.idle_reclaim / 2 end
    end
    if not entry then
      entry, err = self:read(consumer, ">", w.block)
      if err then return nil, redis_error(err) end
      fresh = true
    end
    if entry then
      local finished
      finished, err = self:handle(entry, fresh, w)
      if finished == nil then return nil, redis_error(err) end
      if finished then done = done + 1 end
    end
  end
  return done
end

return queue

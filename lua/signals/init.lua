--- require("signals"): the client of the Saber Signals API (docs/CONTRACT.md).
-- signals.new builds a client; every operation of operations.lua becomes a
-- method of it, and the helpers (pages, paginate, wait, run_signal) sit
-- beside them.
--
-- Operations never raise: they return the result, or `nil` and an error
-- object (@{Error}). `signals.new` and the iterators raise, the former on
-- misuse, the latter a page's error object.
-- @module signals
local core = require("signals.core")
local operations = require("signals.operations")
local validate = require("signals.validate")
local request = require("signals.request")
local paging = require("signals.paging")
local lifecycle = require("signals.lifecycle")
local ratelimit = require("signals.ratelimit")
local webhook = require("signals.webhook")
local url = require("signals.url")
local store = require("signals.store")

local type, pairs, ipairs, tostring, error, require, setmetatable, rawget, pcall =
  type, pairs, ipairs, tostring, error, require, setmetatable, rawget, pcall
local format, gsub, find, byte = string.format, string.gsub, string.find, string.byte
local getenv, execute = os.getenv, os.execute
local ceil = math.ceil

local signals = {}

-- What only some clients use (the engine of start/step and client:all,
-- the answer cache, the spend guard, ask_many, the queue) is loaded when
-- one first does: a loaded module is data the collector walks at every
-- cycle, and a loop reading pages runs many cycles.
local function module(name)
  return require("signals." .. name)
end

--- The library's version, a semver string.
signals.VERSION = core.VERSION

--- JSON null: what a field holding null reads as, and what to send for null.
-- It is a light userdata equal to lua-cjson's `cjson.null`.
signals.null = core.null

--- Names the type of a value the library returned.
-- @function kind
-- @param x any value
-- @treturn ?string `"signal"`, `"contact_research"`, `"contact"`, `"object"`,
--   `"page"` or `"error"`; nil for anything else (a plain table, a string)
signals.kind = core.kind

--- Webhook deliveries: @{signals.webhook} (verify, sign, parse).
signals.webhook = webhook

--- Stores for the state many clients share (the rate limiter's buckets,
-- the answer cache, the spend limit): @{signals.store}
-- (`signals.store.memory{}`, `signals.store.shdict(name)`,
-- `signals.store.redis(conn)`).
signals.store = store

--- A durable queue of calls on Redis streams: @{signals.queue}, loaded on
-- first use (like ask_many): what a client does not use stays out of the
-- heap that the collector walks at every cycle.
-- @field queue
setmetatable(signals, { __index = function(t, name)
  if name ~= "queue" then return nil end
  local queue = module("queue")
  t.queue = queue
  return queue
end })

--- Marks a table to be sent as a JSON object, so that an empty one is `{}`
-- (an empty table is sent as `[]`).
-- @tparam table t
-- @treturn table t itself
function signals.object(t) return core.mark(t, "object") end

--- Marks a table to be sent as a JSON array (an array mark on a table that
-- is not a sequence makes the call fail with `invalid_request`).
-- @tparam table t
-- @treturn table t itself
function signals.array(t) return core.mark(t, "array") end

--- The items of a batch answer (`create_signal_batch`) that the API
-- rejected: the batch is judged per item, so a malformed domain is one
-- rejected result among accepted ones, not a refused call.
--    local batch = assert(client:create_signal_batch{ signals = { { question = q } }, domains = list })
--    for _, item in ipairs(signals.rejected_items(batch)) do print(item.domain, item.error) end
-- @tparam Object batch the answer of `create_signal_batch`
-- @treturn table an array of plain tables, one per rejected item in the
--   answer's order: `index` (its place in `batch.results`: domain-major,
--   as the request's domains × signals), `domain`, `question`, `status`,
--   `error` (the API's reason), and any other field the item carries
-- @raise when batch is not an object
function signals.rejected_items(batch)
  if core.kind(batch) ~= "object" then
    error("signals.rejected_items: 'batch' must be the answer of create_signal_batch", 2)
  end
  local rejected = {}
  local results = batch.results
  if type(results) ~= "table" then return rejected end
  for index, item in ipairs(results) do
    if type(item) == "table" and (item.status == "rejected" or (item.error ~= nil and item.id == nil)) then
      local copy = { index = index }
      for k, v in pairs(item) do copy[k] = v end
      rejected[#rejected + 1] = copy
    end
  end
  return rejected
end

--- The transports, by name: `signals.transports.curl` (libcurl, the default
-- outside nginx) and `signals.transports.ngx` (nginx cosockets, the default
-- inside OpenResty). Loaded on first use, so that a host without OpenResty
-- never loads the ngx transport.
-- @table transports
signals.transports = setmetatable({}, { __index = function(transports, name)
  local transport = require("signals.transports." .. tostring(name))
  transports[name] = transport
  return transport
end })

--- What operations return: userdata objects (`type(x) == "userdata"`) read
-- by the API's own field names. An absent field is `nil`, JSON null is
-- @{null}; nested objects and arrays are plain tables, free-form JSON is
-- passed through. Every object has `obj:totable()` (a deep plain table),
-- `obj:json()` (its JSON text) and a one-line `tostring(obj)`.
-- `signals.kind(obj)` is `"signal"`, `"contact_research"`, `"contact"` or
-- `"object"` (anything else: templates, subscriptions, lists, credits ...).
-- @table Object

--- A company or contact signal (`signals.kind(sig) == "signal"`): an
-- @{Object} with these fields (API-NOTES §4) and two methods.
-- @field id the signal's UUID
-- @field status `"processing"`, `"completed"` or `"failed"`
-- @field domain the company (company signals)
-- @field contactProfileUrl the person (contact signals)
-- @field question the question asked
-- @field answerType the answer's type (`"boolean"`, `"open_text"`, ...)
-- @field answer the typed answer envelope, as the API sends it
-- @field confidence 0 to 1, when completed
-- @field reasoning why, when completed
-- @field sources array of `{ url =, title =, snippet = }`
-- @field createdAt RFC 3339 time
-- @field completedAt RFC 3339 time, once finished
-- @field retryable when failed: whether asking again may succeed
-- @field error when failed: the message
-- @field errorCode when failed: the machine code (`LINKEDIN_RATE_LIMIT_EXCEEDED`)
-- @field value `sig:value()`: the answer unwrapped (a boolean, number,
--   string, list table, or the json_schema object); nil without an answer
-- @field failure `sig:failure()`: an @{Error} of kind `"signal"` when the
--   signal failed, else nil (contact research objects have it too)
-- @table Signal

--- What list operations return (`signals.kind(page) == "page"`), whatever
-- the API's envelope (`results`, `items`, or a bare array). `#page` is the
-- number of items; other envelope fields read by name. `page:totable()`,
-- `page:json()`, `tostring(page)`.
-- @field items a Lua array of objects (@{Object}, @{Signal})
-- @field total all matches, when the API says (nil for a bare array)
-- @field limit the page size
-- @field offset the first item's position
-- @field count the number of items on this page
-- @field has_more whether another page follows (computed where the API does not say)
-- @table Page

--- An error object (`signals.kind(err) == "error"`): what a failed call
-- returns as its second value, and what the iterators raise. `tostring(err)`
-- is one line with kind, status, code, message and request id;
-- `err:totable()` a plain copy of the fields. No field ever shows the API key.
-- @field kind `"network"`, `"timeout"`, `"http"`, `"decode"`,
--   `"invalid_request"` (refused before sending), `"signal"` (a failed signal)
--   or `"spend_limit"` (refused before sending by the client's `spend_limit`)
-- @field status the HTTP status, or nil when no response arrived
-- @field code the API's machine code (`error.code`, or a failed signal's `errorCode`)
-- @field type the API's error type (`error.type`)
-- @field message human readable, never empty
-- @field retryable the client's verdict: whether retrying could help (for a
--   failed signal: the API's `retryable`)
-- @field retry_after seconds the server asked to wait, or nil
-- @field request_id the API's `requestId`, for Saber's support
-- @field fields array of `{ field =, message = }` for validation errors
-- @field action the API's suggested remedy (`errorAction`)
-- @field details free-form details from the error body
-- @field signal the failed signal (kind `"signal"`), or the last state seen (kind `"timeout"` from `wait`)
-- @field method the request's HTTP method
-- @field path the request's path (never the key)
-- @field attempts how many attempts were made
-- @table Error

local DEFAULT_BASE_URL = "https://api.saber.app"

local DEFAULTS = {
  timeout = 60, connect_timeout = 10,
  max_retries = 2, retry_base_delay = 0.5, retry_max_delay = 8, max_retry_after = 60,
  max_response_bytes = 32 * 1024 * 1024,
  sync_wait = 120, rate_limit_floor = 5,
  clock = core.now,
  -- One default, whichever transport sends it.
  user_agent = require("signals.transports.curl").USER_AGENT,
}

local CLIENT_OPTIONS = {
  api_key = "string", base_url = "string",
  timeout = "positive", connect_timeout = "positive",
  max_retries = "count", retry_base_delay = "duration", retry_max_delay = "duration",
  max_retry_after = "duration", max_response_bytes = "positive_integer",
  sync_wait = "sync_wait", rate_limit_floor = "duration",
  ca_file = "string", ca_path = "string", proxy = "string", user_agent = "string",
  transport = "transport",
  on_request = "function", on_response = "function", on_retry = "function",
  sleep = "function", clock = "function", allow_insecure_http = "boolean",
  rate_limit = "any", -- nil, false or a table: ratelimit.problems checks it
  cache = "any", spend_limit = "any", -- checked by cache.problems, spend.problems
  on_store_error = "function",
}

-- The default `sleep`: it blocks the caller, except in OpenResty where
-- ngx.sleep yields to the event loop. ngx.sleep counts whole milliseconds,
-- cut down: a wait is rounded up to the next one, so that it never ends
-- early, and never asks for 0 ms (which Debian's module logs as a warning
-- each time: "ngx.sleep(0) called without delayed events patch").
local blocking_sleep
local function default_sleep(seconds)
  if not blocking_sleep then
    local ngx = rawget(_G, "ngx")
    if ngx and ngx.sleep then
      local sleep = ngx.sleep
      blocking_sleep = function(s) sleep(ceil(s * 1000) / 1000) end
    else
      local has_socket, socket = pcall(require, "socket")
      blocking_sleep = has_socket and socket.sleep
        or function(s) execute(format("sleep %.3f", s)) end
    end
  end
  if seconds > 0 then blocking_sleep(seconds) end
end

-- Inside nginx the I/O runs on cosockets (libcurl would stall the worker's
-- event loop), whatever phase the client is made in: one made in
-- init_by_lua serves the requests later, and a request made where nginx
-- allows no I/O gets an error saying so.
local function default_transport_name()
  local ngx = rawget(_G, "ngx")
  return ngx and ngx.socket and ngx.get_phase and "ngx" or "curl"
end

local function env(name)
  local value = getenv(name)
  return value ~= "" and value or nil
end

--- A client, made by @{new}: every operation of the API is a method named
-- by the snake_case of its operationId (the sections below list them all),
-- taking one table of parameters keyed by the API's field names and an
-- optional table of @{call_options}; the helpers are here.
-- @type Client
local Client = {}
Client.__index = Client

--- The per-call options every operation method takes as its second argument.
-- @field timeout seconds for each attempt (default: the client's)
-- @field max_retries retries after the first attempt (default: the client's)
-- @field retry_unsafe `true` retries a POST or PATCH also when it may have
--   been processed (they spend credits: by default only when it cannot have been)
-- @field headers extra request headers (not `Authorization`, `Host`, `Content-Length`)
-- @field wait sync endpoints: seconds the server may hold the call (`X-Sbr-Timeout-Sec`)
-- @field extra fields the contract does not know yet: to the JSON body, or the query
-- @table call_options

local operation_by_name = {}
for _, op in ipairs(operations) do
  operation_by_name[op.name] = op
  Client[op.name] = function(self, params, opts)
    if self.cache then return module("cache").call(self, op, params, opts, request.call) end
    return request.call(self, op, params, opts)
  end
end

-- Misuse of the iterators raises (CONTRACT §4), at the caller's line.
local function list_operation(name, params)
  local op = operation_by_name[name]
  if not op then error(format("signals: unknown operation '%s'", tostring(name)), 3) end
  if not op.page then error(format("signals: %s is not a list operation", name), 3) end
  if params ~= nil and type(params) ~= "table" then
    error(format("signals: the parameters of %s must be a table", name), 3)
  end
  return op
end

--- Iterates over the pages of a list operation, fetching one at a time.
-- Memory stays bounded by one page.
-- @tparam string name a list operation (`"list_signals"`)
-- @tparam[opt] table params its parameters (`offset` sets where to start)
-- @tparam[opt] table opts @{call_options} for each page
-- @return an iterator giving each @{Page}
-- @raise an unknown or non-list operation, or params that are not a table;
--   while iterating, the @{Error} of a page that failed after retries, so that
--   a failure is never mistaken for the end of the list, or an @{Error} of
--   kind `"decode"` when the server makes no progress (a page repeating the
--   one before, another offset than the one asked for)
function Client:pages(name, params, opts)
  return paging.pages(self, list_operation(name, params), params, opts)
end

--- Iterates over every item of a list operation, page after page.
--    for sig in client:paginate("list_signals", { domain = "acme.com" }) do ... end
-- @tparam string name a list operation
-- @tparam[opt] table params its parameters
-- @tparam[opt] table opts @{call_options} for each page
-- @return an iterator giving each item (an @{Object} or @{Signal})
-- @raise as @{Client:pages}
function Client:paginate(name, params, opts)
  return paging.paginate(self, list_operation(name, params), params, opts)
end

--- Polls a signal until it leaves `"processing"`.
-- @function Client:wait
-- @tparam Signal|string signal a signal, or its id
-- @tparam[opt] table opts `timeout` (seconds, default 300), `interval`
--   (seconds between polls, default 2), `contact` (true: a contact signal,
--   false: a company signal; default: told by the signal's `contactProfileUrl`
--   or `domain`, else found by the first poll as @{Client:get_any_signal}
--   does), `headers`, `max_retries`
-- @treturn[1] Signal the signal in its final state (completed, or failed as data)
-- @treturn[2] nil
-- @treturn[2] Error kind `"timeout"` with `err.signal` (the last state seen)
--   when `timeout` passes, or the error of a poll that failed
Client.wait = lifecycle.wait

--- A signal by its id, company or contact: asks the company endpoint and,
-- when it answers 404, the contact one (as Saber's CLI does).
-- @function Client:get_any_signal
-- @tparam table|string params `{ signalId = id }`, or the id
-- @tparam[opt] table opts @{call_options} for each request
-- @treturn[1] Signal the signal
-- @treturn[2] nil
-- @treturn[2] Error the contact endpoint's error when neither knows the id,
--   or the first error that is not a 404
Client.get_any_signal = lifecycle.get_any_signal

--- Asks a question about a company and waits for the answer: creates the
-- signal on the sync endpoint, polls when the server-side wait runs out, and
-- when it failed with `retryable == true` asks again after a backoff.
-- @function Client:run_signal
-- @tparam table params as for `create_company_signal_sync` (`domain`, `question`, ...)
-- @tparam[opt] table opts `wait` (server-side seconds per create, default 120),
--   `timeout`, `interval` (as for @{Client:wait}), `max_attempts` (default 3),
--   `headers`, `max_retries`, `extra`
-- @treturn[1] Signal the completed signal
-- @treturn[2] nil
-- @treturn[2] Error kind `"signal"` for a signal that failed (at once when not
--   retryable), or the error of a call that failed
Client.run_signal = lifecycle.run_signal

--- @{Client:run_signal} for a contact: params as for
-- `create_contact_signal_sync` (`contactProfileUrl`, `question`, ...).
-- @function Client:run_contact_signal
-- @tparam table params
-- @tparam[opt] table opts as for @{Client:run_signal}
-- @treturn[1] Signal the completed signal
-- @treturn[2] nil
-- @treturn[2] Error
Client.run_contact_signal = lifecycle.run_contact_signal

--- Runs many operation calls at once, at most `opts.concurrency` requests in
-- flight (libcurl multi; cosockets in OpenResty). Each call keeps its own
-- validation, hooks and retries; a retry's wait holds up no other call.
--    local results = client:all({ { "get_signal", { signalId = a } },
--                                 { "create_signal", { domain = "acme.com", question = "?" } } })
-- @tparam {table,...} calls each `{ "operation_name", params [, call_options] }`
-- @tparam[opt] table opts `concurrency` (default 8), `on_progress(done, total)`
-- @treturn[1] table the results in input order, each an object or an @{Error}
-- @treturn[2] nil
-- @treturn[2] Error when `calls` or `opts` are not usable
function Client:all(calls, opts)
  return module("concurrency").all(self, operation_by_name, calls, opts)
end

--- @{Client:wait} for many signals at once.
-- @tparam {Signal|string,...} targets signals or their ids
-- @tparam[opt] table opts `concurrency` (default 8), `on_progress(done, total)`,
--   and the options of @{Client:wait} for each
-- @treturn[1] table in input order, what @{Client:wait} gives for each: the
--   signal in its final state, or an @{Error}
-- @treturn[2] nil
-- @treturn[2] Error when `signals` or `opts` are not usable
function Client:wait_all(targets, opts)
  return module("concurrency").wait_all(self, operation_by_name, targets, opts)
end

--- Starts a call and returns at once, for hosts with a loop of their own
-- (a game's frames, an editor's or libuv's event loop): @{Client:step},
-- called from that loop, moves it on with every other call in flight.
-- Validation, hooks, retries, redirects, the rate limiter and the result
-- are those of the blocking method.
--    local h = client:start("get_signal", { signalId = id }, { on_done = function(sig, err) ... end })
--    -- each frame:
--    client:step(0)
-- @tparam string name an operation (`"create_signal"`), or `"run_signal"`,
--   `"run_contact_signal"`, `"wait"`, `"get_any_signal"`
-- @param params what the method takes first (for `"wait"`: the signal or its id)
-- @tparam[opt] table opts the method's own options, and `on_done`: a
--   `function(result, err)` called from inside @{Client:step} once the call
--   has ended, with what the blocking method would have returned
-- @treturn Handle the call; one that validation refuses (or any call on a
--   closed client) is done at once with its error, and nothing is sent
-- @raise an unknown name, `opts` that is not a table, an `on_done` that
--   is not a function
function Client:start(name, params, opts)
  return module("engine").start(self, operation_by_name, name, params, opts)
end

--- Moves every call in flight on (sends what may go, takes the answers
-- that came, starts retries and polls whose time has come) and calls the
-- `on_done` of those that ended. It waits at most `max_seconds` for
-- something to happen, and returns as soon as something did: with 0 it
-- never waits. A value an `on_done` or a hook raises goes up from here;
-- the calls stay as they were, and the callbacks not yet called are
-- called by the next step.
-- @tparam[opt=0] number max_seconds the longest wait
-- @treturn integer the number of calls still in flight
-- @raise `max_seconds` that is not a number >= 0; a step from inside a
--   hook (`on_request`, `on_response`, `on_retry`) of a call it runs
function Client:step(max_seconds)
  return module("engine").step(self, operation_by_name, max_seconds)
end

--- Asks every question about every company: domains × questions through
-- the API's batch create, a hundred signals a call (each call covers whole
-- domains, domain-major), the answers collected with reads, and signals
-- that failed with `retryable == true` asked again (through the batch
-- create too) after a backoff, up to `opts.max_attempts` in all.
--    local results = client:ask_many{ domains = { "acme.com", "globex.com" },
--      questions = { "Are they hiring?", { question = "Headcount?", answerType = "number" } } }
--    -- results[1]: acme.com / hiring, [2]: acme.com / headcount, [3]: globex.com / hiring ...
--
-- What each slot may hold: the signal in its final state (completed, or
-- failed as data once its attempts are spent); an @{Error} of kind
-- `"invalid_request"` for a domain that is not a string (refused before
-- sending, the other domains go ahead); kind `"http"` with `code ==
-- "REJECTED"` for an item the API rejected (its reason in `message`, the
-- item in `details`, `status` nil: the call succeeded, the item did not);
-- the error of a batch call or of a read that failed after its retries
-- (`maybe_processed` says whether a failed batch call may have created
-- signals); kind `"decode"` with `maybe_processed == true` when the
-- batch answer has no result for the signal (an answer without `results`,
-- as for `async`, or with fewer results than signals asked: then they are
-- matched by domain and question); kind `"timeout"` (with `err.signal`)
-- when a signal is still processing after `opts.timeout`.
--
-- A domain given twice is asked once: its slots share the answer (the
-- same object). An empty `domains` gives an empty array and sends nothing.
-- Nothing paid for is lost: every signal whose id is known is waited for,
-- also those a batch answer holds beyond what was asked
-- (`results.unmatched`, in the order met).
-- @tparam table params `domains` (an array of domains), `questions` (an
--   array of questions, or tables of the batch's per-signal fields:
--   `question`, `answerType`, `weight`, `forceRefresh`, `webhookUrl`,
--   `signalTemplateId`, ...); any other field is a default for every
--   question (`answerType = "boolean"`). `async` and
--   `generateSummaryOnComplete` are refused: they belong to one batch call
-- @tparam[opt] table opts `concurrency` (requests in flight, default 8),
--   `on_progress(done, total)` (outcomes known out of the signals to ask:
--   an attempt that failed and is asked again counts as done and adds one
--   to total), `max_attempts` (default 3), `timeout` (seconds to wait for
--   each answer once its id is known, default 300), `interval` (seconds
--   between reads of a signal, default 2), `on_created(index, id)` (called
--   for each result slot as soon as its signal's id is known, e.g. to save
--   it), `created` (a table index → id of signals an earlier run created:
--   they are waited for, not created again), `headers`, `max_retries`
--   (for each call)
-- @treturn[1] table the results in input order: the result for domain `d`
--   and question `q` at `(d - 1) * #questions + q`
-- @treturn[2] nil
-- @treturn[2] Error kind `"invalid_request"` when `params` or `opts` are
--   not usable (no questions, a question that is neither a string nor a
--   table, a bad option); nothing is sent
function Client:ask_many(params, opts)
  return module("ask_many").run(self, params, opts)
end

--- Closes the transport the client opened itself; a transport passed in
-- belongs to the caller. Calls started and not done end with an error of
-- kind `"invalid_request"` ("the client is closed"), and their `on_done` is
-- called from here. Later calls return an invalid_request error.
function Client:close()
  -- No client has started a call if the engine was never loaded.
  local engine = package.loaded["signals.engine"]
  if not self.closed then
    self.closed = true
    if engine then engine.close(self) end
    if self.owns_transport and self.transport.close then self.transport.close() end
  end
  if engine then engine.closed(self) end
end

function Client:__tostring()
  return "signals client " .. self.options.base_url
end

--- Making a client.
-- @section new

--- The options of @{new}. Times are in seconds (fractions allowed).
-- @field api_key the API key (default `$SABER_API_KEY`; none: the API answers 401)
-- @field base_url `https://api.saber.app` by default, or `$SABER_BASE_URL`;
--   may carry a path prefix (a gateway). Plain http only to loopback,
--   unless `allow_insecure_http`
-- @field allow_insecure_http `true` allows plain http to other hosts (the key then travels in clear)
-- @field timeout per attempt (default 60)
-- @field connect_timeout per attempt (default 10)
-- @field max_retries retries after the first attempt (default 2)
-- @field retry_base_delay backoff: the first retry's longest wait (default 0.5)
-- @field retry_max_delay backoff: the longest wait (default 8)
-- @field max_retry_after the longest server-asked wait honoured; a longer one
--   returns the error instead (default 60)
-- @field max_response_bytes a larger body is an error (default 32 MiB)
-- @field sync_wait seconds the server may hold a sync call (1 to 900,
--   default 120): sent as `X-Sbr-Timeout-Sec` when a call gives no `wait`,
--   and the HTTP timeout of that call is raised to outlast it by 30 s
-- @field rate_limit_floor the least wait before retrying a 429 that gave no
--   hint how long to wait (default 5), still bounded by `max_retry_after`
-- @field ca_file CA bundle for TLS (libcurl transport)
-- @field ca_path CA directory for TLS (libcurl transport)
-- @field proxy proxy URL (default: libcurl's proxy environment variables)
-- @field user_agent the User-Agent header (default `signals-lua/<version> (<Lua version>)`)
-- @field rate_limit the client-side limiter: a table of `writes_per_minute`
--   (default 2000), `reads_per_minute` (100000), `write_burst` (400),
--   `read_burst` (10000), `extract_per_minute` (6) and `extract_burst` (3)
--   (template-extract proposals, which also take a write token), `store` (a
--   @{signals.store} holding the buckets, so that every client sharing it
--   shares the key's limits; default: this client's own), or `false` for
--   none; it also follows the server's `X-Ratelimit-*` headers
-- @field cache the answer cache, off by default: `{ store = s, ttl = 43200 }`
--   keeps completed signals in store `s` for `ttl` seconds (less their age)
--   under what defines their answer; a question asked again is answered
--   from it, sending nothing. `forceRefresh = true` skips it
-- @field spend_limit the runaway guard, off by default: `{ calls = N, per =
--   seconds, store = s }` lets at most `N` calls of the operations that spend
--   credits go per `per` seconds (counted in store `s`, default this
--   client's own; a batch counts signals × domains); one more returns an
--   @{Error} of kind `"spend_limit"`, nothing sent
-- @field on_store_error hook called with `{ store, operation, key, message }`
--   when a store fails (`store`: `"memory"`, `"shdict"`, `"redis"` or
--   `"custom"`; `operation`: `"reserve"`, `"get"` or `"set"`), once per
--   outage; meanwhile the limits hold at a quarter of their rate in this
--   client (a store's `fallback_share`), the cache misses, nothing fails
-- @field transport a table with `request(req)` returning `res` or `nil, err`
--   (`req = { method, url, headers, body, timeout, connect_timeout }`,
--   `res = { status, headers (lower-case names), body }`); default:
--   `signals.transports.curl`, or `signals.transports.ngx` inside nginx
-- @field on_request hook called with `{ operation, attempt, method, url,
--   headers, body, timeout, connect_timeout }` before each request is sent
-- @field on_response hook called with `{ operation, attempt, method, url,
--   status, headers, body }` for each response
-- @field on_retry hook called with `{ operation, attempt, delay, error,
--   method, url }` before each retry's wait (`error`: the fields of the @{Error})
-- @field sleep `function(seconds)` used between retries and polls, and for
--   the rate limiter's waits (default: blocking; `ngx.sleep` in OpenResty)
-- @field clock `function()` returning Unix time in seconds (fractions
--   allowed): the one clock of the rate limiter (X-Ratelimit-Reset is Unix
--   time), `wait`'s timeout, @{Client:all}'s waits and Retry-After dates
--   (default: the system's wall clock). Pair it with a `sleep` that does
--   not really wait, e.g. in tests: a clock that such a sleep moves forward
-- @table options

--- Makes a client. The `Authorization` header is redacted in everything a
-- hook, a log line, `tostring` or an error shows.
--    local client = signals.new{ api_key = os.getenv("SABER_API_KEY") }
-- @tparam[opt] table opts @{options}
-- @treturn Client
-- @raise on misuse: an unknown option, a value of the wrong type or range,
--   a base_url that is not http(s) or is plain http to another host
function signals.new(opts)
  if opts == nil then opts = {} end
  local problems = validate.settings(CLIENT_OPTIONS, opts)
  if #problems == 0 then problems = ratelimit.problems(opts.rate_limit) end
  for _, option in ipairs{ { "cache", "cache" }, { "spend_limit", "spend" } } do
    local value = opts[option[1]]
    if #problems == 0 and value ~= nil then problems = module(option[2]).problems(value) end
  end
  if #problems > 0 then error("signals.new: " .. validate.message(problems), 2) end

  local options = {}
  for name, value in pairs(DEFAULTS) do options[name] = value end
  for name, value in pairs(opts) do options[name] = value end
  if opts.api_key == nil then options.api_key = env("SABER_API_KEY") end
  -- No key at all: no Authorization header, and the API's 401 says why.
  if options.api_key == "" then options.api_key = nil end
  local base_url = opts.base_url or env("SABER_BASE_URL") or DEFAULT_BASE_URL
  if not find(base_url, "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+") or find(base_url, "[?#]") then
    error(format("signals.new: 'base_url' must be an http(s) URL without query or fragment, got '%s'",
      base_url), 2)
  end
  if find(base_url, "^[Hh][Tt][Tt][Pp]:") and not opts.allow_insecure_http and not url.is_loopback_http(base_url) then
    error("signals.new: 'base_url' is plain http to a host other than loopback, which would send "
      .. "the API key in clear text; use https, or pass allow_insecure_http = true", 2)
  end
  options.base_url = gsub(base_url, "/+$", "")
  options.sleep = opts.sleep or default_sleep

  local transport = opts.transport or require("signals.transports." .. default_transport_name()).new{
    ca_file = options.ca_file, ca_path = options.ca_path, proxy = options.proxy,
    max_response_bytes = options.max_response_bytes,
  }
  -- One guard per store, so that a store failing is reported once per
  -- outage whatever uses it; keys carry an id of the API key, so that keys
  -- sharing a store keep their own budgets and answers.
  local guards = {}
  local function guarded(s)
    if not s then return nil end
    guards[s] = guards[s] or store.guard(s, options.on_store_error)
    return guards[s]
  end
  local key_id = gsub(core.hmac_sha256("signals key id", options.api_key or ""):sub(1, 8), ".",
    function(c) return format("%02x", byte(c)) end)
  local rate_limit, spend_limit = opts.rate_limit, opts.spend_limit
  return setmetatable({ options = options, transport = transport, owns_transport = opts.transport == nil,
                        closed = false,
                        limiter = ratelimit.new(rate_limit, options.max_retry_after,
                          guarded(rate_limit and rate_limit.store), key_id),
                        cache = opts.cache and module("cache").new(opts.cache, guarded(opts.cache.store), key_id),
                        spend = spend_limit and module("spend").new(spend_limit,
                          guarded(spend_limit.store or store.memory()), key_id) },
                      Client)
end

return signals

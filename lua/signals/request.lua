-- One call of an operation as steps: validate and build it (build.lua),
-- let the rate limiter admit each exchange, fire the hooks around it, take
-- the transport's answer (answer.lua), follow a redirect (redirect.lua),
-- decide a retry by the policy of retry.lua, and end with the result or
-- the error object, the key out of it (redact.lua). request.call runs the
-- steps one exchange at a time; the engine of engine.lua runs them for
-- many calls at once (client:start, client:all). Nothing here raises but a
-- hook.
local core = require("signals.core")
local validate = require("signals.validate")
local retry = require("signals.retry")
local build = require("signals.build")
local answer = require("signals.answer")
local redirect = require("signals.redirect")
local redact = require("signals.redact")
local errors = require("signals.errors")

local type, pairs, ipairs, pcall, next = type, pairs, ipairs, pcall, next
local max = math.max

local request = {}

local NO_OPTIONS = {}

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The client's clock (the `clock` option, seconds) and its sleep: the rate
-- limiter, the engine, wait and Retry-After dates all count time by
-- that one clock.
function request.now(client)
  return client.options.clock()
end

function request.sleep(client, seconds)
  client.options.sleep(seconds)
end

-- One call as steps: request.call runs them one exchange at a time, the
-- engine with many calls in flight.

-- The call in progress, or nil and the error that refuses it (nothing is sent).
function request.start(client, op, params, opts)
  if opts == nil then opts = NO_OPTIONS end
  if client.closed then return nil, errors.invalid("the client is closed", nil, op) end
  local args = build.params(op, params)
  if not args then
    return nil, errors.refused({ { field = "params", message = "'params' must be a table: " .. op.name
      .. " takes no positional parameter" } }, op)
  end
  local problems = validate.params(op, args)
  -- Empty options (wait's polls pass some) need no check.
  if opts ~= NO_OPTIONS and (type(opts) ~= "table" or next(opts) ~= nil) then
    for _, problem in ipairs(validate.options(op, opts)) do problems[#problems + 1] = problem end
  end
  if #problems > 0 then return nil, errors.refused(problems, op) end
  local req, path_or_reason = build.request(client, op, args, opts)
  if not req then
    return nil, errors.refused({ { field = "body", message = path_or_reason } }, op)
  end
  local refused = client.spend and op.spends
    and require("signals.spend").check(client, op, args, path_or_reason, request.now(client))
  if refused then return nil, refused end
  return { client = client, op = op, args = args, opts = opts, path = path_or_reason,
           first = req, req = req, attempt = 1, redirects = 0 }
end

-- Seconds the rate limiter wants to pass before call.req goes out (0: now).
-- The first question about an exchange reserves its token: a slot of its
-- own in the bucket, so that calls waiting together never go together.
-- Asked again after the wait, it waits only for what is left of that slot,
-- and for the server's window, which answers meanwhile may have closed.
function request.admission(call, at)
  local limiter = call.client.limiter
  if not limiter then return 0 end
  if not call.slot then
    local class, also = limiter:class(call.req.method, call.op)
    call.class, call.slot = class, at + limiter:reserve(class, also, at)
  end
  return max(call.slot - at, limiter:window_wait(call.class, at))
end

-- Fires on_request and counts call.req in flight with the rate limiter;
-- returns it for the transport.
function request.outgoing(call)
  local client, req = call.client, call.req
  local options = client.options
  if options.on_request then
    options.on_request{ operation = call.op.name, attempt = call.attempt, method = req.method, url = req.url,
      headers = redact.headers(req.headers, options.api_key), body = req.body,
      timeout = req.timeout, connect_timeout = req.connect_timeout }
  end
  call.slot = nil
  if client.limiter then client.limiter:sent(call.class) end
  call.in_flight = true
  return req
end

-- call.req, if it was sent, is over: the limiter hears of it once per
-- request sent, whatever raises afterwards.
local function over(call, headers, at, retry_after)
  if call.in_flight then
    call.in_flight = false
    local limiter = call.client.limiter
    if limiter then limiter:answered(call.class, headers, at, retry_after) end
  end
end

-- Takes the transport's answer to call.req (`res`, or nil and `problem`)
-- and says what comes next:
--   "send"          call.req is due now (a same-origin redirect);
--   "retry", delay  call.req is due again after `delay` seconds (on_retry fired);
--   "done", value   the call's result;
--   "failed", err   the call's error object.
function request.incoming(call, res, problem, at)
  local client, op = call.client, call.op
  local options = client.options
  local err, next_req, value
  res, err = answer.checked(res, problem, call.lent)
  -- The limiter hears of the answer before a hook or the decoder runs.
  local limited = res and res.status == 429 and answer.http_error(res, at) or nil
  over(call, res and res.headers, at, limited and limited.retry_after)
  if res then
    if options.on_response then
      -- What the server sent, less any trace of the key it echoed.
      options.on_response{ operation = op.name, attempt = call.attempt, method = call.req.method,
        url = call.req.url, status = res.status, headers = redact.value(res.headers, options.api_key),
        body = redact.value(answer.body_text(res), options.api_key) }
    end
    next_req, err = redirect.follow(call, res)
    if not next_req and not err then
      if res.status >= 200 and res.status < 300 then
        value, err = answer.decode(op, call.args, res)
      else
        err = limited or answer.http_error(res, at)
      end
    end
  end
  if next_req then
    call.req = next_req
    return "send"
  end
  if value ~= nil then return "done", value end
  local attempt = call.attempt
  err.method, err.path, err.attempts = op.method, call.path, attempt
  err.retryable = retry.should_retry(err, op.method, call.opts.retry_unsafe)
  err.maybe_processed = retry.maybe_processed(err, op.method)
  err.connected = nil
  redact.error(err, options.api_key)
  local max_retries = call.opts.max_retries or options.max_retries
  local delay = err.retryable and attempt <= max_retries and retry.delay(err, attempt, options)
  if not delay then return "failed", core.error(err) end
  if options.on_retry then
    options.on_retry{ operation = op.name, attempt = attempt, delay = delay, error = copy(err),
                      method = op.method, url = call.first.url }
  end
  call.attempt, call.req, call.redirects = attempt + 1, call.first, 0
  return "retry", delay
end

-- The call ends here, without its answer: the caller gave up on it (a
-- cancelled request, a closed client). Returns the error object that ends
-- it: invalid_request with `message`; a POST or PATCH given up on while in
-- flight may have been processed, and so may the job around it when
-- `wrote_before` (a POST of its own went out before this call).
function request.abandon(call, at, message, wrote_before)
  local method, unanswered = call.op.method, call.in_flight == true
  over(call, nil, at)
  return core.error{ kind = "invalid_request", message = message, method = method,
                     path = call.path, attempts = call.attempt,
                     maybe_processed = wrote_before == true
                       or (unanswered and retry.maybe_processed({ kind = "network" }, method)) }
end

function request.call(client, op, params, opts)
  local call, err = request.start(client, op, params, opts)
  if not call then return nil, err end
  local transport = client.transport
  -- The client's own transport may lend the body to the decoder rather
  -- than make a string of it; one given to signals.new answers as CONTRACT §7 says.
  local send = client.owns_transport and transport.fetch
  call.lent = send and true
  send = send or transport.request
  while true do
    local wait = request.admission(call, request.now(client))
    while wait > 0 do
      request.sleep(client, wait)
      wait = request.admission(call, request.now(client))
    end
    local ok, res, problem = pcall(send, request.outgoing(call))
    if not ok then res, problem = nil, res end
    local step, outcome = request.incoming(call, res, problem, request.now(client))
    if step == "done" then return outcome end
    if step == "failed" then return nil, outcome end
    if step == "retry" then request.sleep(client, outcome) end
  end
end

return request

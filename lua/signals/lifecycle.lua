-- The signal lifecycle (CONTRACT §6, §9): wait polls a signal until it leaves
-- "processing"; run_signal / run_contact_signal create one through the sync
-- endpoint, wait for it, and create it again when it failed with
-- retryable = true.
local core = require("signals.core")
local validate = require("signals.validate")
local errors = require("signals.errors")
local retry = require("signals.retry")

local type = type
local min = math.min
local format = string.format

local lifecycle = {}

local DEFAULT_TIMEOUT = 300
local DEFAULT_INTERVAL = 2
local DEFAULT_MAX_ATTEMPTS = 3

-- "any": handed on to the calls made, which check them.
local WAIT_OPTIONS = { timeout = "duration", interval = "positive", contact = "boolean",
  headers = "any", max_retries = "any" }
local RUN_OPTIONS = { wait = "any", timeout = "duration", interval = "positive",
  max_attempts = "positive_integer", headers = "any", max_retries = "any", extra = "any" }

local invalid_options = errors.refused

-- A signal by id whatever its kind, as Saber's CLI looks one up (API-NOTES
-- §16a): the company endpoint, then on 404 the contact one. Also says
-- whether it is a contact signal.
local function find_any(client, params, opts)
  local signal, err = client.get_signal(client, params, opts)
  if signal or err.kind ~= "http" or err.status ~= 404 then return signal, err, false end
  signal, err = client.get_contact_signal(client, params, opts)
  return signal, err, true
end

function lifecycle.get_any_signal(client, params, opts)
  local signal, err = find_any(client, params, opts)
  return signal, err
end

-- `pause(seconds)`, signals.queue's, sleeps between polls in place of the
-- client's sleep (keeping its job meanwhile); when it returns false (and
-- a problem), the wait stops and returns them.
function lifecycle.wait(client, target, opts, pause)
  opts = opts or {}
  local problems = validate.settings(WAIT_OPTIONS, opts, "opts")
  if #problems > 0 then return nil, invalid_options(problems) end
  local last, id
  if type(target) == "string" then
    id = target
  elseif type(target) == "table" or core.kind(target) == "signal" then
    id = target.id
    if type(target.status) == "string" then last = target end
  end
  if type(id) ~= "string" then
    return nil, invalid_options{ { field = "signal", message = "'signal' must be a signal or its id" } }
  end
  -- nil while the kind is unknown (an id, or a delivery naming no subject):
  -- the first poll finds out.
  local contact = opts.contact
  if contact == nil and last then
    if last.contactProfileUrl ~= nil then contact = true elseif last.domain ~= nil then contact = false end
  end
  local call_opts = { headers = opts.headers, max_retries = opts.max_retries }
  local timeout = opts.timeout or DEFAULT_TIMEOUT
  local interval = opts.interval or DEFAULT_INTERVAL
  -- The client's clock: a sleep that does not really wait (in tests) comes
  -- with a clock it moves forward.
  local clock = client.options.clock
  local started = clock()
  while true do
    if last then
      if last.status ~= "processing" then return last end
      local elapsed = clock() - started
      if elapsed >= timeout then
        return nil, core.error{ kind = "timeout", signal = last, retryable = true,
          message = format("signal %s still processing after %g s", id, timeout),
          method = "GET", path = (contact and "/v1/contacts/signals/" or "/v1/companies/signals/") .. id }
      end
      local delay = min(interval, timeout - elapsed)
      if pause then
        local go_on, problem = pause(delay)
        if not go_on then return false, problem end
      else
        client.options.sleep(delay)
      end
    end
    local fresh, err
    if contact == nil then
      fresh, err, contact = find_any(client, { signalId = id }, call_opts)
    elseif contact then
      fresh, err = client.get_contact_signal(client, { signalId = id }, call_opts)
    else
      fresh, err = client.get_signal(client, { signalId = id }, call_opts)
    end
    if not fresh then return nil, err end
    last = fresh
  end
end

local function run(client, create, params, opts, contact)
  opts = opts or {}
  local problems = validate.settings(RUN_OPTIONS, opts, "opts")
  if #problems > 0 then return nil, invalid_options(problems) end
  local create_opts = { wait = opts.wait, headers = opts.headers,
                        max_retries = opts.max_retries, extra = opts.extra }
  local wait_opts = { timeout = opts.timeout, interval = opts.interval, contact = contact,
                      headers = opts.headers, max_retries = opts.max_retries }
  local max_attempts = opts.max_attempts or DEFAULT_MAX_ATTEMPTS
  local attempt = 0
  while true do
    attempt = attempt + 1
    local signal, err = create(client, params, create_opts)
    if signal and signal.status == "processing" then
      local created = signal
      signal, err = lifecycle.wait(client, created, wait_opts)
      -- The signal exists and was paid for: whatever ended the wait, the
      -- caller must not take the error for a create that never happened.
      if not signal and core.kind(err) == "error" then
        err = errors.with(err, { signal = err.signal or created, maybe_processed = true })
      end
    end
    if not signal then return nil, err end
    if signal.status ~= "failed" then return signal end
    local delay = retry.again(signal, attempt, max_attempts, client.options)
    if not delay then return nil, signal:failure() end
    client.options.sleep(delay)
  end
end

function lifecycle.run_signal(client, params, opts)
  return run(client, client.create_company_signal_sync, params, opts, false)
end

function lifecycle.run_contact_signal(client, params, opts)
  return run(client, client.create_contact_signal_sync, params, opts, true)
end

return lifecycle

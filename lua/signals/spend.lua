-- The runaway guard (client option `spend_limit = { calls = N, per =
-- seconds, store = s }`): the calls of the operations that spend credits
-- (operations.lua marks them `spends`) are counted in a store, so that a
-- loop gone wrong in one worker is stopped for every client sharing it. A
-- call over the limit is refused before anything is sent, with an error of
-- kind "spend_limit".
--
-- The count is the store's GCRA reservation with max_wait = 0: up to
-- `calls` at once, then `calls` every `per` seconds, refused rather than
-- delayed. A call counts once whatever its retries; a batch create counts
-- one per signal and domain (signals × domains).
local core = require("signals.core")
local validate = require("signals.validate")
local store = require("signals.store")

local type, ipairs, format = type, ipairs, string.format

local spend = {}

local SETTINGS = { calls = "positive_integer", per = "positive", store = "any" }

-- The problems with the `spend_limit` option: nil (none) or a table with
-- calls and per (store optional: an in-process one by default).
function spend.problems(settings)
  if settings == nil or settings == false then return {} end
  if type(settings) ~= "table" then
    return { { field = "spend_limit", message = "'spend_limit' must be a table ({ calls = N, per = seconds })" } }
  end
  local problems = validate.settings(SETTINGS, settings, "spend_limit")
  for _, name in ipairs{ "calls", "per" } do
    if settings[name] == nil then
      problems[#problems + 1] = { field = "spend_limit." .. name, message = "'spend_limit." .. name .. "' is required" }
    end
  end
  if #problems == 0 and settings.store ~= nil then
    local problem = store.problem(settings.store)
    if problem then problems[1] = { field = "spend_limit.store", message = "'spend_limit.store' " .. problem } end
  end
  return problems
end

-- The client's guard state, or nil for none.
function spend.new(settings, guard, key_id)
  if not settings then return nil end
  return { guard = guard, key = "spend:" .. key_id, calls = settings.calls, per = settings.per,
           rate = settings.calls / settings.per }
end

-- Credits a call of `op` with these (validated) parameters may spend, in
-- the guard's units.
local function units(op, params)
  if op.spends == "items" then
    local signals, domains = params.signals, params.domains
    return (type(signals) == "table" and #signals or 1) * (type(domains) == "table" and #domains or 1)
  end
  return 1
end

-- nil when the call of `op` (one that spends) may go (it is counted), or
-- the error refusing it.
function spend.check(client, op, params, path, now)
  local state = client.spend
  local n = units(op, params)
  local wait, taken = state.guard:reserve(state.key, state.rate, state.calls, now, 0, n)
  if taken then return nil end
  local message
  if n > state.calls then
    message = format("spend_limit: this call counts %d credit-spending calls, more than the %d allowed "
      .. "per %g s", n, state.calls, state.per)
  else
    message = format("spend_limit: %d credit-spending calls per %g s reached; %s refused before sending "
      .. "(room again in %.1f s)", state.calls, state.per, op.name, wait)
  end
  return core.error{ kind = "spend_limit", message = message, retryable = false,
                     retry_after = n <= state.calls and wait or nil, method = op.method, path = path }
end

return spend

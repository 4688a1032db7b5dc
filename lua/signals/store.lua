--- Stores: where the state that many clients share lives (the rate
-- limiter's buckets, the answer cache, the spend limit), so that every
-- worker of an nginx, or every process on every machine using one Redis,
-- draws on one budget. Three come with the library:
--
--    signals.store.memory{ max_items = 1000 }   -- this process (the default's behaviour)
--    signals.store.shdict("signals")            -- every worker of an nginx: lua_shared_dict
--    signals.store.redis(conn, { prefix = "signals:" })  -- any number of processes and machines
--
-- A store is any table with these three methods (a store of your own works
-- too):
--
-- `store:reserve(key, rate, burst, now, max_wait[, cost])` → `wait, taken`,
-- or `nil, err`: the one atomic decision of the rate limiter and the spend
-- limit, GCRA over one number per key (the theoretical arrival time, TAT).
-- With the interval `T = 1/rate`: `tat = max(stored or now, now)`;
-- `wait = max(0, tat + cost×T − burst×T − now)`; when `wait <= max_wait` the
-- store keeps `tat + cost×T` and answers `wait, true` (the caller goes after
-- `wait` seconds: its place is taken), else it keeps nothing and answers
-- `wait, false`. `cost` (default 1) counts several units at once. `burst`
-- calls go at once, then one every `T`. A key left idle expires by itself
-- (about a second after its TAT passes), so a store does not grow.
--
-- `store:get(key)` → the string kept, `nil` (none), or `nil, err`;
-- `store:set(key, value, ttl)` → `true` or `nil, err` (value a string, ttl
-- in seconds): the answer cache.
-- @module signals.store
local core = require("signals.core")

local type, tostring, require, setmetatable, pcall, ipairs, next = type, tostring, require, setmetatable,
  pcall, ipairs, next
local max, floor, huge = math.max, math.floor, math.huge
local format = string.format

local store = {}

--- `signals.store.memory{ max_items = N }`: see @{signals.store.memory}.
-- @function memory
function store.memory(opts) return require("signals.store.memory").new(opts) end

--- `signals.store.shdict(name[, opts])`: see @{signals.store.shdict}.
-- @function shdict
function store.shdict(name, opts) return require("signals.store.shdict").new(name, opts) end

--- `signals.store.redis(conn[, opts])`: see @{signals.store.redis}.
-- @function redis
function store.redis(conn, opts) return require("signals.store.redis").new(conn, opts) end

--- The share of a limit a client keeps to while its store fails: a
-- quarter, so that four processes falling back at once still stay within
-- the key's limit. A store's `fallback_share` option changes it.
store.FALLBACK_SHARE = 0.25

-- The `fallback_share` option of a store's constructor, checked: nil (the
-- default) or a number in (0, 1]; `who` names the constructor.
function store.share_option(opts, who)
  local share = opts and opts.fallback_share
  if share ~= nil and (type(share) ~= "number" or not (share > 0 and share <= 1)) then
    error(who .. ": 'fallback_share' must be a number above 0 and at most 1", 3)
  end
  return share
end

-- Seconds a failed store is left alone before it is tried again: a Redis
-- that is down costs each call at most one attempt per second.
local RETRY_AFTER = 1

-- The GCRA step every store takes (the Redis store's script does the same
-- arithmetic inside Redis): the wait, whether it is taken, and the new TAT
-- to keep when it is.
-- Times are Unix seconds, where a double keeps about a microsecond: a
-- wait below that is rounding (t + T + T - 2T - t), not a wait.
store.TOO_SHORT = 1e-6

function store.gcra(stored, rate, burst, now, max_wait, cost)
  local interval = 1 / rate
  local tat = (stored and stored > now) and stored or now
  local after = tat + (cost or 1) * interval
  local wait = after - burst * interval - now
  if wait < store.TOO_SHORT then wait = 0 end
  if wait <= max_wait then return wait, true, after end
  return wait, false
end

-- Seconds a key must outlive `now` so that its TAT is never lost while it
-- still matters.
function store.ttl(tat, now)
  return tat - now + 1
end

local METHODS = { "reserve", "get", "set" }

-- Why `s` cannot be used as a store (a message to follow its option's
-- name), or nil when it can.
function store.problem(s)
  if type(s) ~= "table" then
    return "must be a store (signals.store.memory{}, signals.store.shdict(name) or "
      .. "signals.store.redis(conn)), not a " .. type(s)
  end
  if s.problem then return s.problem end
  for _, name in ipairs(METHODS) do
    if type(s[name]) ~= "function" then
      return format("is not a store: it has no '%s' method", name)
    end
  end
  return nil
end

-- The longest wait a store is believed for a bucket of `rate` a second
-- and `burst` (with `cost` units asked): the time the bucket takes to let
-- ten whole bursts through, or ten minutes when that is longer (the API
-- counts by the minute, API-NOTES §13). A longer wait would mean more than
-- ten bursts' worth of requests queued ahead across every client sharing
-- the bucket (20,000 writes at the default limits) — no caller means to
-- wait that long for a token, and a store answering it (a garbage reply,
-- a key written by something else) would hold a call for hours.
local QUEUED_BURSTS, LONGEST_FLOOR = 10, 600

function store.longest_wait(rate, burst, cost)
  return max(QUEUED_BURSTS * burst / rate, LONGEST_FLOOR) + (cost or 1) / rate
end

-- A store as a client uses it: its failures (an error, a raise, an answer
-- that makes no sense) never reach a call. While the store fails, reserve
-- goes on under an in-process bucket at the store's fallback share of the
-- limit, get misses and set drops; `report` hears of the first failure of
-- each outage. An outage ends when every kind of operation (reserve, get,
-- set) that failed during it has succeeded again: a Redis replica that
-- reads but refuses writes is one outage, however often its reads succeed.
-- Every failure leaves the store alone for RETRY_AFTER.
--
-- A bucket is its key and its size: reserve keeps `key@rate/burst` in the
-- store, so that clients sharing a store share a bucket only when they
-- agree on its rate and burst (one configured slower would otherwise push
-- the others' slots far ahead).
local Guard = {}
Guard.__index = Guard

function store.guard(s, report)
  return setmetatable({ store = s, report = report, failing = {}, retry_at = -huge,
                        share = s.fallback_share or store.FALLBACK_SHARE }, Guard)
end

function Guard:failed(operation, key, message)
  self.retry_at = core.now() + RETRY_AFTER
  local new_outage = next(self.failing) == nil
  self.failing[operation] = true
  if new_outage and self.report then
    self.report{ store = self.store.kind or "custom", operation = operation, key = key,
                 message = tostring(message or "the store failed") }
  end
end

function Guard:succeeded(operation)
  self.failing[operation] = nil
end

function Guard:available()
  return next(self.failing) == nil or core.now() >= self.retry_at
end

function Guard:fallback(key, rate, burst, now, max_wait, cost)
  if not self.local_store then self.local_store = store.memory() end
  local share = self.share
  return self.local_store:reserve(key, rate * share, max(1, floor(burst * share)), now, max_wait, cost)
end

-- Why `wait, taken` cannot be a store's answer to a reserve, or nil.
local function implausible(wait, taken, rate, burst, max_wait, cost)
  if type(wait) ~= "number" or wait ~= wait or wait < 0 or type(taken) ~= "boolean" then
    return format("the store answered garbage: %s, %s", tostring(wait), tostring(taken))
  end
  if taken ~= (wait <= max_wait) then
    return format("the store answered a wait of %.17g s %s, the longest to take being %.17g s", wait,
      taken and "taken" or "not taken", max_wait)
  end
  local longest = store.longest_wait(rate, burst, cost)
  if wait > longest then
    return format("the store answered a wait of %.17g s, longer than a bucket of %.17g a second and "
      .. "burst %.17g is believed (%.17g s)", wait, rate, burst, longest)
  end
  return nil
end

function Guard:reserve(key, rate, burst, now, max_wait, cost)
  if self:available() then
    local bucket = format("%s@%.17g/%.17g", key, rate, burst)
    local ok, wait, taken = pcall(self.store.reserve, self.store, bucket, rate, burst, now, max_wait, cost)
    local message
    if not ok then
      message = wait   -- what was raised
    elseif wait == nil then
      message = taken
    else
      message = implausible(wait, taken, rate, burst, max_wait, cost)
      if not message then
        self:succeeded("reserve")
        return wait, taken
      end
    end
    self:failed("reserve", bucket, message)
  end
  return self:fallback(key, rate, burst, now, max_wait, cost)
end

function Guard:get(key)
  if not self:available() then return nil end
  local ok, value, err = pcall(self.store.get, self.store, key)
  if ok and (type(value) == "string" or (value == nil and err == nil)) then
    self:succeeded("get")
    return value
  end
  self:failed("get", key, ok and (err or "the store answered garbage: " .. tostring(value)) or value)
  return nil
end

function Guard:set(key, value, ttl)
  if not self:available() then return end
  local ok, done, err = pcall(self.store.set, self.store, key, value, ttl)
  if ok and done then
    self:succeeded("set")
    return
  end
  self:failed("set", key, ok and err or done)
end

return store

-- The client-side rate limiter: a token bucket for writes and one for reads
-- per client, sized by default like the API's documented limits (API-NOTES
-- §13), and the server's own count, read from X-Ratelimit-Remaining and
-- X-Ratelimit-Reset, so that requests are held back before the server
-- would answer 429. request.lua asks it before each exchange (redirects and
-- retries included), tells it when the exchange is sent and tells it the
-- answer (or that none will come) exactly once.
local validate = require("signals.validate")
local store = require("signals.store")

local type, pairs, tonumber, setmetatable = type, pairs, tonumber, setmetatable
local min, max, huge = math.min, math.max, math.huge

local ratelimit = {}

ratelimit.DEFAULTS = { writes_per_minute = 2000, reads_per_minute = 100000,
                       write_burst = 400, read_burst = 10000,
                       extract_per_minute = 6, extract_burst = 3 }

local SETTINGS = { writes_per_minute = "positive", reads_per_minute = "positive",
                   write_burst = "positive_integer", read_burst = "positive_integer",
                   extract_per_minute = "positive", extract_burst = "positive_integer",
                   store = "any" }

-- API-NOTES §13: POST, PUT, DELETE are writes; GET, HEAD, OPTIONS reads. PATCH
-- changes data too.
local WRITES = { POST = true, PUT = true, PATCH = true, DELETE = true }

-- The problems with the `rate_limit` client option: nil (the defaults),
-- false (no limiter) or a table of SETTINGS.
function ratelimit.problems(settings)
  if settings == nil or settings == false then return {} end
  if type(settings) ~= "table" then
    return { { field = "rate_limit", message = "'rate_limit' must be a table or false" } }
  end
  local problems = validate.settings(SETTINGS, settings, "rate_limit")
  local problem = #problems == 0 and settings.store ~= nil and store.problem(settings.store)
  if problem then problems[1] = { field = "rate_limit.store", message = "'rate_limit.store' " .. problem } end
  return problems
end

-- The buckets live in a store (signals.store: this client's own in
-- memory, or one that processes share: an nginx shared dict, Redis), behind
-- its one atomic primitive, GCRA over one number per bucket:
--
--   store:reserve(key, rate, burst, now, max_wait) -> wait, taken
--
-- takes one token from the bucket `key`, which lets `rate` requests per
-- second through on average and `burst` at once, for a request asked for at
-- `now` (seconds, on a clock every user of the store shares), and returns
-- the seconds from `now` until that token is due (0: at once). The limiter
-- never refuses (max_wait is infinite): a token may be reserved before it
-- exists, each reservation getting the next free slot, 1/rate after the
-- one before, so that requests waiting together get slots of their own,
-- never more than burst + rate * t of them in any t seconds. The caller
-- sends at its slot (not before) without asking again; a token reserved
-- and not used is lost (the limiter errs on the side of sending less).

local Limiter = {}
Limiter.__index = Limiter

-- One class of requests: its bucket's key and size, the requests sent and
-- not yet answered, and the server's last word on its window.
local function class(key, per_minute, burst)
  return { key = key, rate = per_minute / 60, burst = burst, in_flight = 0, remaining = nil, reset = nil }
end

-- A limiter, or nil for `rate_limit = false`. The settings are checked
-- (ratelimit.problems). A server reset further away than `max_wait`
-- seconds is not waited for: the request goes, and the retry policy deals
-- with the 429 (it does not wait that long either: max_retry_after).
-- `shared`: the guarded store of `settings.store` (store.guard), whose
-- buckets are then those of every client sharing it with the same rate and
-- burst (the guard keeps a bucket under its key and its size), under keys
-- of the API key's id `key_id`.
function ratelimit.new(settings, max_wait, shared, key_id)
  if settings == false then return nil end
  local s = {}
  for name, value in pairs(ratelimit.DEFAULTS) do s[name] = value end
  for name, value in pairs(settings or {}) do s[name] = value end
  local prefix = shared and "rl:" .. key_id .. ":" or ""
  return setmetatable({ store = shared or store.memory(), max_wait = max_wait,
                        write = class(prefix .. "write", s.writes_per_minute, s.write_burst),
                        read = class(prefix .. "read", s.reads_per_minute, s.read_burst),
                        extract = class(prefix .. "extract", s.extract_per_minute, s.extract_burst) },
                      Limiter)
end

-- The class of a request with `method` of the operation `op`: reads and
-- writes, and for an operation with a bucket of its own (`op.rate_limit`,
-- API-NOTES §13: template-extract proposals), that bucket, which also
-- takes a write token (the API counts it in both).
function Limiter:class(method, op)
  local own = method == op.method and op.rate_limit
  if own then return self[own], self.write end
  return WRITES[method] and self.write or self.read
end

-- Reserves the tokens of one request of class `c` (and `also`) asked for
-- at `now`: the seconds until it may go by the buckets (0: now).
function Limiter:reserve(c, also, now)
  local wait = self.store:reserve(c.key, c.rate, c.burst, now, huge)
  if also then wait = max(wait, (self.store:reserve(also.key, also.rate, also.burst, now, huge))) end
  return wait
end

local function forget_past_window(c, now)
  if c.reset and now >= c.reset then c.remaining, c.reset = nil, nil end
end

-- Seconds the server's count wants to pass before a request of class `c`
-- goes (0: now). Its remaining count holds for every request in flight
-- too: they may not have reached it when it answered. When it is spent,
-- nothing goes before the window resets; an answer arriving meanwhile may
-- lift that, so the caller asks again once the wait is over.
function Limiter:window_wait(c, now)
  forget_past_window(c, now)
  if c.remaining and c.remaining - c.in_flight <= 0 and c.reset - now <= self.max_wait then
    return c.reset - now
  end
  return 0
end

function Limiter:sent(c)
  c.in_flight = c.in_flight + 1
end

-- A request of class `c` is over: `headers` (lower-case names) of its
-- answer, or nil when none came or none will. Answers arrive out of order:
-- within one window the lowest count is the truest, and an answer from an
-- earlier window says nothing about the current one. X-Ratelimit-Reset is
-- Unix seconds (API-NOTES §13); a reset already past carries no limit.
-- `retry_after`: the seconds a 429 asked to wait, which may end the window
-- sooner than the reset's whole seconds say.
function Limiter:answered(c, headers, now, retry_after)
  c.in_flight = max(0, c.in_flight - 1)
  forget_past_window(c, now)
  local remaining = headers and tonumber(headers["x-ratelimit-remaining"])
  local reset = headers and tonumber(headers["x-ratelimit-reset"])
  if remaining and reset and reset > now then
    if c.reset == nil or reset > c.reset then
      c.remaining, c.reset = remaining, reset
    elseif reset == c.reset then
      c.remaining = min(c.remaining, remaining)
    end
  end
  if retry_after then
    c.remaining, c.reset = 0, min(c.reset or huge, now + retry_after)
  end
end

return ratelimit

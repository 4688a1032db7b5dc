-- The client-side rate limiter: a token bucket for writes and one for reads
-- per client, sized by default like the API's documented limits (API.md
-- §13), and the server's own count, read from X-Ratelimit-Remaining and
-- X-Ratelimit-Reset, so that requests are held back before the server
-- would answer 429. request.lua asks it before each exchange (redirects and
-- retries included) and tells it each answer.
local validate = require("signals.validate")
local store = require("signals.store")

local type, pairs, tonumber, setmetatable = type, pairs, tonumber, setmetatable
local min, max, huge = math.min, math.max, math.huge

local ratelimit = {}

ratelimit.DEFAULTS = { writes_per_minute = 2000, reads_per_minute = 100000,
                       write_burst = 400, read_burst = 10000 }

local SETTINGS = { writes_per_minute = "positive", reads_per_minute = "positive",
                   write_burst = "positive_integer", read_burst = "positive_integer", store = "any" }

-- API.md §13: POST, PUT, DELETE are writes; GET, HEAD, OPTIONS reads. PATCH
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

local Limiter = {}
Limiter.__index = Limiter

-- One class of requests: the bucket (tokens refill at `rate` per second up
-- to `burst`; taking one below zero reserves a future token), the requests
-- sent and not yet answered, and the server's last word on its window.
local function bucket(per_minute, burst, now)
  return { rate = per_minute / 60, burst = burst, tokens = burst, stamp = now, in_flight = 0,
           remaining = nil, reset = nil }
end

local function refill(b, now)
  if now > b.stamp then
    b.tokens = min(b.burst, b.tokens + (now - b.stamp) * b.rate)
    b.stamp = now
  end
  -- The server's window is over: what it said no longer holds.
  if b.reset and now >= b.reset then b.remaining, b.reset = nil, nil end
end

-- A limiter, or nil for `rate_limit = false`. The settings are checked
-- (ratelimit.problems). A server reset further away than `max_wait`
-- seconds is not waited for: the request goes, and the retry policy deals
-- with the 429 (it does not wait that long either: max_retry_after).
-- `shared`: the guarded store of `settings.store` (store.guard), whose
-- reservations then replace the buckets' tokens, under keys of the API
-- key's id `key_id`.
function ratelimit.new(settings, now, max_wait, shared, key_id)
  if settings == false then return nil end
  local s = {}
  for name, value in pairs(ratelimit.DEFAULTS) do s[name] = value end
  for name, value in pairs(settings or {}) do s[name] = value end
  local limiter = setmetatable({ write = bucket(s.writes_per_minute, s.write_burst, now),
                                 read = bucket(s.reads_per_minute, s.read_burst, now), max_wait = max_wait },
                               Limiter)
  if shared then
    limiter.shared = shared
    limiter.write.key, limiter.read.key = "rl:" .. key_id .. ":write", "rl:" .. key_id .. ":read"
  end
  return limiter
end

function Limiter:bucket(method)
  return WRITES[method] and self.write or self.read
end

-- Seconds until a request with `method` may go (0: now). The server's
-- remaining count holds for every request in flight too: they may not have
-- reached it when it answered. When it is spent, nothing goes before the
-- window resets; an answer arriving meanwhile may lift that (the caller
-- asks again after each answer). With a store, the exchange `ticket` (the
-- call) takes its place in the shared bucket the first time it asks, and
-- keeps it until it is sent.
function Limiter:delay(method, now, ticket)
  local b = self:bucket(method)
  refill(b, now)
  local wait
  if self.shared then
    if not ticket.ready_at then
      ticket.ready_at = now + self.shared:reserve(b.key, b.rate, b.burst, now, huge)
    end
    wait = max(0, ticket.ready_at - now)
  else
    wait = b.tokens >= 1 and 0 or (1 - b.tokens) / b.rate
  end
  if b.remaining and b.remaining - b.in_flight <= 0 and b.reset - now <= self.max_wait then
    wait = max(wait, b.reset - now)
  end
  return wait
end

function Limiter:sent(method, now, ticket)
  local b = self:bucket(method)
  refill(b, now)
  if self.shared then ticket.ready_at = nil else b.tokens = b.tokens - 1 end
  b.in_flight = b.in_flight + 1
end

-- `headers` (lower-case names) of the answer, or nil when none came. Answers
-- arrive out of order: within one window the lowest count is the truest,
-- and an answer from an earlier window says nothing about the current one.
-- X-Ratelimit-Reset is Unix seconds (API.md §13); a reset already past
-- carries no limit. `retry_after`: the seconds a 429 asked to wait, which
-- may end the window sooner than the reset's whole seconds say.
function Limiter:answered(method, headers, now, retry_after)
  local b = self:bucket(method)
  b.in_flight = max(0, b.in_flight - 1)
  refill(b, now)
  local remaining = headers and tonumber(headers["x-ratelimit-remaining"])
  local reset = headers and tonumber(headers["x-ratelimit-reset"])
  if remaining and reset and reset > now then
    if b.reset == nil or reset > b.reset then
      b.remaining, b.reset = remaining, reset
    elseif reset == b.reset then
      b.remaining = min(b.remaining, remaining)
    end
  end
  if retry_after then
    b.remaining, b.reset = 0, min(b.reset or huge, now + retry_after)
  end
end

return ratelimit

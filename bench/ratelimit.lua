-- The rate limiter row of `make bench`: signals-mock enforcing a
-- scaled-down limit (LIMIT requests per WINDOW seconds, one fixed window
-- opened by the first request, X-Ratelimit-* on every answer), and COUNT
-- GETs through client:all with concurrency 16 and the client's default
-- rate limiter. Targets: no 429 at all, and a finish within 10% of the
-- time the limit allows.
--
-- The limit allows the last window to open (COUNT / LIMIT - 1) windows
-- after the first request; its calls then take what they take without any
-- limit (measured here by the same run against an unlimited mock, scaled
-- to their number). X-Ratelimit-Reset is whole Unix seconds, rounded up:
-- a client that waits for it loses up to a second per window, which is
-- why the window is 20 s rather than a few.
--
--   lua5.4 bench/ratelimit.lua     (from the repository root; see bench/mock_rows.lua)
package.path = package.path .. ";bench/?.lua"
local mock_rows = require("mock_rows")
local json = require("helper").json

local COUNT = 2000
local LIMIT = 1000
local WINDOW = 20
local CONCURRENCY = 16
local TARGET = 0.10

local mock = mock_rows.mock

local calls = {}
for i = 1, COUNT do calls[i] = { "get_credits" } end

-- Seconds for the COUNT calls, and how many the mock answered 429.
local function timed(rate_limit)
  mock:reset{ rate_limit = rate_limit }
  local elapsed, failures = mock_rows.timed(function(client)
    return mock_rows.errors(client:all(calls, { concurrency = CONCURRENCY }))
  end)
  assert(failures == 0, failures .. " calls failed")
  local refused = 0
  for _, req in ipairs(mock:requests()) do
    if req.status == 429 then refused = refused + 1 end
  end
  return elapsed, refused
end

local unlimited = timed(json.null)
local elapsed, refused = timed{ limit = LIMIT, window_s = WINDOW }

local windows = math.ceil(COUNT / LIMIT)
local last_window_calls = COUNT - (windows - 1) * LIMIT
local allowed = (windows - 1) * WINDOW + unlimited * last_window_calls / COUNT
local over = elapsed / allowed - 1
mock_rows.row(string.format("rate limiter: %d GETs, client:all concurrency %d, mock limit %d per %d s",
    COUNT, CONCURRENCY, LIMIT, WINDOW), string.format("%.2f", elapsed), "s",
  string.format("429s: %d (target 0); the limit allows %.2f s: %+.1f%% (target <= +%d%%): %s",
    refused, allowed, over * 100, TARGET * 100, (refused == 0 and over <= TARGET) and "met" or "MISSED"))

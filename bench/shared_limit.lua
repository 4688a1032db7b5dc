-- The shared rate limit rows of `make bench`: signals-mock enforcing the
-- API key's limit scaled down (LIMIT writes per WINDOW s, a fixed window),
-- and CALLS signal creates through clients of one key
-- (spec/support/limit_run.lua): nginx with 4 workers, each request
-- calling the API through signals, then 4 Lua 5.4 processes running
-- client:all; each with the limiter's state in a shared store
-- (lua_shared_dict, Redis) and, for the contrast, in each worker or process.
-- The clients keep to 94% of the window's rate with 2% of it at once.
-- Targets for the shared stores: no 429 at all, and a throughput within
-- 10% of the limit.
--
--   lua5.4 bench/shared_limit.lua     (from the repository root; see bench/mock_rows.lua)
package.path = package.path .. ";bench/?.lua"
local mock_rows = require("mock_rows")
local limit_run = require("support.limit_run")
local redis = require("support.redis")

local LIMIT, WINDOW = 1000, 20
local LIMITS = limit_run.client_limit(LIMIT, WINDOW, 0.94, 0.02)
local CALLS = 1200
local TARGET = 0.10

local mock = mock_rows.mock

local function row(name, f, shared)
  local verdict = ""
  if shared then
    verdict = string.format("; 429s target 0, rate target >= %d%% of the limit: %s", (1 - TARGET) * 100,
      (f.refused == 0 and f.of_limit >= 1 - TARGET and f.ok == f.calls) and "met" or "MISSED")
  end
  mock_rows.row(string.format("shared limit: %s, mock %d writes per %d s", name, LIMIT, WINDOW),
    string.format("%.1f", f.rate), "calls/s",
    string.format("%d calls, %d answered, %d 429s, %.0f%% of the limit%s", f.calls, f.ok, f.refused,
      f.of_limit * 100, verdict))
end

assert(not limit_run.nginx_missing, limit_run.nginx_missing)
local nginx = limit_run.start_nginx(mock.url, LIMITS)
local ok, problem = pcall(function()
  row("nginx 4 workers, lua_shared_dict store", limit_run.nginx(nginx, mock, "shared", CALLS, 32, LIMIT, WINDOW),
    true)
  row("nginx 4 workers, a bucket per worker", limit_run.nginx(nginx, mock, "local", CALLS, 32, LIMIT, WINDOW))
end)
nginx:stop()
assert(ok, problem)

assert(not redis.missing, redis.missing)
local server = redis.start()
ok, problem = pcall(function()
  row("4 Lua 5.4 processes, Redis store",
    limit_run.lua_processes(mock, server.port, 4, CALLS / 4, 8, LIMITS, LIMIT, WINDOW), true)
  row("4 Lua 5.4 processes, a bucket each", limit_run.lua_processes(mock, nil, 4, CALLS / 4, 8, LIMITS, LIMIT, WINDOW))
end)
server:stop()
assert(ok, problem)

-- Shared rate limiting, measured: many clients of one API key against
-- signals-mock enforcing a fixed window (LIMIT writes per WINDOW seconds),
-- each creating signals as fast as its limiter lets it. Two set-ups:
--
-- * nginx with 4 workers (real nginx, OpenResty's Lua module), each request
--   calling the API through `signals`: a client per worker whose limiter
--   keeps its state in the lua_shared_dict store ("shared"), or in the
--   worker ("local"); curl sends the requests, many at once;
-- * 4 Lua processes (of this interpreter), each a client running
--   client:all, sharing the Redis
--   store ("shared") or each on its own bucket ("local").
--
-- The clients' limit is set below the window's so that any WINDOW seconds
-- hold fewer than LIMIT requests: burst + rate x WINDOW <= LIMIT less a
-- margin for the time between a reservation and the request's arrival.
-- spec/shared_limit_spec.lua runs short ones; bench/shared_limit.lua the
-- rows of `make bench`.
local helper = require("helper")
local hosts = require("support.hosts")
local socket = require("socket")

local limit_run = {}

local NGINX = "/usr/sbin/nginx"
local LUA_MODULE = "/usr/lib/nginx/modules/ngx_http_lua_module.so"
local ROOT = os.getenv("PWD")

if not hosts.exists(NGINX) or not hosts.exists(LUA_MODULE) then
  limit_run.nginx_missing = "nginx with OpenResty's Lua module is not installed (sh scripts/deps.sh openresty)"
end

-- The client limit for a window: `share` of its rate, `burst_share` of its
-- count at once.
function limit_run.client_limit(limit, window, share, burst_share)
  return { writes_per_minute = limit / window * share * 60,
           write_burst = math.max(1, math.floor(limit * burst_share)) }
end

local CONF = hosts.nginx_conf(4, 1024) .. [[
  lua_shared_dict signals 1m;
  lua_shared_dict tiny 12k;

  init_by_lua_block {
    local signals = require("signals")
    local function client(store)
      return signals.new{ api_key = "{{KEY}}", base_url = "{{MOCK}}", max_retry_after = 60,
        rate_limit = { writes_per_minute = {{RATE}}, write_burst = {{BURST}}, store = store } }
    end
    clients = { shared = client(signals.store.shdict("signals")), ["local"] = client(nil) }
    local _, err = pcall(signals.new, { rate_limit = { store = signals.store.shdict("nope") } })
    refused = tostring(err)
  }

  server {
    listen 127.0.0.1:{{PORT}} reuseport;

    location = /create {
      content_by_lua_block {
        local sig, err = clients[ngx.var.arg_mode]:create_signal{ domain = "acme.com",
                                                                   question = "Q" .. ngx.var.arg_i }
        ngx.say(sig and "ok " or "err ", ngx.worker.pid(), sig and "" or " " .. tostring(err))
      }
    }

    location = /refused {
      content_by_lua_block { ngx.print(refused) }
    }

    # The store's own operations, at a fixed time: GCRA rate 10/s, burst 3.
    location = /store {
      content_by_lua_block {
        local core = require("signals.core")
        local store = require("signals").store.shdict("signals")
        local out = {}
        for i = 1, 5 do out[#out + 1] = { store:reserve("probe", 10, 3, 1000000, 1) } end
        out[#out + 1] = { store:reserve("probe", 10, 3, 1000000, 0.25) }
        out[#out + 1] = { store:set("answer", "text", 60) }
        out[#out + 1] = { store:get("answer") }
        out[#out + 1] = { store:get("none") }
        ngx.print(core.encode(out))
      }
    }

    # A full dict: reserving is an error, never an eviction.
    location = /full {
      content_by_lua_block {
        local tiny = ngx.shared.tiny
        local i = 0
        while tiny:safe_set("filler" .. i, true) do i = i + 1 end
        local store = require("signals").store.shdict("tiny")
        local wait, err = store:reserve("rl", 10, 3, 1000000, 0)
        ngx.print(tostring(wait), " ", tostring(err), " ", i > 0 and tiny:get("filler0") ~= nil and "kept" or "lost")
      }
    }
  }
}
]]

-- Starts nginx (4 workers) whose clients use `limits` (client_limit's).
function limit_run.start_nginx(mock_url, limits)
  local ok, out = hosts.run("make -s --no-print-directory LUA=luajit lib")
  assert(ok, "make LUA=luajit lib failed:\n" .. out)
  local dir = hosts.tmpdir()
  assert(hosts.succeeds("mkdir -p " .. dir .. "/logs " .. dir .. "/temp"))
  local port = helper.dead_port()
  local conf = CONF:gsub("{{([%w_]+)}}", { ROOT = ROOT, KEY = helper.API_KEY, MOCK = mock_url,
    PORT = tostring(port), RATE = string.format("%.6f", limits.writes_per_minute),
    BURST = tostring(limits.write_burst) })
  hosts.write_file(dir .. "/nginx.conf", conf)
  return hosts.start("nginx", string.format("%s -p %s -c %s/nginx.conf -g 'daemon off;'", NGINX, dir, dir),
    port, dir)
end

-- An nginx location's body.
function limit_run.get(port, path)
  local conn = assert(socket.connect("127.0.0.1", port))
  conn:settimeout(30)
  conn:send("GET " .. path .. " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
  local text = conn:receive("*a") or ""
  conn:close()
  return text:match("\r\n\r\n(.*)$")
end

-- The mock's answers of 429, and how many of its requests were writes.
local function refusals(mock)
  local refused, writes = 0, 0
  for _, req in ipairs(mock:requests()) do
    if req.method == "POST" then writes = writes + 1 end
    if req.status == 429 then refused = refused + 1 end
  end
  return refused, writes
end

local function figures(mock, calls, ok, elapsed, limit, window, extra)
  local refused, writes = refusals(mock)
  local f = { calls = calls, ok = ok, refused = refused, writes = writes, seconds = elapsed,
              rate = calls / elapsed, limit_rate = limit / window }
  f.of_limit = f.rate / f.limit_rate
  for k, v in pairs(extra or {}) do f[k] = v end
  return f
end

-- `calls` requests to nginx's clients of `mode`, `parallel` at once.
function limit_run.nginx(nginx, mock, mode, calls, parallel, limit, window)
  mock:reset{ delay_ms = 0, rate_limit = { limit = limit, window_s = window } }
  local started = socket.gettime()
  local ok, out = hosts.run(string.format("curl -s --parallel --parallel-max %d "
    .. "'http://127.0.0.1:%d/create?mode=%s&i=[1-%d]'", parallel, nginx.port, mode, calls))
  local elapsed = socket.gettime() - started
  assert(ok, out)
  local answered, pids, workers = 0, {}, 0
  for pid in out:gmatch("ok (%d+)") do
    answered = answered + 1
    if not pids[pid] then pids[pid], workers = true, workers + 1 end
  end
  return figures(mock, calls, answered, elapsed, limit, window,
    { workers = workers, errors = out:match("err [^\n]*") })
end

local CLIENT = [[
local url, port, calls, concurrency, rate, burst, start = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4]),
  tonumber(arg[5]), tonumber(arg[6]), tonumber(arg[7])
local signals = require("signals")
local core = require("signals.core")
local store = port ~= "none" and signals.store.redis(require("signals.resp").new{ port = tonumber(port) }) or nil
local client = signals.new{ api_key = "sk_test_0123456789abcdef", base_url = url, max_retry_after = 60,
  rate_limit = { writes_per_minute = rate, write_burst = burst, store = store } }
local list = {}
for i = 1, calls do list[i] = { "create_signal", { domain = "acme.com", question = "Q" .. i } } end
while core.now() < start do require("socket").sleep(0.005) end
local failed = 0
for _, result in ipairs(client:all(list, { concurrency = concurrency })) do
  if signals.kind(result) == "error" then failed = failed + 1 end
end
io.write(string.format("done %d %.6f\n", failed, core.now()))
]]

-- `processes` Lua processes of `calls` creates each (client:all,
-- `concurrency`), on the Redis store at `redis_port` or on their own.
function limit_run.lua_processes(mock, redis_port, processes, calls, concurrency, limits, limit, window)
  mock:reset{ delay_ms = 0, rate_limit = { limit = limit, window_s = window } }
  local file = helper.write_temp(CLIENT)
  local start = socket.gettime() + 0.5
  local commands = {}
  for i = 1, processes do
    commands[i] = string.format("%s %s %s %s %d %d %.6f %d %.6f &", hosts.LUA_RUN, file, mock.url,
      redis_port and tostring(redis_port) or "none", calls, concurrency, limits.writes_per_minute,
      limits.write_burst, start)
  end
  local ok, out = hosts.run(table.concat(commands, " ") .. " wait")
  os.remove(file)
  assert(ok, out)
  local failed, finished, runs = 0, start, 0
  for n, at in out:gmatch("done (%d+) ([%d.]+)") do
    failed, runs = failed + tonumber(n), runs + 1
    finished = math.max(finished, tonumber(at))
  end
  assert(runs == processes, out)
  local total = processes * calls
  return figures(mock, total, total - failed, finished - start, limit, window)
end

function limit_run.summary(f)
  return string.format("%d calls, %d answered, %d answers of 429 (%d POSTs), %.1f s: %.1f calls/s = %.0f%% "
    .. "of the limit's %.1f/s", f.calls, f.ok, f.refused, f.writes, f.seconds, f.rate, f.of_limit * 100,
    f.limit_rate)
end

return limit_run

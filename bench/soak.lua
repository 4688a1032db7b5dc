-- The soak of `make soak`: SOAK_CALLS calls (default 20000) through
-- client:all against signals-mock with faults mixed in (resets before and
-- in the middle of an answer, truncated bodies, HTML 502s, 500s, 429s with
-- and without a hint, short stalls, a key echoed back), on whichever Lua
-- runs it (make soak runs it on Lua 5.4 and on LuaJIT). It reports open
-- descriptors and resident memory after a warm-up round and at the end,
-- and the POSTs the mock received against those the client decided to
-- send (its on_request hook): both must be back to their start level, and
-- the counts equal, or it exits 1.
--
--   lua5.4 bench/soak.lua      (from the repository root, after make build)
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;bench/?.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or "lua" .. _VERSION:match("%d+%.%d+"))
  .. "/?.so;" .. package.cpath

local helper = require("helper")
local signals = require("signals")
local core = require("signals.core")

local CALLS = math.max(tonumber(os.getenv("SOAK_CALLS")) or 20000, 4000)
local ROUND = 1000
local CONCURRENCY = 16
-- Memory may move by this much without a leak: the allocator's own books.
local RSS_SLACK_KIB = 4096
-- Rounds that warm the allocators and caches before memory is first read
-- (LuaJIT's allocator keeps what its first rounds reached).
local WARM_ROUNDS = 3

local mock = helper.mock()

-- The process's open descriptors: how many, and what each is (its link).
local function open_fds()
  local p = io.popen("cd /proc/" .. helper.own_pid() .. "/fd && for fd in *; do "
    .. "printf '%s %s\\n' \"$fd\" \"$(readlink \"$fd\")\"; done")
  local text = p:read("*a")
  p:close()
  local what, n = {}, 0
  for fd, target in text:gmatch("(%d+) ([^\n]*)") do
    what[fd], n = target, n + 1
  end
  return n - 1, what -- less the one the listing itself reads through
end

local function level()
  collectgarbage()
  collectgarbage()
  return open_fds(), helper.rss_kib()
end

-- What is open now and was not at the start, as "fd -> target" (but the
-- pipe and the descriptors of the listing itself).
local function extra_fds(start)
  local _, now = open_fds()
  local extra = {}
  for fd, target in pairs(now) do
    if start[fd] ~= target and target ~= "" and not target:find("^pipe:") then
      extra[#extra + 1] = fd .. " -> " .. target
    end
  end
  table.sort(extra)
  return table.concat(extra, ", ")
end

-- The faults of one round, each for a few requests: what the network, a
-- proxy and a hostile server do.
local FAULTS = {
  { fault = "reset", times = 20 },
  { fault = "reset_body", times = 20 },
  { fault = "truncate", times = 20 },
  { fault = "html502", times = 20 },
  { fault = "status", status = 500, times = 20 },
  { fault = "status", status = 429, times = 10, headers = { ["Retry-After"] = "0" } },
  { fault = "status", status = 429, times = 10 },
  { fault = "stall", seconds = 0.01, times = 20 },
  { fault = "echo_key", where = "body", encoding = "prefix", chars = 19, status = 500, times = 10 },
}

local sent_posts = 0
local client = signals.new{
  api_key = helper.API_KEY, base_url = mock.url, max_retries = 2,
  retry_base_delay = 0.01, retry_max_delay = 0.05, rate_limit_floor = 0.01, rate_limit = false,
  on_request = function(r) if r.method == "POST" then sent_posts = sent_posts + 1 end end,
}

-- The calls of one round: reads of one signal, creates, pages.
local function calls_of(id)
  local calls = {}
  for i = 1, ROUND do
    local kind = i % 10
    if kind < 6 then
      calls[i] = { "get_signal", { signalId = id } }
    elseif kind < 9 then
      calls[i] = { "create_signal", { domain = "soak.example", question = "Round question " .. i } }
    else
      calls[i] = { "list_signals", { limit = 5 } }
    end
  end
  return calls
end

-- One round: faults queued for every /v1 request, the calls, and the POSTs
-- the mock received in it. Returns how many calls ended in an error.
local function round()
  mock:reset{ delay_ms = 0, cache_ttl_s = 0 }
  local seeded = mock:seed{ count = 10 }
  for _, fault in ipairs(FAULTS) do
    local f = { path = "/v1/*" }
    for k, v in pairs(fault) do f[k] = v end
    mock:fault(f)
  end
  local results = assert(client:all(calls_of(seeded.ids[1]), { concurrency = CONCURRENCY }))
  local errors = 0
  for _, result in ipairs(results) do
    if signals.kind(result) == "error" then errors = errors + 1 end
  end
  return errors, #mock:requests_to("POST", "/v1/companies/signals")
end

local interpreter = rawget(_G, "jit") and jit.version or _VERSION
local started = core.now()
-- Descriptors before the client made any connection, and once it is
-- closed: the same (its connections kept alive between rounds come and
-- go with the faults); memory after WARM_ROUNDS rounds, and at the end.
local fds0 = level()
local _, fds_at_start = open_fds()
local errors, received = 0, 0
local rss0
local most_fds = fds0
local trace = os.getenv("SOAK_TRACE")
for i = 1, math.ceil(CALLS / ROUND) do
  if i == WARM_ROUNDS + 1 then rss0 = select(2, level()) end
  local e, r = round()
  errors, received = errors + e, received + r
  local fds, rss = level()
  if fds > most_fds then most_fds = fds end
  if trace then print("round " .. i, fds, rss) end
end
local _, rss1 = level()
client:close()
local fds1 = level()
-- A descriptor closed by a finalizer or a thread of a library may take a
-- moment; one the client leaked stays.
for _ = 1, 4 do
  if fds1 == fds0 then break end
  helper.sleep(0.25)
  fds1 = level()
end

local calls = math.ceil(CALLS / ROUND) * ROUND
local faulted = 0
for _, fault in ipairs(FAULTS) do faulted = faulted + fault.times end
print(string.format("soak on %s: %d calls in %.1f s through client:all (concurrency %d), %d ended in an error "
  .. "(faults on %d requests a round)", interpreter, calls, core.now() - started, CONCURRENCY, errors, faulted))
print(string.format("  open descriptors: %d at the start, at most %d between rounds, %d at the end (client closed)",
  fds0, most_fds, fds1))
if fds1 ~= fds0 then print("  open at the end and not at the start: " .. extra_fds(fds_at_start)) end
print(string.format("  resident memory: %d KiB after " .. WARM_ROUNDS .. " rounds, %d KiB at the end (%+d KiB)",
  rss0, rss1, rss1 - rss0))
print(string.format("  POSTs: the client sent %d, the mock received %d", sent_posts, received))

local ok = fds1 == fds0 and rss1 - rss0 <= RSS_SLACK_KIB and sent_posts == received
  and sent_posts > 0
print(ok and "soak: passed" or "soak: FAILED")
os.exit(ok and 0 or 1)

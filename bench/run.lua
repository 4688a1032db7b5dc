-- `make bench`: every row measured in one run, printed as one table.
--
-- nginx (one worker, pinned to one CPU) serves the fixture pages on a free
-- loopback port; signals-mock serves the rows that need the API's
-- behaviour. For each row a client program runs pinned to the nginx
-- worker's CPU (a cross-CPU wake-up costs more than the work on these
-- machines): natively for requests per second (best of ROUNDS rounds), then
-- twice under callgrind, with COUNT requests and with none, for
-- instructions per request = (Ir at COUNT - Ir at 0) / COUNT, which leaves
-- out start-up and one untimed warm-up request. The instruction counts are
-- the figures to compare: wall-clock here is noisy.
--
-- bench/concurrency.lua, bench/ratelimit.lua, bench/shared_limit.lua,
-- bench/ask_many.lua (the end-to-end rows) and bench/step.lua, when
-- present, print rows of their own as
-- `ROW|<name>|<value>|<unit>|<note>`; they get the mock's URL in
-- SIGNALS_BENCH_MOCK and its binary in SIGNALS_MOCK.
--
-- Run from the repository root: lua5.4 bench/run.lua (make bench does);
-- BENCH_CORE_DIR=build/x (BENCH_JIT_CORE_DIR for the LuaJIT rows) and
-- BENCH_LUA_DIR=dir measure the signals.core of another build and another
-- copy of the Lua layer;
-- BENCH_ROWS=<Lua pattern> measures only the rows whose label (page-full,
-- big-peer54, ...) matches, with their C limit, and none of the others.
-- callgrind's files stay in build/bench/callgrind/ for callgrind_annotate.
package.path = "bench/?.lua;spec/?.lua;" .. package.path

local socket = require("socket")
local helper = require("helper")
local fixtures = require("fixtures")

local format, rep, concat = string.format, string.rep, table.concat

local OUT = "build/bench"
local WWW = OUT .. "/www"
local CALLGRIND = OUT .. "/callgrind"
local NGINX_PREFIX = OUT .. "/nginx"
local CLIMIT = OUT .. "/climit"
local MOCK = os.getenv("SIGNALS_MOCK") or "build/signals-mock"
local ROUNDS = 5

-- BENCH_CORE_DIR, BENCH_LUA_DIR: another signals.core build, another copy
-- of the Lua layer to measure (default: make's build, lua/).
local CORE_DIR = os.getenv("BENCH_CORE_DIR") or "build/lua5.4"
local JIT_CORE_DIR = os.getenv("BENCH_JIT_CORE_DIR") or "build/luajit"
local LUA_DIR = os.getenv("BENCH_LUA_DIR") or "lua"
local LUA54_ENV = format("LUA_PATH='bench/?.lua;%s/?.lua;%s/?/init.lua;;' LUA_CPATH='%s/?.so;;'",
  LUA_DIR, LUA_DIR, CORE_DIR)
local LUAJIT_ENV = "LUA_PATH='bench/?.lua;;' LUA_CPATH=';;'"
local LUAJIT_SIGNALS_ENV = format("LUA_PATH='bench/?.lua;%s/?.lua;%s/?/init.lua;;' LUA_CPATH='%s/?.so;;'",
  LUA_DIR, LUA_DIR, JIT_CORE_DIR)

local function log(...)
  io.stderr:write("bench: ", concat({ ... }), "\n")
end

-- Runs a shell command; its stdout, or an error with what it printed.
local function run(cmd)
  local errfile = OUT .. "/last.err"
  local p = assert(io.popen(cmd .. " 2>" .. errfile))
  local out = p:read("a")
  local ok = p:close()
  if not ok then
    local f = io.open(errfile)
    local err = f and f:read("a") or ""
    if f then f:close() end
    error(format("command failed: %s\n%s%s", cmd, out, err), 0)
  end
  return out
end

local read_file = helper.read_file

local function write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function wait_for_port(port, what)
  for _ = 1, 200 do
    local conn = socket.connect("127.0.0.1", port)
    if conn then
      conn:close()
      return
    end
    socket.sleep(0.05)
  end
  error(what .. " did not start listening on port " .. port, 0)
end

-- Starts cmd in the background; returns its pid.
local function spawn(cmd, logfile)
  local pidfile = OUT .. "/spawn.pid"
  run(format("%s >%s 2>&1 & echo $! >%s", cmd, logfile, pidfile))
  return assert((read_file(pidfile) or ""):match("%d+"), "no pid for " .. cmd)
end

-- ---- servers ---------------------------------------------------------------

local function start_nginx(cpu, port)
  local root = run("pwd"):gsub("%s+$", "")
  local prefix = root .. "/" .. NGINX_PREFIX
  run("mkdir -p " .. prefix .. "/body")
  local mask = "1" .. string.rep("0", cpu)
  local conf = read_file("bench/nginx.conf.in")
    :gsub("@CPU_MASK@", mask):gsub("@PREFIX@", prefix):gsub("@PORT@", tostring(port))
    :gsub("@ROOT@", root .. "/" .. WWW)
  write_file(prefix .. "/nginx.conf", conf)
  local pid = spawn(format("nginx -p %s -c %s/nginx.conf -e stderr", prefix, prefix), prefix .. "/stderr.log")
  wait_for_port(port, "nginx")
  return pid
end

-- ---- measuring -------------------------------------------------------------

local function callgrind_ir(prefix, program, label, count)
  local file = format("%s/%s.%d.out", CALLGRIND, label, count)
  run(format("%svalgrind --tool=callgrind -q --callgrind-out-file=%s %s %d 1 >/dev/null",
    prefix, file, program, count))
  local text = assert(read_file(file), "no callgrind output " .. file)
  local total = text:match("\nsummary:%s*(%d+)") or text:match("\ntotals:%s*(%d+)")
  return assert(tonumber(total), "no total in " .. file)
end

-- row.program takes COUNT and ROUNDS as its last two arguments; row.env
-- is its environment (VAR=value ...).
local function measure(row, cpu)
  local prefix = format("env %s taskset -c %d ", row.env, cpu)
  log("measuring ", row.name, " (", row.fixture, ")")
  local out = run(format("%s%s %d %d", prefix, row.program, row.timing, ROUNDS))
  local rate = assert(tonumber(out:match("RATE ([%d.]+)")), "no rate from " .. row.program .. ": " .. out)
  local with = callgrind_ir(prefix, row.program, row.label, row.count)
  local without = callgrind_ir(prefix, row.program, row.label, 0)
  return { rate = rate, instructions = (with - without) / row.count }
end

-- ---- rows -------------------------------------------------------------------

local FIXTURE_TITLES = {
  page = "25-signal page (%d bytes)",
  signal = "single signal (%d bytes)",
  big = "1 MB page (%d bytes)",
}

-- timing: requests per round; count: requests under callgrind.
-- Enough requests under callgrind that the collector's cycles, which come
-- every few requests, average out.
local SIZES = {
  page = { timing = 300, count = 200 },
  signal = { timing = 1000, count = 500 },
  big = { timing = 10, count = 5 },
}

local function rows_for(port)
  local base = "http://127.0.0.1:" .. port
  local paths = { page = "/v1/companies/signals?limit=25",
                  signal = "/v1/companies/signals/" .. fixtures.SIGNAL_ID,
                  big = "/big/v1/companies/signals?limit=25" }
  local bases = { page = base, signal = base, big = base .. "/big" }
  local kinds = { page = "page", signal = "signal", big = "page" }
  local rows = {}
  local function add(fixture, key, name, env, program)
    rows[#rows + 1] = { fixture = fixture, key = key, name = name, env = env, program = program,
                        label = fixture .. "-" .. key,
                        timing = SIZES[fixture].timing, count = SIZES[fixture].count }
  end
  for _, fixture in ipairs { "page", "signal", "big" } do
    local url, kind = base .. paths[fixture], kinds[fixture]
    local file = WWW .. "/" .. fixture .. ".json"
    add(fixture, "climit", "C limit: libcurl + cJSON, walk, free", "", CLIMIT .. " '" .. url .. "'")
    add(fixture, "full", "signals, full walk (Lua 5.4)", LUA54_ENV,
      format("lua5.4 bench/signals_client.lua %s %s full", bases[fixture], kind))
    add(fixture, "lazy", "signals, lazy: id, status, :value()", LUA54_ENV,
      format("lua5.4 bench/signals_client.lua %s %s lazy", bases[fixture], kind))
    add(fixture, "jit-full", "signals, full walk (LuaJIT)", LUAJIT_SIGNALS_ENV,
      format("luajit bench/signals_client.lua %s %s full", bases[fixture], kind))
    add(fixture, "peer54", "Lua peer: luasocket + lua-cjson (Lua 5.4)", LUA54_ENV,
      format("lua5.4 bench/peer.lua 127.0.0.1 %d '%s' %s", port, paths[fixture], kind))
    add(fixture, "peerjit", "Lua peer: luasocket + lua-cjson (LuaJIT)", LUAJIT_ENV,
      format("luajit bench/peer.lua 127.0.0.1 %d '%s' %s", port, paths[fixture], kind))
    if kind == "page" then
      add(fixture, "decode-c", "decode only: cJSON parse, walk, free (C)", "", CLIMIT .. " --file " .. file)
      add(fixture, "decode-full", "decode only: core, full walk", LUA54_ENV,
        format("lua5.4 bench/decode.lua %s core-full", file))
      add(fixture, "decode-lazy", "decode only: core, lazy", LUA54_ENV,
        format("lua5.4 bench/decode.lua %s core-lazy", file))
      add(fixture, "decode-cjson", "decode only: lua-cjson, full walk", LUA54_ENV,
        format("lua5.4 bench/decode.lua %s cjson", file))
    end
  end
  return rows
end

-- The rows whose label matches pattern, and the C limit of their fixture.
local function selected(rows, pattern)
  if not pattern then return rows end
  local wanted = {}
  for _, row in ipairs(rows) do
    if row.label:find(pattern) then wanted[row.label], wanted[row.fixture .. "-climit"] = true, true end
  end
  local kept = {}
  for _, row in ipairs(rows) do
    if wanted[row.label] then kept[#kept + 1] = row end
  end
  return kept
end

-- Rows printed by the concurrency and rate limiter scripts. A script that
-- fails gives a row saying so (and the run fails after the table).
local function external_rows(mock, state)
  local rows = {}
  for _, script in ipairs { "bench/concurrency.lua", "bench/ratelimit.lua", "bench/shared_limit.lua",
                            "bench/ask_many.lua", "bench/step.lua" } do
    if read_file(script) then
      mock:reset()
      log("running ", script)
      local ok, out = pcall(run, format("env %s SIGNALS_BENCH_MOCK=%s SIGNALS_MOCK=%s lua5.4 %s",
        LUA54_ENV, mock.url, MOCK, script))
      if not ok then
        state.failed = true
        io.stderr:write("bench: ", out, "\n")
        rows[#rows + 1] = { name = script, result = "FAILED", note = "see the messages above the table" }
      else
        for line in out:gmatch("[^\n]+") do
          local name, value, unit, note = line:match("^ROW|([^|]*)|([^|]*)|([^|]*)|(.*)$")
          if name then rows[#rows + 1] = { name = name, result = value .. " " .. unit, note = note } end
        end
      end
    end
  end
  return rows
end

local FLAT_SIGNALS = 100000

-- Peak RSS iterating FLAT_SIGNALS signals against iterating one page.
local function flat_memory_row(mock)
  log("measuring flat memory over ", FLAT_SIGNALS, " signals")
  mock:reset()
  mock:seed { count = FLAT_SIGNALS, domain = "flat.example" }
  local function peak(items)
    local out = run(format("env %s lua5.4 bench/flatmem.lua %s flat.example %d", LUA54_ENV, mock.url, items))
    local seen = tonumber(out:match("ITEMS (%d+)"))
    assert(seen == items, format("iterated %s signals, not %d", tostring(seen), items))
    return tonumber(out:match("PEAK_KIB (%d+)"))
  end
  local one, all = peak(25), peak(FLAT_SIGNALS)
  local growth = (all - one) / 1024
  return { name = format("flat memory: paginate %d signals (%d pages)", FLAT_SIGNALS, FLAT_SIGNALS / 25),
           result = format("%+.2f MB", growth),
           note = format("peak RSS %.1f MB vs %.1f MB for one page; limit +2 MB: %s",
             all / 1024, one / 1024, growth <= 2 and "met" or "MISSED"),
           growth = growth }
end

-- ---- the table -----------------------------------------------------------------

local function millions(n)
  if n >= 1e6 then return format("%.2f M", n / 1e6) end
  return format("%.0f k", n / 1e3)
end

local function print_table(rows, sizes)
  local lines = {}
  local header = { "row", "result", "instr/request", "x C limit", "note" }
  local cells = { header }
  local fixture
  for _, row in ipairs(rows) do
    if row.fixture ~= fixture then
      fixture = row.fixture
      cells[#cells + 1] = { "-- " .. (fixture and format(FIXTURE_TITLES[fixture], sizes[fixture]) or "other rows") }
    end
    if row.rate then
      cells[#cells + 1] = { row.name, format("%.0f %s/s", row.rate, row.key:find("^decode") and "decodes" or "req"),
        millions(row.instructions), format("%.2f", row.ratio), row.note or "" }
    else
      cells[#cells + 1] = { row.name, row.result, "", "", row.note or "" }
    end
  end
  local widths = {}
  for _, c in ipairs(cells) do
    if #c > 1 then
      for i, text in ipairs(c) do widths[i] = math.max(widths[i] or 0, #text) end
    end
  end
  for _, c in ipairs(cells) do
    if #c == 1 then
      lines[#lines + 1] = c[1]
    else
      local parts = {}
      -- Padded by hand: string.format takes widths of two digits at most,
      -- and a row's note may be longer.
      for i, text in ipairs(c) do
        local pad = rep(" ", widths[i] - #text)
        parts[i] = (i == 2 or i == 3 or i == 4) and pad .. text or text .. pad
      end
      lines[#lines + 1] = (concat(parts, "  "):gsub("%s+$", ""))
    end
  end
  print(concat(lines, "\n"))
end

local function targets(by_label)
  if not (by_label["page-full"] and by_label["page-lazy"] and by_label["page-peer54"]) then return end
  local c = by_label["page-climit"].instructions
  local full = by_label["page-full"].instructions
  local lazy = by_label["page-lazy"].instructions
  local peer = by_label["page-peer54"].instructions
  local function verdict(value, limit) return value <= limit and "met" or "MISSED" end
  print("\nTargets (instructions per request, 25-signal page, this run):")
  print(format("  signals full walk / C limit  = %.2f (target <= 1.00): %s", full / c, verdict(full / c, 1.0)))
  print(format("  signals lazy / C limit       = %.2f (target <= 0.50): %s", lazy / c, verdict(lazy / c, 0.5)))
  print(format("  signals full walk / Lua peer = %.2f (target <= 0.67): %s", full / peer, verdict(full / peer, 0.67)))
  local one, one_peer = by_label["signal-full"], by_label["signal-peer54"]
  if one and one_peer then
    local ratio = one.instructions / one_peer.instructions
    print(format("Single signal (get_signal): signals full walk / Lua peer = %.2f (target <= 0.80): %s",
      ratio, verdict(ratio, 0.8)))
  end
end

local function main(state)
  run(format("mkdir -p %s %s %s", WWW, CALLGRIND, NGINX_PREFIX))
  local texts = fixtures.write(WWW)
  local sizes = {}
  for name, text in pairs(texts) do sizes[name] = #text end
  local cpu = tonumber(run("nproc"):match("%d+")) - 1
  local port = helper.dead_port()
  state.nginx = start_nginx(cpu, port)
  -- Stopped when this process ends (--parent-pid), or by state.mock:stop().
  state.mock = helper.start_mock("--delay-ms 0")

  local rows = selected(rows_for(port), os.getenv("BENCH_ROWS"))
  local by_label = {}
  for _, row in ipairs(rows) do
    local m = measure(row, cpu)
    row.rate, row.instructions = m.rate, m.instructions
    by_label[row.label] = row
  end
  for _, row in ipairs(rows) do
    row.ratio = row.instructions / by_label[row.fixture .. "-climit"].instructions
  end
  if not os.getenv("BENCH_ROWS") then
    for _, row in ipairs(external_rows(state.mock, state)) do rows[#rows + 1] = row end
    rows[#rows + 1] = flat_memory_row(state.mock)
  end

  print(format("make bench: nginx %s, %s, client and nginx worker on CPU %d; best of %d rounds; "
    .. "instructions from callgrind, (Ir at N - Ir at 0) / N",
    run("nginx -v 2>&1 | cat"):match("nginx/([%d.]+)") or "?", _VERSION, cpu, ROUNDS))
  print_table(rows, sizes)
  targets(by_label)
end

local state = {}
local ok, err = xpcall(main, debug.traceback, state)
if state.nginx then os.execute("kill " .. state.nginx .. " 2>/dev/null") end
if state.mock then state.mock:stop() end
if not ok then
  io.stderr:write("bench: ", tostring(err), "\n")
  os.exit(1)
end
if state.failed then os.exit(1) end

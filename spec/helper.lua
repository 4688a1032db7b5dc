-- Shared by the specs: one signals-mock per busted run, started on a free
-- loopback port on first use, reset by each spec that needs a clean slate,
-- and stopped when busted exits (it also stops by itself: --parent-pid and
-- --ttl). The control channel uses luasocket and dkjson, not the code under
-- test, so that a bug in signals cannot hide itself from the specs.
local http = require("socket.http")
local ltn12 = require("ltn12")
local json = require("dkjson")

local helper = {}

helper.API_KEY = "sk_test_0123456789abcdef"

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("*a")
  f:close()
  return data
end

local function own_pid()
  -- /proc/self is the Lua process itself when Lua opens it.
  local stat = read_file("/proc/self/stat")
  return stat and stat:match("^(%d+)")
end

local function sleep(seconds)
  require("socket").sleep(seconds)
end

function helper.fixture(name)
  local data = read_file("spec/fixtures/" .. name)
  assert(data, "no fixture " .. name)
  return data
end

function helper.fixture_table(name)
  return (json.decode(helper.fixture(name), 1, json.null))
end

helper.json = json

local Mock = {}
Mock.__index = Mock

-- Sends a request to the mock; returns status, decoded body and raw body.
local function exchange(mock, method, path, body, headers)
  local payload = body and json.encode(body) or nil
  headers = headers or {}
  if payload then
    headers["content-type"] = "application/json"
    headers["content-length"] = tostring(#payload)
  end
  local chunks = {}
  local _, status = http.request({
    url = mock.url .. path,
    method = method,
    headers = headers,
    source = payload and ltn12.source.string(payload) or nil,
    sink = ltn12.sink.table(chunks),
  })
  local text = table.concat(chunks)
  local decoded = text ~= "" and json.decode(text, 1, json.null) or nil
  return status, decoded, text
end

-- Sends a control request to the mock; returns status and decoded body.
function Mock:control(method, path, body)
  return exchange(self, method, path, body)
end

-- Sends an API request with the specs' key but without the client, for
-- what the client would refuse before sending.
function Mock:api(method, path, body)
  return exchange(self, method, path, body, { authorization = "Bearer " .. helper.API_KEY })
end

function Mock:reset(config)
  local status = self:control("POST", "/_mock/reset")
  assert(status == 204, "mock reset failed: " .. tostring(status))
  if config then self:config(config) end
end

function Mock:config(config)
  local status, body = self:control("POST", "/_mock/config", config)
  assert(status == 204, "mock config failed: " .. tostring(status) .. " " .. json.encode(body))
end

-- Queues a fault for the next matching request(s); see mock/README.md.
function Mock:fault(fault)
  local status, body = self:control("POST", "/_mock/faults", fault)
  assert(status == 201, "mock fault failed: " .. tostring(status) .. " " .. json.encode(body))
end

-- Creates finished signals directly in the mock's memory (no request logged).
function Mock:seed(seed)
  local status, body = self:control("POST", "/_mock/seed", seed)
  assert(status == 201, "mock seed failed: " .. tostring(status) .. " " .. json.encode(body))
  return body
end

-- The API requests the mock received since the last reset, oldest first:
-- { method, path, query, headers = { lower-case = value }, body, remote_port }
function Mock:requests()
  local status, body = self:control("GET", "/_mock/requests")
  assert(status == 200, "mock log failed: " .. tostring(status))
  return body
end

function Mock:last_request()
  local log = self:requests()
  return log[#log]
end

-- The logged requests with `method` (nil: any) to `path`, a path as
-- logged or, ending in "*", a prefix of one (as the mock's faults take it).
function Mock:requests_to(method, path)
  local prefix = path:match("^(.*)%*$")
  local function to_path(req)
    if prefix then return req.path:sub(1, #prefix) == prefix end
    return req.path == path
  end
  local found = {}
  for _, req in ipairs(self:requests()) do
    if to_path(req) and (method == nil or req.method == method) then found[#found + 1] = req end
  end
  return found
end

-- Decodes a logged request's JSON body.
function helper.body_of(request)
  return json.decode(request.body, 1, json.null)
end

-- Parses a raw query string into { name = value or { values... } }.
function helper.query_of(request)
  local query = {}
  for pair in (request.query or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    local function unescape(s)
      return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
    end
    k, v = unescape(k), unescape(v)
    if query[k] == nil then
      query[k] = v
    elseif type(query[k]) == "table" then
      table.insert(query[k], v)
    else
      query[k] = { query[k], v }
    end
  end
  return query
end

local shared_mock

function Mock:stop()
  if self.pid then
    os.execute("kill " .. self.pid .. " 2>/dev/null")
    self.pid = nil
  end
end

local function start_mock(extra_args)
  local bin = os.getenv("SIGNALS_MOCK") or "build/signals-mock"
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local port_file, pid_file, log_file = dir .. "/port", dir .. "/pid", dir .. "/log"
  local wrapper = os.getenv("SIGNALS_MOCK_WRAPPER") or ""
  local cmd = string.format("%s %s --port 0 --port-file %s --parent-pid %s --ttl 1200 %s >%s 2>&1 & echo $! >%s",
    wrapper, bin, port_file, own_pid(), extra_args or "", log_file, pid_file)
  assert(os.execute(cmd))
  local port
  for _ = 1, 600 do
    port = read_file(port_file)
    if port and port:match("^%d+") then break end
    sleep(0.05)
  end
  port = port and tonumber(port:match("^%d+"))
  assert(port, "signals-mock did not start: " .. tostring(read_file(log_file)))
  local mock = setmetatable({
    port = port,
    url = "http://127.0.0.1:" .. port,
    pid = (read_file(pid_file) or ""):match("%d+"),
    log_file = log_file,
  }, Mock)
  -- Stop the mock when the Lua state closes (a __gc on a sentinel).
  mock.sentinel = setmetatable({}, { __gc = function() mock:stop() end })
  return mock
end

-- The shared mock, reset to a clean state.
function helper.mock()
  if not shared_mock then
    shared_mock = start_mock()
  end
  shared_mock:reset()
  return shared_mock
end

-- A separate mock with its own command-line arguments (e.g. "--api-key k").
function helper.start_mock(extra_args)
  return start_mock(extra_args)
end

-- Runs fn(other) with a separate mock (started with `extra_args`), which
-- is stopped whatever fn does; fn's failure is raised again afterwards.
function helper.with_mock(extra_args, fn)
  local other = start_mock(extra_args)
  local ok, failure = pcall(fn, other)
  other:stop()
  if not ok then error(failure, 0) end
end

-- Control of the signals-mock at `url`, started by someone else
-- (bench/run.lua); without a url, the shared mock.
function helper.mock_at(url)
  if not url then return helper.mock() end
  return setmetatable({ url = url }, Mock)
end

-- A sleep that records and really sleeps (for waits on the mock's clock):
-- the function and the list of waits.
function helper.real_sleep()
  local slept = {}
  return function(seconds)
    slept[#slept + 1] = seconds
    sleep(seconds)
  end, slept
end

-- A clock that only a sleep which does not really wait moves forward: it
-- starts at the real time and then counts the seconds claimed by `sleep`.
-- Returns the clock and the sleep (which records each wait in `slept`).
function helper.virtual_time(slept)
  local now = require("socket").gettime()
  local function clock() return now end
  local function record(seconds)
    slept[#slept + 1] = seconds
    now = now + seconds
  end
  return clock, record
end

-- A client against the mock. Sleeps are recorded, not slept, and the
-- client's clock moves by what they claimed only, unless the spec
-- passes its own `sleep` (and then the wall clock, unless it passes its own
-- `clock` too): the second value lists the waits in order.
function helper.client(mock, opts)
  local signals = require("signals")
  local slept = {}
  local clock, record = helper.virtual_time(slept)
  local options = {
    api_key = helper.API_KEY,
    base_url = mock.url,
    timeout = 10,
    connect_timeout = 5,
    sleep = record,
    clock = clock,
  }
  if opts and opts.sleep then options.clock = nil end
  for k, v in pairs(opts or {}) do options[k] = v end
  local client = signals.new(options)
  return client, slept
end

-- A loopback port with nothing listening on it.
function helper.dead_port()
  local socket = require("socket")
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  server:close()
  return tonumber(port)
end

-- A loopback port where a connection cannot even be made: a listener whose
-- accept queue is full, so that the kernel drops further SYNs (a connect
-- timeout). Returns the port and a function that frees it.
function helper.unresponsive_port()
  local socket = require("socket")
  local server = assert(socket.bind("127.0.0.1", 0, 0))
  local _, port = server:getsockname()
  local filler = socket.tcp()
  filler:settimeout(1)
  assert(filler:connect("127.0.0.1", port))
  return tonumber(port), function()
    filler:close()
    server:close()
  end
end

helper.sleep = sleep
helper.read_file = read_file

-- A new temporary file holding data; the caller removes it.
function helper.write_temp(data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  return path
end

-- Whether the process's RSS follows what the code holds: not under valgrind
-- (its own books grow the process) nor a sanitizer (ASan keeps freed memory
-- in a quarantine); `make check` sets SIGNALS_SANITIZER.
function helper.rss_meaningful()
  return not os.getenv("SIGNALS_VALGRIND") and not os.getenv("SIGNALS_SANITIZER")
end

-- Why a test whose client:all waits in a sleep that yields is pending on
-- plain Lua 5.1, which cannot yield across pcall, which client:all runs
-- its loop in (CONTRACT §7); nil where it can (5.2+, LuaJIT).
helper.NO_YIELD_ACROSS_PCALL = _VERSION == "Lua 5.1" and not rawget(_G, "jit")
  and "plain Lua 5.1 cannot yield from client:all's sleep (across pcall)" or nil

-- Under valgrind (make memcheck) the long loops of fault inputs and
-- volume runs take one case in SAMPLE: valgrind looks for memory errors on
-- the paths a loop takes, which a sample takes too, at twenty to fifty
-- times the cost of a case; every other run (each Lua, ASan + UBSan) takes
-- them whole.
helper.SAMPLE = os.getenv("SIGNALS_VALGRIND") and 10 or 1

-- How many of n cases a loop takes in this run.
function helper.sample(n)
  return math.ceil(n / helper.SAMPLE)
end

-- The process's resident memory in KiB (Linux), or nil.
function helper.rss_kib()
  local status = read_file("/proc/self/status")
  return status and tonumber(status:match("VmRSS:%s*(%d+)"))
end

-- The busted process, for children that must stop when it is gone.
helper.own_pid = own_pid

-- For what the mock cannot send: a one-shot server in a child process that
-- answers one connection on a free loopback port with exactly `response`
-- after reading the request's head, then exits (also when no one comes
-- within 20 s). Returns its base URL, "http://127.0.0.1:PORT".
function helper.raw_server(response)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local f = assert(io.open(dir .. "/response", "wb"))
  f:write(response)
  f:close()
  f = assert(io.open(dir .. "/server.lua", "wb"))
  f:write([[
    local socket, dir = require("socket"), arg[1]
    local server = assert(socket.bind("127.0.0.1", 0))
    local port = select(2, server:getsockname())
    local out = io.open(dir .. "/port.tmp", "w") out:write(port) out:close()
    os.rename(dir .. "/port.tmp", dir .. "/port")
    server:settimeout(20)
    local c = server:accept()
    if c then
      c:settimeout(5)
      repeat local line = c:receive("*l") until not line or line == ""
      local r = io.open(dir .. "/response", "rb") c:send(r:read("*a")) r:close()
      c:close()
    end
    for _, name in ipairs { "/response", "/port", "/server.lua", "" } do os.remove(dir .. name) end
  ]])
  f:close()
  local lua = os.getenv("LUA") or "lua5.4"
  assert(os.execute(string.format("%s %s/server.lua %s >/dev/null 2>&1 &", lua, dir, dir)))
  for _ = 1, 500 do
    local port = read_file(dir .. "/port")
    if port then return "http://127.0.0.1:" .. port end
    sleep(0.02)
  end
  error("raw server did not start")
end

-- The shared mock, reset (then configured with `config` when given), and a
-- client against it that does not retry: what the API specs start from.
function helper.api(config)
  local mock = helper.mock()
  if config then mock:config(config) end
  return mock, helper.client(mock, { max_retries = 0 })
end

-- Asserts that a call succeeded (no error, a result); returns the result.
function helper.assert_ok(result, err)
  assert(err == nil, "expected success, got " .. tostring(err))
  assert(result ~= nil, "a successful call must return a result")
  return result
end

-- A client whose key the mock refuses (401).
function helper.unauthorized_client(mock)
  return helper.client(mock, { api_key = "not_a_saber_key", max_retries = 0 })
end

-- Asserts that a call answered `nil, err` for an HTTP error of the API with
-- `status` (and `code` when given); returns the error.
function helper.assert_http_error(status, code, result, err)
  assert(result == nil, "expected a failure, got " .. tostring(result))
  assert(err ~= nil, "a failed call must return an error")
  assert(err.kind == "http", "expected an http error, got " .. tostring(err))
  assert(err.status == status, "expected HTTP " .. status .. ", got " .. tostring(err))
  assert(code == nil or err.code == code, "expected code " .. tostring(code) .. ", got " .. tostring(err))
  return err
end

return helper

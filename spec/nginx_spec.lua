-- OpenResty: the real nginx (Debian's nginx + libnginx-mod-http-lua, on
-- OpenResty's LuaJIT) runs examples/openresty/nginx.conf against
-- signals-mock, and a config of this spec's own drives the cosocket
-- transport (signals.transports.ngx) through the mock's faults, chunked and
-- close-delimited bodies, TLS, and the phases where nginx allows no I/O.
local helper = require("helper")
local hosts = require("support.hosts")
local socket = require("socket")
local json = helper.json

local NGINX = "/usr/sbin/nginx"
local LUA_MODULE = "/usr/lib/nginx/modules/ngx_http_lua_module.so"
local ROOT = os.getenv("PWD")

local missing
if not hosts.exists(NGINX) or not hosts.exists(LUA_MODULE) then
  missing = "nginx with OpenResty's Lua module is not installed (sh scripts/deps.sh openresty)"
end

-- The module for nginx's LuaJIT, built like `make LUA=luajit`.
local function build_core()
  local ok, out = hosts.run("make -s --no-print-directory LUA=luajit lib")
  assert(ok, "make LUA=luajit lib failed:\n" .. out)
end

local function start_nginx(conf, env)
  local dir = hosts.tmpdir()
  assert(hosts.succeeds("mkdir -p " .. dir .. "/logs " .. dir .. "/temp"))
  local port = helper.dead_port()
  hosts.write_file(dir .. "/nginx.conf", (conf:gsub("{{PORT}}", tostring(port))))
  local nginx = hosts.start("nginx", string.format("%s -p %s -c %s/nginx.conf -g 'daemon off;'",
    NGINX, dir, dir), port, dir, env)
  return nginx
end

-- One HTTP/1.1 exchange with nginx on a connection of its own; `send` and
-- `finish` apart let a spec keep a request waiting while it sends others.
local function send(port, method, path, body)
  local conn = assert(socket.connect("127.0.0.1", port))
  conn:settimeout(15)
  assert(conn:send(string.format("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    .. "Content-Length: %d\r\n\r\n%s", method, path, body and #body or 0, body or "")))
  return conn
end

local function finish(conn)
  local text = assert(conn:receive("*a"))
  conn:close()
  local head, body = text:match("^(.-)\r\n\r\n(.*)$")
  local status = tonumber(head:match("^HTTP/1%.%d (%d+)"))
  local headers = {}
  for name, value in head:gmatch("\r\n([^:]+):%s*([^\r]*)") do headers[name:lower()] = value end
  if (headers["transfer-encoding"] or ""):find("chunked") then
    local parts, rest = {}, body
    while true do
      local size, after = rest:match("^(%x+)[^\r]*\r\n(.*)$")
      size = tonumber(size, 16)
      if not size or size == 0 then break end
      parts[#parts + 1] = after:sub(1, size)
      rest = after:sub(size + 3)
    end
    body = table.concat(parts)
  end
  return status, body, headers
end

local function get(port, path)
  return finish(send(port, "GET", path))
end

local function ms_since(started)
  return (socket.gettime() - started) * 1000
end

-- examples/openresty/nginx.conf with what a spec must change: its port, one
-- worker (so that "the same worker" is certain), and the module paths of
-- this tree. Each change must apply exactly once, so that the example
-- cannot drift away from what is tested.
local function example_conf()
  local conf = assert(hosts.read_file("examples/openresty/nginx.conf"))
  local function replace(pattern, replacement)
    local count
    conf, count = conf:gsub(pattern, function() return replacement end)
    assert(count == 1, "examples/openresty/nginx.conf no longer has " .. pattern)
  end
  replace("listen 127%.0%.0%.1:8080;", "listen 127.0.0.1:{{PORT}};")
  replace("worker_processes auto;", "worker_processes 1;")
  replace('lua_package_path "[^"]*";', string.format('lua_package_path "%s/lua/?.lua;%s/lua/?/init.lua;;";',
    ROOT, ROOT))
  replace('lua_package_cpath "[^"]*";', string.format('lua_package_cpath "%s/build/luajit/?.so;;";', ROOT))
  return conf
end

describe("OpenResty: examples/openresty/nginx.conf #host", function()
  if missing then
    pending(missing)
    return
  end

  local mock, nginx, port

  lazy_setup(function()
    build_core()
    mock = helper.mock()
    nginx = start_nginx(example_conf(), { SABER_BASE_URL = mock.url, SABER_API_KEY = helper.API_KEY })
    port = nginx.port
  end)

  lazy_teardown(function()
    if nginx then nginx:stop() end
  end)

  before_each(function()
    mock:reset{ delay_ms = 100 }
  end)

  it("creates a signal, waits for it and lists it from content_by_lua", function()
    local status, body = get(port, "/ask?domain=acme.com&question=Hiring%3F")
    assert.are.equal(200, status, body)
    local sig = json.decode(body)
    assert.are.equal("completed", sig.status)
    assert.are.equal("Hiring?", sig.question)
    assert.are.equal(true, sig.answer.boolean.value)

    local list_status, list_body = get(port, "/signals?domain=acme.com")
    assert.are.equal(200, list_status, list_body)
    local page = json.decode(list_body)
    assert.are.equal(1, page.total)
    assert.are.equal(sig.id, page.results[1].id)

    -- Created, polled at least once, listed: all on one kept-alive
    -- connection, with the key from nginx's environment.
    local log = mock:requests()
    assert.are.equal("POST", log[1].method)
    assert.are.equal("/v1/companies/signals", log[1].path)
    assert.are.equal("/v1/companies/signals/" .. sig.id, log[2].path)
    assert.are.equal("/v1/companies/signals", log[#log].path)
    for _, request in ipairs(log) do
      assert.are.equal("Bearer " .. helper.API_KEY, request.headers.authorization)
      assert.are.equal(log[1].remote_port, request.remote_port)
    end
  end)

  it("refuses invalid parameters before any request, with the client's error", function()
    local status, body = get(port, "/signals?domain=https://acme.com")
    assert.are.equal(400, status)
    assert.matches("^invalid_request", body)
    assert.are.same({}, mock:requests())
  end)

  it("honours retries: a 502 and a 429 with Retry-After, waited out with ngx.sleep", function()
    mock:fault{ path = "/v1/credits", fault = "html502" }
    mock:fault{ path = "/v1/credits", fault = "status", status = 429, headers = { ["Retry-After"] = "1" },
                body = { statusCode = 429, message = "Rate limit exceeded" } }
    local started = socket.gettime()
    local status, body = get(port, "/credits")
    local elapsed = ms_since(started)
    assert.are.equal(200, status, body)
    assert.are.equal(10000, json.decode(body).remainingCredits)
    local statuses = {}
    for _, request in ipairs(mock:requests()) do statuses[#statuses + 1] = request.status end
    assert.are.same({ 502, 429, 200 }, statuses)
    assert.is_true(elapsed >= 1000, "the Retry-After of 1 s was not waited: " .. elapsed .. " ms")
    assert.is_true(elapsed < 5000, elapsed .. " ms")
  end)

  it("gives up after max_retries and answers with the last error", function()
    mock:fault{ path = "/v1/credits", fault = "status", status = 503, times = 3,
                headers = { ["Retry-After"] = "0" }, body = { error = { code = "DOWN", message = "down" } } }
    local status, body = get(port, "/credits")
    assert.are.equal(503, status)
    assert.matches("^http 503 DOWN: down", body)
    assert.are.equal(3, #mock:requests())
  end)

  it("answers another request of the same worker at once while one waits 1 s on the API", function()
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 1 }
    local started = socket.gettime()
    local slow = send(port, "GET", "/credits")
    -- Let the slow request reach the mock and stall there.
    for _ = 1, 100 do
      local log = mock:requests()
      if #log == 1 then break end
      helper.sleep(0.01)
    end
    assert.are.equal(0, mock:requests()[1].status, "the slow request is not waiting on the API")

    local fast_started = socket.gettime()
    local status, body = get(port, "/signals?domain=acme.com")
    local fast_ms = ms_since(fast_started)
    assert.are.equal(200, status, body)

    local slow_status, slow_body = finish(slow)
    local slow_ms = ms_since(started)
    assert.are.equal(200, slow_status, slow_body)
    assert.is_true(slow_ms >= 1000, "the stall did not hold the slow request: " .. slow_ms .. " ms")
    assert.is_true(fast_ms < 100, "the worker was blocked: the fast request took " .. fast_ms .. " ms")
    io.write(string.format("\n[nginx] one worker: a request answered in %.1f ms "
      .. "while another waited %.0f ms on the API\n", fast_ms, slow_ms))
  end)

  it("runs client:all's calls at once in light threads, results in input order", function()
    mock:config{ delay_ms = 400 }
    local started = socket.gettime()
    local status, body = get(port,
      "/batch?domain=acme.com&domain=globex.com&domain=not_a_domain&domain=initech.com")
    local elapsed = ms_since(started)
    assert.are.equal(200, status, body)
    local lines = {}
    for line in body:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal(4, #lines, body)
    assert.are.same({ "acme.com completed true", "globex.com completed true", "initech.com completed true" },
      { lines[1], lines[2], lines[4] })
    assert.matches("^not_a_domain error invalid_request: 'domain' must be", lines[3])
    -- Each sync call takes 400 ms at the mock: one after the other would be 1.2 s.
    assert.is_true(elapsed >= 400 and elapsed < 1000, elapsed .. " ms")
    local ports = {}
    for _, request in ipairs(mock:requests()) do ports[request.remote_port] = true end
    local connections = 0
    for _ in pairs(ports) do connections = connections + 1 end
    assert.are.equal(3, connections)
  end)
end)

-- This spec's own config: a probe location that runs one transport request
-- described in JSON, plain and TLS servers for it to talk to, and the
-- phases where nginx allows no I/O.
local PROBE_CONF = hosts.nginx_conf(1, 256) .. [[
  lua_ssl_trusted_certificate {{DIR}}/good.pem;

  init_by_lua_block {
    local signals = require("signals")
    probe_client = signals.new{ api_key = "sk_test_probe", base_url = "{{MOCK}}", max_retries = 0 }
    local _, err = probe_client:get_credits()
    init_error = tostring(err)
    retry_client = signals.new{ api_key = "sk_test_probe", base_url = "{{MOCK}}", max_retries = 2,
                                retry_base_delay = 0.01 }
  }

  server {
    listen 127.0.0.1:{{PORT}};

    location = /probe {
      content_by_lua_block {
        local core = require("signals.core")
        ngx.req.read_body()
        local spec = core.decode(ngx.req.get_body_data(), "object"):totable()
        local transport = require("signals.transports.ngx").new{
          max_response_bytes = spec.max_response_bytes }
        local answers = {}
        for i = 1, spec.times or 1 do
          local res, err = transport.request(spec.request)
          answers[i] = res or { error = err }
        end
        ngx.say(core.encode(answers))
      }
    }

    # One client call described in JSON ({ operation, params }), by a
    # client that retries by the policy: its result or its error.
    location = /call {
      content_by_lua_block {
        local core = require("signals.core")
        ngx.req.read_body()
        local spec = core.decode(ngx.req.get_body_data(), "object"):totable()
        local result, err = retry_client[spec.operation](retry_client, spec.params)
        ngx.print(core.encode(result and { ok = true } or { kind = err.kind, code = err.code,
          attempts = err.attempts, retryable = err.retryable, message = err.message }))
      }
    }

    # client:all whose on_progress raises at the first result: the calls
    # still in flight are cancelled (their light threads killed).
    location = /all-cancelled {
      content_by_lua_block {
        local calls = {}
        for i = 1, 3 do calls[i] = { "get_credits" } end
        local ok, err = pcall(probe_client.all, probe_client, calls,
          { on_progress = function() error("enough", 0) end })
        ngx.print(tostring(ok), " ", tostring(err))
      }
    }

    # client:start and client:step in a request handler: ?n calls of
    # get_credits, stepped with ?wait seconds until none is in flight. The
    # handles belong to this request: its own light threads run them.
    location = /start-step {
      content_by_lua_block {
        local n, wait = tonumber(ngx.var.arg_n), tonumber(ngx.var.arg_wait)
        local handles, done = {}, 0
        for i = 1, n do
          handles[i] = probe_client:start("get_credits", nil, { on_done = function() done = done + 1 end })
        end
        local refused = probe_client:start("get_signal", { signalId = "bad" })
        local steps = 0
        while probe_client:step(wait) > 0 do
          steps = steps + 1
          if wait == 0 then ngx.sleep(0.01) end
        end
        local out = { tostring(done), select(2, refused:result()).kind }
        for i = 1, n do
          local value, err = handles[i]:result()
          out[#out + 1] = value and tostring(value.remainingCredits) or tostring(err)
        end
        out[#out + 1] = tostring(steps)
        ngx.print(table.concat(out, " "))
      }
    }

    location = /chunked {
      content_by_lua_block {
        ngx.header["X-Part"] = { "one", "two" }
        ngx.print("first,")
        ngx.flush(true)
        ngx.print("second")
      }
    }

    location = /until-close {
      chunked_transfer_encoding off;
      content_by_lua_block { ngx.print("read to the end") }
    }

    location = /phase/init {
      content_by_lua_block { ngx.print(init_error) }
    }

    location = /phase/set {
      set_by_lua_block $probe_error {
        local _, err = probe_client:get_credits()
        return tostring(err)
      }
      return 200 $probe_error;
    }

    location = /phase/header_filter {
      content_by_lua_block { ngx.print("body") }
      header_filter_by_lua_block {
        local _, err = probe_client:get_credits()
        ngx.header["X-Signals-Error"] = tostring(err)
      }
    }
  }

  server {
    listen 127.0.0.1:{{TLS_PORT}} ssl;
    ssl_certificate {{DIR}}/good.pem;
    ssl_certificate_key {{DIR}}/good.key;
    location / { return 200 "over verified TLS"; }
  }

  server {
    listen 127.0.0.1:{{WRONG_TLS_PORT}} ssl;
    ssl_certificate {{DIR}}/wrong.pem;
    ssl_certificate_key {{DIR}}/wrong.key;
    location / { return 200 "should not be reached"; }
  }
}
]]

-- A self-signed certificate for `name` (also valid as its own authority).
local function certificate(dir, file, name)
  local ok, out = hosts.run(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
    .. "-nodes -days 2 -subj /CN=%s -addext subjectAltName=DNS:%s,IP:127.0.0.1 -keyout %s/%s.key -out %s/%s.pem",
    name, name, dir, file, dir, file))
  assert(ok, out)
end

describe("OpenResty: the cosocket transport #host", function()
  if missing then
    pending(missing)
    return
  end

  local mock, nginx, port, certs, tls_port, wrong_tls_port

  lazy_setup(function()
    build_core()
    mock = helper.mock()
    certs = hosts.tmpdir()
    certificate(certs, "good", "127.0.0.1")
    certificate(certs, "wrong", "wrong.example")
    tls_port, wrong_tls_port = helper.dead_port(), helper.dead_port()
    local conf = PROBE_CONF:gsub("{{([%w_]+)}}", { ROOT = ROOT, DIR = certs, MOCK = mock.url,
      TLS_PORT = tostring(tls_port), WRONG_TLS_PORT = tostring(wrong_tls_port) })
    nginx = start_nginx(conf)   -- it fills in {{PORT}}
    port = nginx.port
  end)

  lazy_teardown(function()
    if nginx then nginx:stop() end
    hosts.remove(certs)
  end)

  before_each(function()
    mock:reset()
  end)

  -- Runs `request` (a transport request table) `times` times inside nginx.
  local function probe(request, options)
    options = options or {}
    local body = json.encode({ request = request, times = options.times,
                               max_response_bytes = options.max_response_bytes })
    local status, answer = finish(send(port, "POST", "/probe", body))
    assert.are.equal(200, status, answer)
    return json.decode(answer, 1, json.null)
  end

  local function credits_request(extra)
    local request = { method = "GET", url = mock.url .. "/v1/credits", timeout = 5, connect_timeout = 2,
                      headers = { Authorization = "Bearer " .. helper.API_KEY, Accept = "application/json" } }
    for k, v in pairs(extra or {}) do request[k] = v end
    return request
  end

  it("sends the request as given and answers with status, lower-case headers and body", function()
    local res = probe{ method = "POST", url = mock.url .. "/v1/companies/signals?x=1",
      headers = { Authorization = "Bearer " .. helper.API_KEY, ["Content-Type"] = "application/json",
                  ["X-Custom"] = "yes" },
      body = '{"domain":"acme.com","question":"Hiring?"}', timeout = 5 }[1]
    assert.are.equal(200, res.status)
    assert.are.equal("application/json", res.headers["content-type"])
    assert.are.equal("processing", json.decode(res.body).status)
    local logged = mock:last_request()
    assert.are.equal("POST", logged.method)
    assert.are.equal("x=1", logged.query)
    assert.are.equal("yes", logged.headers["x-custom"])
    assert.are.equal('{"domain":"acme.com","question":"Hiring?"}', logged.body)
    assert.are.equal(tostring(#logged.body), logged.headers["content-length"])
    assert.are.equal("127.0.0.1:" .. mock.port, logged.headers.host)
  end)

  it("keeps the connection alive across requests", function()
    local answers = probe(credits_request(), { times = 3 })
    assert.are.equal(3, #answers)
    local log = mock:requests()
    assert.are.equal(log[1].remote_port, log[2].remote_port)
    assert.are.equal(log[1].remote_port, log[3].remote_port)
  end)

  it("sends Content-Length: 0 for a DELETE without a body", function()
    probe{ method = "DELETE", url = mock.url .. "/v1/signal-templates/t1", timeout = 5 }
    assert.are.equal("0", mock:last_request().headers["content-length"])
  end)

  it("reads chunked bodies and joins repeated headers", function()
    local res = probe{ method = "GET", url = "http://127.0.0.1:" .. port .. "/chunked", timeout = 5 }[1]
    assert.are.equal(200, res.status)
    assert.are.equal("first,second", res.body)
    assert.are.equal("one, two", res.headers["x-part"])
  end)

  it("reads a body delimited by the end of the connection", function()
    local res = probe{ method = "GET", url = "http://127.0.0.1:" .. port .. "/until-close", timeout = 5 }[1]
    assert.are.equal("read to the end", res.body)
  end)

  it("reports a refused connection as a network error before connecting", function()
    local err = probe(credits_request{ url = "http://127.0.0.1:" .. helper.dead_port() .. "/v1/credits" })[1].error
    assert.are.equal("network", err.kind)
    assert.are.equal("COULDNT_CONNECT", err.code)
    assert.are.equal(false, err.connected)
  end)

  it("does not send again what a pooled connection took whole before a reset: connected, for the policy", function()
    probe(credits_request())   -- leaves a connection in the pool
    mock:reset()
    mock:fault{ path = "/v1/credits", fault = "reset" }
    local err = probe(credits_request())[1].error
    assert.are.equal("network", err.kind)
    assert.are.equal(true, err.connected)
    assert.are.equal(1, #mock:requests())
  end)

  -- One client call inside nginx (the /call location).
  local function call(operation, params)
    local status, answer = finish(send(port, "POST", "/call",
      json.encode({ operation = operation, params = params })))
    assert.are.equal(200, status, answer)
    return json.decode(answer)
  end

  it("sends a POST once when the server reads it whole on a pooled connection and resets", function()
    local question = { domain = "acme.com", question = "Hiring?" }
    assert.is_true(call("create_signal", question).ok)   -- leaves a connection in the pool
    mock:reset()
    mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "reset" }
    local err = call("create_signal", question)
    -- it may have been processed: the policy does not retry it, nor may the transport
    assert.are.equal("network", err.kind)
    assert.are.equal(1, err.attempts)
    assert.is_false(err.retryable)
    assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals"))
    -- a GET in the same place is retried, by the policy
    assert.is_true(call("get_credits").ok)
    mock:reset()
    mock:fault{ method = "GET", path = "/v1/credits", fault = "reset" }
    assert.is_true(call("get_credits").ok)
    assert.are.equal(2, #mock:requests_to("GET", "/v1/credits"))
  end)

  it("reports a body cut short as PARTIAL_FILE", function()
    mock:fault{ path = "/v1/credits", fault = "truncate" }
    local err = probe(credits_request())[1].error
    assert.are.equal("network", err.kind)
    assert.are.equal("PARTIAL_FILE", err.code)
  end)

  it("times out on a stalled answer after the total timeout", function()
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 2 }
    local started = socket.gettime()
    local err = probe(credits_request{ timeout = 0.3 })[1].error
    local elapsed = ms_since(started)
    assert.are.equal("timeout", err.kind)
    assert.are.equal("OPERATION_TIMEDOUT", err.code)
    assert.are.equal("total timeout: no complete response within 0.3 s", err.message)
    assert.is_true(elapsed >= 300 and elapsed < 1500, elapsed .. " ms")
  end)

  it("refuses a body over max_response_bytes", function()
    mock:fault{ path = "/v1/credits", fault = "big", bytes = 20 * 1024 * 1024 }
    local err = probe(credits_request(), { max_response_bytes = 1024 * 1024 })[1].error
    assert.are.equal("RESPONSE_TOO_LARGE", err.code)
    assert.matches("max_response_bytes %(1048576 bytes%)", err.message)
  end)

  it("refuses requests it cannot send, before any connection", function()
    local cases = {
      { method = "TRACE", url = mock.url },
      { method = "GET", url = mock.url .. "/v1/credits?a b" },
      { method = "GET", url = mock.url, headers = { ["X-Bad"] = "a\r\nInjected: 1" } },
      { method = "GET", url = mock.url, headers = { ["Bad Name"] = "x" } },
      { method = "GET", url = "ftp://127.0.0.1/x" },
    }
    for _, request in ipairs(cases) do
      local err = probe(request)[1].error
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(false, err.connected)
    end
    assert.are.same({}, mock:requests())
  end)

  it("speaks TLS with the peer and its name verified", function()
    local res = probe{ method = "GET", url = "https://127.0.0.1:" .. tls_port .. "/", timeout = 5 }[1]
    assert.are.equal(200, res.status)
    assert.are.equal("over verified TLS", res.body)
    local err = probe{ method = "GET", url = "https://127.0.0.1:" .. wrong_tls_port .. "/", timeout = 5 }[1].error
    assert.are.equal("network", err.kind)
    assert.are.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.matches("certificate", err.message)
    assert.are.equal(false, err.connected)
  end)

  it("cancels client:all's calls in flight when a callback raises", function()
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 3, times = 2 }
    local started = socket.gettime()
    local status, body = get(port, "/all-cancelled")
    local elapsed = ms_since(started)
    assert.are.equal(200, status)
    -- Two calls stall for 3 s; the third answers and on_progress raises.
    assert.are.equal("false enough", body)
    assert.is_true(elapsed < 2000, "the stalled calls were waited for: " .. elapsed .. " ms")
    assert.are.equal(3, #mock:requests())
  end)

  it("runs client:start's calls in the handler's light threads, driven by client:step", function()
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 0.4, times = 3 }
    local started = socket.gettime()
    local status, body = get(port, "/start-step?n=3&wait=0")
    local elapsed = ms_since(started)
    assert.are.equal(200, status, body)
    local done, refused, a, b, c, steps = body:match("^(%d+) (%S+) (%S+) (%S+) (%S+) (%d+)$")
    assert.are.same({ "3", "invalid_request", "10000", "10000", "10000" }, { done, refused, a, b, c }, body)
    -- three calls held 0.4 s at once, and step(0) never waited for them
    assert.is_true(elapsed >= 400 and elapsed < 1000, elapsed .. " ms")
    assert.is_true(tonumber(steps) >= 10, body)
  end)

  it("keeps the worker serving while a handler waits in client:step, and apart from another's calls", function()
    mock:fault{ path = "/v1/credits", fault = "stall", seconds = 1, times = 2 }
    -- one worker: two handlers step their own calls at once, a third answers meanwhile
    local first = send(port, "GET", "/start-step?n=1&wait=5")
    local second = send(port, "GET", "/start-step?n=1&wait=5")
    socket.sleep(0.2)
    local started = socket.gettime()
    assert.are.equal(200, (get(port, "/chunked")))
    assert.is_true(ms_since(started) < 500, "the worker was blocked")
    for _, conn in ipairs { first, second } do
      local status, body = finish(conn)
      assert.are.equal(200, status, body)
      assert.matches("^1 invalid_request 10000 %d+$", body)
    end
  end)

  it("says clearly that nginx allows no I/O in init, set and header_filter", function()
    for phase, where in pairs{ init = "body", set = "body", header_filter = "header" } do
      local status, body, headers = get(port, "/phase/" .. phase)
      assert.are.equal(200, status)
      local message = where == "body" and body or headers["x-signals-error"]
      assert.matches("^invalid_request: signals: nginx allows no network I/O in the "
        .. phase .. " phase; call the API from rewrite_by_lua, access_by_lua, content_by_lua "
        .. "or a timer", message)
    end
    assert.are.same({}, mock:requests())
  end)
end)

-- The rate limiter in nginx: two workers, each with its own client (and so
-- its own bucket: the buckets are per process until they move to a shared
-- store), many light threads or client:all in each request. What is
-- asserted is per worker: its sends, timed by the on_request hook, never
-- exceed burst + rate * t.
local LIMITER_CONF = hosts.nginx_conf(2, 256) .. [[

  init_by_lua_block {
    local signals = require("signals")
    local core = require("signals.core")
    -- Each request's sends, in its ngx.ctx (light threads share it).
    local function client(reads_per_minute, read_burst)
      return signals.new{ api_key = "sk_test_limiter", base_url = "{{MOCK}}",
        rate_limit = { reads_per_minute = reads_per_minute, read_burst = read_burst },
        on_request = function()
          local sent = ngx.ctx.sent
          sent[#sent + 1] = core.now()
        end }
    end
    -- Named by the spec that uses each, so that no spec finds a bucket
    -- another one emptied.
    limited = { threads = client(1200, 5), all = client(1200, 5), flood = client(60000, 1) }
  }

  server {
    listen 127.0.0.1:{{PORT}};

    # ?client=NAME&n=N&all=1: N get_credits calls at once, each in a light
    # thread of its own, or through client:all (concurrency 8).
    location = /calls {
      content_by_lua_block {
        local core = require("signals.core")
        local client = limited[ngx.var.arg_client]
        local n = tonumber(ngx.var.arg_n)
        ngx.ctx.sent = {}
        local started = core.now()
        local failures = 0
        if ngx.var.arg_all then
          local calls = {}
          for i = 1, n do calls[i] = { "get_credits" } end
          for _, result in ipairs(client:all(calls, { concurrency = 8 })) do
            if core.kind(result) == "error" then failures = failures + 1 end
          end
        else
          local threads = {}
          for i = 1, n do
            threads[i] = ngx.thread.spawn(function() return client:get_credits() end)
          end
          for i = 1, n do
            local ok, result = ngx.thread.wait(threads[i])
            if not (ok and result) then failures = failures + 1 end
          end
        end
        ngx.print(core.encode({ pid = ngx.worker.pid(), started = started, sent = ngx.ctx.sent,
                                failures = failures }))
      }
    }
  }
}
]]

describe("OpenResty: the rate limiter in two workers #host", function()
  if missing then
    pending(missing)
    return
  end

  local mock, nginx, port

  lazy_setup(function()
    build_core()
    mock = helper.mock()
    nginx = start_nginx((LIMITER_CONF:gsub("{{([%w_]+)}}", { ROOT = ROOT, MOCK = mock.url })))
    port = nginx.port
  end)

  lazy_teardown(function()
    if nginx then nginx:stop() end
  end)

  before_each(function()
    mock:reset()
  end)

  -- Sends `requests` requests for /calls at once; returns, per worker (by
  -- pid), the send times and when its first request started, and the
  -- number of calls made in all.
  local function run(requests, query)
    local conns = {}
    for i = 1, requests do conns[i] = send(port, "GET", "/calls?" .. query) end
    local by_worker, calls = {}, 0
    for i = 1, requests do
      local status, body = finish(conns[i])
      assert.are.equal(200, status, body)
      local answer = json.decode(body)
      assert.are.equal(0, answer.failures)
      local worker = by_worker[answer.pid] or { sent = {}, started = answer.started }
      for _, t in ipairs(answer.sent) do worker.sent[#worker.sent + 1] = t end
      worker.started = math.min(worker.started, answer.started)
      by_worker[answer.pid] = worker
      calls = calls + #answer.sent
    end
    return by_worker, calls
  end

  -- Per worker: never more than burst + rate * t in the first t seconds
  -- after its first request started (its bucket is full then).
  local function assert_within_bucket(by_worker, rate, burst)
    for pid, worker in pairs(by_worker) do
      local sent = worker.sent
      table.sort(sent)
      for i, t in ipairs(sent) do
        local allowed = burst + rate * (t - worker.started)
        assert.is_true(i <= allowed, ("worker %d: request %d went %.3f s after the start, when the bucket "
          .. "allows %.2f"):format(pid, i, t - worker.started, allowed))
      end
    end
  end

  local function workers(by_worker)
    local n = 0
    for _ in pairs(by_worker) do n = n + 1 end
    return n
  end

  it("holds light threads waiting together to the bucket, per worker", function()
    local by_worker, calls = run(3, "client=threads&n=20")
    assert.are.equal(60, calls)
    assert.are.equal(60, #mock:requests())
    assert_within_bucket(by_worker, 20, 5)
    io.write(string.format("\n[nginx] rate limiter: 60 calls in light threads, %d worker(s), each within its bucket\n",
      workers(by_worker)))
  end)

  it("holds client:all to the bucket, per worker", function()
    local by_worker, calls = run(2, "client=all&n=20&all=1")
    assert.are.equal(40, calls)
    assert_within_bucket(by_worker, 20, 5)
  end)

  it("logs nothing per wait, even for waits under a millisecond", function()
    -- 1000 requests per second, one at a time: waits of a fraction of a
    -- millisecond, which ngx.sleep would take for 0 and warn about.
    local by_worker, calls = run(2, "client=flood&n=150")
    assert.are.equal(300, calls)
    assert_within_bucket(by_worker, 1000, 1)
    local log = hosts.read_file(nginx.dir .. "/logs/error.log") or ""
    local warnings = select(2, log:gsub("ngx%.sleep%(0%) called without delayed events patch", ""))
    assert.are.equal(0, warnings, log:sub(1, 2000))
  end)
end)

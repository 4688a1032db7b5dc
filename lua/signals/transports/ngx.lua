--- The OpenResty transport (CONTRACT §7): HTTP/1.1 over nginx's cosockets.
-- A request waits in nginx's event loop instead of blocking the worker as
-- libcurl would, and no Lua code runs under a C call that could yield:
-- signals.core only encodes and decodes here.
--
-- Cosockets rather than ngx.location.capture to a proxying location: a
-- subrequest inherits the user's request headers, its timeouts are fixed in
-- nginx.conf rather than per call, and its 502 hides whether the connection
-- was ever made, which the retry policy needs to know before repeating a
-- POST. Here every failure keeps its kind, and `connected` is exact.
--
-- nginx.conf provides what libcurl's options would: `resolver` for host
-- names, `lua_ssl_trusted_certificate` for TLS (peer and host name are
-- always verified), and the keep-alive pool (`lua_socket_pool_size`).
-- @module signals.transports.ngx
local ngx = rawget(_G, "ngx")  -- nil outside nginx: transport.new says so
local urls = require("signals.url")

local type, pairs, next, tostring, tonumber, setmetatable, error, pcall, require =
  type, pairs, next, tostring, tonumber, setmetatable, error, pcall, require
local concat, remove = table.concat, table.remove
local running = coroutine.running
local ceil, min = math.ceil, math.min
local find, format, lower, match = string.find, string.format, string.lower, string.match

local transport = {}

local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }
local BODY_METHODS = { POST = true, PUT = true, PATCH = true, DELETE = true }
local DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
local MAX_HEADER_BYTES = 256 * 1024
-- "No limit" for cosocket timeouts, whose 0 means nginx.conf's default.
local NO_LIMIT = 1e9
-- An idle pooled connection is dropped before the usual server-side idle
-- timeouts (60 s behind most load balancers) can close it under us.
local KEEPALIVE_IDLE_MS = 30000
-- Phases where nginx allows cosockets (and ngx.sleep).
local IO_PHASES = { rewrite = true, server_rewrite = true, access = true, content = true,
  timer = true, ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true }

local function now()
  ngx.update_time()
  return ngx.now()
end

local function failure(kind, code, message, connected)
  return { kind = kind, code = code, message = message, connected = connected == true }
end

local function refused(message)
  return { kind = "invalid_request", message = message, connected = false }
end

-- The same checks as signals.core's http handle, so that both transports
-- refuse the same requests before anything is sent.
local function check(req)
  if not METHODS[req.method] then
    return format("unsupported method '%s'", tostring(req.method))
  end
  if type(req.url) ~= "string" or find(req.url, "[%z\1-\32\127]") then
    return "the URL must be a string without spaces or control characters"
  end
  if req.body ~= nil and type(req.body) ~= "string" then return "the body must be a string" end
  for _, name in pairs({ "timeout", "connect_timeout" }) do
    local value = req[name]
    if value ~= nil and (type(value) ~= "number" or value < 0) then
      return format("'%s' must be a number >= 0", name)
    end
  end
  for name, value in pairs(req.headers or {}) do
    if type(name) ~= "string" or name == "" or find(name, "[%z\r\n: \t]") then
      return "invalid header name"
    end
    if find(tostring(value), "[%z\r\n]") then
      return format("invalid value for header %s", name)
    end
  end
end

local function request_head(req, url)
  local lines = { format("%s %s HTTP/1.1", req.method, url.target), "Host: " .. url.authority }
  for name, value in pairs(req.headers or {}) do
    local lowered = lower(name)
    -- The transport frames the message itself.
    if lowered ~= "host" and lowered ~= "content-length" and lowered ~= "connection"
        and lowered ~= "transfer-encoding" then
      lines[#lines + 1] = name .. ": " .. tostring(value)
    end
  end
  if req.body or BODY_METHODS[req.method] then
    lines[#lines + 1] = "Content-Length: " .. #(req.body or "")
  end
  lines[#lines + 1] = "\r\n"
  return concat(lines, "\r\n")
end

-- One request and its answer on one connection. It keeps the deadline and,
-- for the error report and the retry on a stale pooled connection, what
-- happened so far (connected, reused, stale, bytes received).
local Exchange = {}
Exchange.__index = Exchange

function Exchange:timeout_error()
  local connect = not self.connected
    and (self.total <= 0 or (self.connect_limit > 0 and self.connect_limit <= self.total))
  return failure("timeout", "OPERATION_TIMEDOUT", format("%s timeout: %s within %g s",
    connect and "connect" or "total",
    connect and "no connection" or self.connected and "no complete response" or "no response",
    connect and self.connect_limit or self.total), self.connected)
end

-- Milliseconds left before the total deadline, or nil when it has passed.
function Exchange:left_ms()
  if not self.deadline then return NO_LIMIT end
  local left = self.deadline - now()
  if left <= 0 then return nil end
  return ceil(left * 1000)
end

-- Arms the socket's timeout for the next operation; false when none is left.
function Exchange:arm()
  local left = self:left_ms()
  if not left then return false end
  self.sock:settimeout(left)
  return true
end

function Exchange:io_error(problem, code)
  if problem == "timeout" then return self:timeout_error() end
  return failure("network", code, problem, self.connected)
end

function Exchange:receive(pattern)
  if not self:arm() then return nil, self:timeout_error() end
  local data, problem = self.sock:receive(pattern)
  if not data then
    -- Once the whole request is sent, a connection that fails is never
    -- taken for a stale one, even from the pool and before any byte of
    -- the answer: the server may have read the request and processed it
    -- (then reset), so only the retry policy may send it again.
    return nil, self:io_error(problem == "closed" and "connection closed by the server"
      or problem, self.received == 0 and "RECV_ERROR" or "PARTIAL_FILE")
  end
  self.received = self.received + #data
  return data
end

function Exchange:connect(url, connect_timeout)
  local sock = ngx.socket.tcp()
  self.sock = sock
  local left = self:left_ms()
  if not left then return nil, self:timeout_error() end
  sock:settimeout(connect_timeout > 0 and min(left, ceil(connect_timeout * 1000)) or left)
  -- One pool per origin and scheme: a TLS connection is never handed to a
  -- plain-HTTP request to the same host and port, nor the reverse.
  local ok, problem = sock:connect(url.host, url.port,
    { pool = format("signals:%s://%s:%d", url.scheme, url.host, url.port) })
  if not ok then
    if problem == "timeout" then return nil, self:timeout_error() end
    local code = find(problem, "resolve", 1, true) and "COULDNT_RESOLVE_HOST" or "COULDNT_CONNECT"
    return nil, failure("network", code, format("cannot connect to %s:%d: %s", url.host, url.port,
      problem))
  end
  self.reused = sock:getreusedtimes() > 0
  if url.scheme == "https" and not self.reused then
    if not self:arm() then return nil, self:timeout_error() end
    -- The name is always given, so that it is always verified (an IP
    -- address then has to be in the certificate as a DNS name).
    ok, problem = sock:sslhandshake(false, match(url.host, "^%[(.*)%]$") or url.host, true)
    if not ok then
      if problem == "timeout" then return nil, self:timeout_error() end
      -- Named as libcurl names it, so that the retry policy knows a
      -- certificate that does not verify will not verify next time either.
      local code = find(problem, "certificate", 1, true) and "PEER_FAILED_VERIFICATION"
        or "SSL_CONNECT_ERROR"
      return nil, failure("network", code, format("TLS with %s failed: %s", url.host, problem))
    end
  end
  self.connected = true
  return true
end

function Exchange:send(data)
  if not self:arm() then return nil, self:timeout_error() end
  local ok, problem = self.sock:send(data)
  if not ok then
    -- Not all of the request went out: the server cannot have processed it.
    -- (nginx itself drops a pooled connection that the server closed while
    -- it idled, so this is the rare race with that close.)
    self.stale = true
    return nil, self:io_error(problem, "SEND_ERROR")
  end
  return true
end

-- Status line and headers; 1xx interim answers are skipped.
function Exchange:read_head()
  while true do
    local line, err = self:receive("*l")
    if not line then return nil, err end
    local minor, code = match(line, "^HTTP/1%.([01]) (%d%d%d)")
    local status = tonumber(code)
    if not status then
      return nil, failure("network", "WEIRD_SERVER_REPLY", "not an HTTP/1.x status line",
        self.connected)
    end
    local headers, size = {}, 0
    while true do
      line, err = self:receive("*l")
      if not line then return nil, err end
      if line == "" then break end
      size = size + #line
      if size > MAX_HEADER_BYTES then
        return nil, failure("network", "WEIRD_SERVER_REPLY", "response headers too large",
          self.connected)
      end
      local name, value = match(line, "^([^:%s]+)%s*:%s*(.-)%s*$")
      if name then
        name = lower(name)
        headers[name] = headers[name] and headers[name] .. ", " .. value or value
      end
    end
    if status >= 200 or status == 101 then return status, headers, minor == "1" end
  end
end

function Exchange:too_large()
  return failure("network", "RESPONSE_TOO_LARGE", format(
    "response body larger than max_response_bytes (%d bytes)", self.max_body), self.connected)
end

-- Reads exactly `size` bytes into `parts`, minding max_response_bytes.
function Exchange:read_exactly(parts, size)
  self.body_size = self.body_size + size
  if self.body_size > self.max_body then return nil, self:too_large() end
  if size == 0 then return true end
  local data, err = self:receive(size)
  if not data then return nil, err end
  parts[#parts + 1] = data
  return true
end

function Exchange:read_chunked(parts)
  while true do
    local line, err = self:receive("*l")
    if not line then return nil, err end
    local digits = match(line, "^%s*(%x+)")
    local size = digits and tonumber(digits, 16)
    if not size then
      return nil, failure("network", "WEIRD_SERVER_REPLY", "malformed chunk size", self.connected)
    end
    if size == 0 then break end
    local ok
    ok, err = self:read_exactly(parts, size)
    if not ok then return nil, err end
    line, err = self:receive("*l")   -- the CRLF after the chunk
    if not line then return nil, err end
  end
  repeat   -- trailer fields, up to the empty line
    local line, err = self:receive("*l")
    if not line then return nil, err end
  until line == ""
  return true
end

function Exchange:read_to_close(parts)
  while true do
    if not self:arm() then return nil, self:timeout_error() end
    local data, problem = self.sock:receiveany(self.max_body - self.body_size + 1)
    if not data then
      if problem == "closed" then return true end
      return nil, self:io_error(problem, "RECV_ERROR")
    end
    self.body_size = self.body_size + #data
    if self.body_size > self.max_body then return nil, self:too_large() end
    parts[#parts + 1] = data
  end
end

-- The body by the framing the headers announce; also says whether the
-- connection may go back to the pool (HTTP/1.1 unless it says close;
-- HTTP/1.0 only when it says keep-alive).
function Exchange:read_body(method, status, headers, http11)
  local parts = {}
  local connection = lower(headers.connection or "")
  local reusable
  if http11 then
    reusable = not find(connection, "close", 1, true)
  else
    reusable = find(connection, "keep-alive", 1, true) ~= nil
  end
  local ok, err
  if method == "HEAD" or status == 204 or status == 304 or status < 200 then
    ok = true
  elseif find(lower(headers["transfer-encoding"] or ""), "chunked", 1, true) then
    ok, err = self:read_chunked(parts)
  elseif headers["content-length"] then
    local length = tonumber(match(headers["content-length"], "^%d+$"))
    if not length then
      return nil, failure("network", "WEIRD_SERVER_REPLY", "invalid Content-Length",
        self.connected)
    end
    if length > self.max_body then return nil, self:too_large() end
    ok, err = self:read_exactly(parts, length)
  else
    ok, err = self:read_to_close(parts)
    reusable = false
  end
  if not ok then return nil, err end
  return concat(parts), reusable
end

function Exchange:run(req, url)
  local ok, err = self:connect(url, req.connect_timeout or 0)
  if not ok then return nil, err end
  ok, err = self:send(request_head(req, url) .. (req.body or ""))
  if not ok then return nil, err end
  local status, headers, http11 = self:read_head()
  if not status then return nil, headers end
  local body, reusable = self:read_body(req.method, status, headers, http11)
  if not body then return nil, reusable end
  if reusable then
    self.sock:setkeepalive(KEEPALIVE_IDLE_MS)
  else
    self.sock:close()
  end
  self.sock = nil
  return { status = status, headers = headers, body = body }
end

local function exchange(req, url, max_body, deadline)
  local total = req.timeout or 0
  local self = setmetatable({ total = total, connect_limit = req.connect_timeout or 0,
    deadline = deadline, max_body = max_body, connected = false, reused = false,
    received = 0, body_size = 0 }, Exchange)
  local res, err = self:run(req, url)
  if self.sock then self.sock:close() end
  return res, err, self.reused and self.stale
end

local function io_refused()
  local phase = ngx.get_phase()
  if IO_PHASES[phase] then return nil end
  return refused(format("signals: nginx allows no network I/O in the %s phase; call the API "
    .. "from rewrite_by_lua, access_by_lua, content_by_lua or a timer (ngx.timer.at)", phase))
end

-- The engine's submit/poll/cancel (engine.lua: client:start, client:all):
-- each submitted request runs in a light thread of its own
-- (ngx.thread.spawn) and posts a semaphore when it ends. The state belongs
-- to the coroutine that submits (one request handler or timer), since one
-- client serves every request of a worker and a light thread is waited
-- for by its own request; per_coroutine tells the engine so.
local function light_threads(prepare, send)
  local semaphore = require("ngx.semaphore")
  local states = setmetatable({}, { __mode = "k" })

  local function state()
    local co = running()
    local s = states[co]
    if not s then
      s = { threads = {}, done = {}, ended = semaphore.new(), last_key = 0 }
      states[co] = s
    end
    return s
  end

  local function submit(req)
    local url, refusal = prepare(req)
    if not url then return nil, refusal end
    local s = state()
    s.last_key = s.last_key + 1
    local key = s.last_key
    -- In flight until the thread ends, which may be before spawn returns
    -- (a request refused without any I/O).
    s.threads[key] = true
    local thread = ngx.thread.spawn(function()
      local ok, res, err = pcall(send, req, url)
      if not ok then res, err = nil, failure("network", nil, tostring(res)) end
      s.threads[key] = nil
      s.done[#s.done + 1] = { key = key, res = res, err = err }
      s.ended:post(1)
    end)
    if s.threads[key] then s.threads[key] = thread end
    return key
  end

  -- The next request that ended, or nil when none did within `timeout` s
  -- (at once when none is in flight). The semaphore counts whole
  -- milliseconds, cut down: rounded up, a wait never ends before its time
  -- (to be polled again, at once, for what is left).
  local function poll(timeout)
    local s = state()
    if #s.done == 0 and next(s.threads) == nil then return nil end
    if not s.ended:wait(ceil(timeout * 1000) / 1000) then return nil end
    local ended = remove(s.done, 1)
    return ended.key, ended.res, ended.err
  end

  local function cancel(key)
    local s = state()
    if s.threads[key] then
      ngx.thread.kill(s.threads[key])
      s.threads[key] = nil
      return
    end
    for i = 1, #s.done do
      if s.done[i].key == key then
        remove(s.done, i)
        s.ended:wait(0)   -- its post
        return
      end
    end
  end

  return submit, poll, cancel
end

--- Makes a transport for @{signals.new}'s `transport` option (a client made
-- inside nginx gets one by default).
-- @tparam[opt] table options `max_response_bytes`; ca_file, ca_path and proxy have no
-- per-request equivalent in nginx (see nginx.conf's lua_ssl_* directives).
-- @treturn table the transport: `request(req)`, and `submit`, `poll`, `cancel` for @{signals.Client:all}
-- @raise outside nginx
function transport.new(options)
  if not (ngx and ngx.socket and ngx.get_phase) then
    error("signals.transports.ngx runs only inside nginx, under OpenResty's Lua module", 2)
  end
  options = options or {}
  for _, name in pairs({ "ca_file", "ca_path", "proxy" }) do
    if options[name] ~= nil then
      error(format("signals: '%s' is not supported by the nginx transport: %s", name,
        name == "proxy" and "reach the API directly or through an nginx location"
          or "set lua_ssl_trusted_certificate in nginx.conf"), 3)
    end
  end
  local max_body = options.max_response_bytes or DEFAULT_MAX_RESPONSE_BYTES

  -- The parsed URL, or nil and why the request is refused before sending.
  local function prepare(req)
    local refusal = io_refused()
    if refusal then return nil, refusal end
    local problem = check(req)
    if problem then return nil, refused(problem) end
    local url, code, message = urls.target(req.url)
    if not url then
      local err = refused(message)
      err.code = code
      return nil, err
    end
    return url
  end

  local function send(req, url)
    local deadline = req.timeout and req.timeout > 0 and now() + req.timeout or nil
    local res, err, stale
    -- A pooled connection that could not take the whole request processed
    -- nothing, whatever the method: the next one is tried, then a new one.
    -- Each stale connection leaves the pool, so this ends.
    repeat
      res, err, stale = exchange(req, url, max_body, deadline)
    until not stale
    if not res then return nil, err end
    return res
  end

  local submit, poll, cancel = light_threads(prepare, send)
  return {
    request = function(req)
      local url, refusal = prepare(req)
      if not url then return nil, refusal end
      return send(req, url)
    end,
    submit = submit, poll = poll, cancel = cancel, per_coroutine = true,
  }
end

return transport

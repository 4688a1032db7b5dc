-- One call of an operation: validate, build the HTTP request, send it through
-- the transport (hooks around each exchange, same-origin redirects followed),
-- decode the answer by the operation's kind or turn it into an error, and
-- retry by the policy of retry.lua. Returns the result, or nil and an error
-- object; it raises only when a hook does.
local core = require("signals.core")
local validate = require("signals.validate")
local retry = require("signals.retry")

local type, pairs, ipairs, tostring, tonumber, pcall, next = type, pairs, ipairs, tostring, tonumber, pcall, next
local floor, abs, max = math.floor, math.abs, math.max
local byte, find, format, gsub, lower, match, sub = string.byte, string.find, string.format,
  string.gsub, string.lower, string.match, string.sub
local concat, sort = table.concat, table.sort
local time = os.time
local now = core.now

local request = {}

local REDIRECT_STATUSES = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }
local MAX_REDIRECTS = 5
local DEFAULT_PORTS = { http = "80", https = "443" }
local TRANSPORT_ERROR_KINDS = { network = true, timeout = true, invalid_request = true }
local NO_OPTIONS = {}

-- Query, path and header text of a parameter value: whole numbers without
-- the ".0" Lua 5.3+ would print for a float, booleans as true/false.
local function text_of(value)
  if type(value) == "number" and value == floor(value) and abs(value) < 2 ^ 53 then
    return format("%d", value)
  end
  return tostring(value)
end

local RESERVED = "[^A-Za-z0-9%-%._~]"

local function escape(c) return format("%%%02X", byte(c)) end

-- RFC 3986: everything but the unreserved characters is escaped.
local function percent_encode(s)
  if not find(s, RESERVED) then return s end
  return (gsub(s, RESERVED, escape))
end

-- A value that is only dots would be read as a dot-segment ("..") and move
-- the request to another path; escaped, it stays an id.
local function path_segment(value)
  local segment = percent_encode(text_of(value))
  if find(segment, "^%.%.?$") then segment = gsub(segment, "%.", "%%2E") end
  return segment
end

-- name: percent-encoded already.
local function add_query(parts, name, value)
  if type(value) == "table" then
    for _, item in ipairs(value) do add_query(parts, name, item) end
  else
    parts[#parts + 1] = name .. "=" .. percent_encode(text_of(value))
  end
end

local function sorted_keys(t)
  local keys = {}
  for key in pairs(t) do keys[#keys + 1] = key end
  sort(keys)
  return keys
end

-- Header names are case-insensitive: a new value replaces any spelling.
local function set_header(headers, name, value)
  local lowered = lower(name)
  for existing in pairs(headers) do
    if lower(existing) == lowered then headers[existing] = nil end
  end
  headers[name] = value
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function one_line(s)
  return (gsub(s, "[\r\n]+", " "))
end

local function invalid_request(op, message, fields)
  return core.error{ kind = "invalid_request", message = message, fields = fields,
                     method = op.method, path = op.path }
end

-- The field a method takes positionally: the only required field, when it
-- is a path parameter (client:get_signal(id)).
local function positional_field(op)
  local found
  for _, field in ipairs(op.fields) do
    if field.required then
      if found then return nil end
      found = field
    end
  end
  return found and found.location == "path" and found.name or nil
end

-- The path as pieces: literal text, and the names of the parameters
-- between them; a parameter a UUID pattern guards needs no encoding (it
-- was validated: hex digits and dashes only).
local function path_pieces(op)
  local pieces, raw, from = {}, {}, 1
  for at, name, after in op.path:gmatch("(){([^}]+)}()") do
    pieces[#pieces + 1] = op.path:sub(from, at - 1)
    pieces[#pieces + 1] = { name = name }
    from = after
  end
  pieces[#pieces + 1] = op.path:sub(from)
  for _, field in ipairs(op.fields) do
    if field.location == "path" and field.pattern == "uuid" then raw[field.name] = true end
  end
  for _, piece in ipairs(pieces) do
    if type(piece) == "table" then piece.raw = raw[piece.name] end
  end
  return pieces
end

-- What a call needs to know of its operation beyond operations.lua's row,
-- worked out on its first call (the operations never change): whether it
-- sends a body, its path in pieces, the positional field, and its query
-- fields' names percent-encoded.
local plans = {}

local function plan_of(op)
  local plan = plans[op]
  if not plan then
    plan = { has_body = validate.has_body(op), positional = positional_field(op),
             sync = validate.field(op, validate.WAIT_FIELD) ~= nil,
             fixed_path = not find(op.path, "{", 1, true) and op.path or nil, pieces = path_pieces(op),
             query_names = {}, plain = true }
    for _, field in ipairs(op.fields) do
      if field.location == "query" then plan.query_names[field.name] = percent_encode(field.name) end
      -- Only path parameters: the request's headers are the client's own.
      if field.location ~= "path" then plan.plain = false end
    end
    if plan.has_body or plan.sync then plan.plain = false end
    plans[op] = plan
  end
  return plan
end

local function segment_of(piece, params)
  local value = params[piece.name]
  return piece.raw and value or path_segment(value)
end

local function path_of(plan, params)
  local pieces = plan.pieces
  -- Most paths hold one parameter: no table for them.
  if #pieces == 3 then return pieces[1] .. segment_of(pieces[2], params) .. pieces[3] end
  local parts = {}
  for i = 1, #pieces do
    local piece = pieces[i]
    parts[i] = type(piece) == "string" and piece or segment_of(piece, params)
  end
  return concat(parts)
end

local function params_table(op, params)
  if params == nil then return {} end
  if type(params) == "table" then return params end
  local name = plan_of(op).positional
  return name and { [name] = params } or nil
end

-- The Authorization header of the last key seen: a client sends the same
-- one on every request.
local last_key, last_authorization

local function authorization(api_key)
  if api_key ~= last_key then last_key, last_authorization = api_key, "Bearer " .. api_key end
  return last_authorization
end

-- The HTTP request for validated parameters and its path (for errors), or
-- nil and why the body cannot be encoded.
local function base_headers(options)
  if options.api_key then
    return { ["User-Agent"] = options.user_agent, Accept = "application/json",
             Authorization = authorization(options.api_key) }
  end
  return { ["User-Agent"] = options.user_agent, Accept = "application/json" }
end

local function build(client, op, params, opts)
  local options = client.options
  local plan = plan_of(op)
  local path = plan.fixed_path or path_of(plan, params)
  local url = options.base_url .. path
  -- A request with nothing of its own in the headers (a get by id) shares
  -- one table per client, when the transport is the client's own: it
  -- only reads them (a transport given to signals.new might keep or
  -- change the table it was handed).
  if plan.plain and not opts.headers and not opts.extra and client.owns_transport then
    local shared = client.shared_headers
    if not shared then
      shared = base_headers(options)
      client.shared_headers = shared
    end
    return { method = op.method, url = url, headers = shared, timeout = opts.timeout or options.timeout,
             connect_timeout = options.connect_timeout }, path
  end
  local headers = base_headers(options)
  local query, body = {}, plan.has_body and core.mark({}, "object") or nil
  local query_names = plan.query_names
  for _, field in ipairs(op.fields) do
    local value = params[field.name]
    if value ~= nil then
      if field.location == "body" then
        body[field.name] = value
      elseif field.location == "query" then
        add_query(query, query_names[field.name], value)
      elseif field.location == "header" then
        headers[field.name] = text_of(value)
      end
    end
  end
  if opts.extra then
    for _, name in ipairs(sorted_keys(opts.extra)) do
      if body then body[name] = opts.extra[name] else add_query(query, percent_encode(name), opts.extra[name]) end
    end
  end
  -- A sync call always says how long the server may hold it, so that the
  -- HTTP timeout below can outlast the server's wait: without the header
  -- the server waits the key's own setting (up to 900 s), and a client that
  -- gives up first has paid for a signal whose id it never learns.
  if plan.sync and headers[validate.WAIT_FIELD] == nil then
    headers[validate.WAIT_FIELD] = text_of(opts.wait or options.sync_wait)
  end
  local text
  if body then
    local problem
    text, problem = core.encode(body)
    if not text then return nil, "the JSON body cannot be encoded: " .. one_line(tostring(problem)) end
    headers["Content-Type"] = "application/json"
  end
  for name, value in pairs(opts.headers or NO_OPTIONS) do
    set_header(headers, name, tostring(value))
  end
  local timeout = opts.timeout or options.timeout
  -- API-NOTES §5.1: the server may hold a sync call for the whole wait.
  local server_wait = plan.sync and tonumber(headers[validate.WAIT_FIELD])
  if server_wait then timeout = max(timeout, server_wait + 30) end
  if #query > 0 then url = url .. "?" .. concat(query, "&") end
  return { method = op.method, url = url, headers = headers, body = text,
           timeout = timeout, connect_timeout = options.connect_timeout }, path
end

-- What hooks may see of the key: its first three and last four characters,
-- or nothing when it is too short for that to hide it.
local function redacted_authorization(api_key)
  if api_key and #api_key >= 16 then
    return "Bearer " .. sub(api_key, 1, 3) .. "…" .. sub(api_key, -4)
  end
  return "[REDACTED]"
end

local function hook_headers(headers, api_key)
  local shown = copy(headers)
  for name in pairs(shown) do
    if lower(name) == "authorization" then shown[name] = redacted_authorization(api_key) end
  end
  return shown
end

local function split_url(url)
  return match(url, "^(%a[%w+.-]*)://([^/?#]*)(.*)$")
end

-- "scheme://host:port", with the scheme's default port filled in.
local function origin_of(url)
  local scheme, authority = split_url(url)
  if not scheme then return nil end
  scheme = lower(scheme)
  authority = lower((gsub(authority, "^.*@", "")))
  local host, port = match(authority, "^(%[[^%]]*%]):?(%d*)$")
  if not host then host, port = match(authority, "^([^:]*):?(%d*)$") end
  if not host or host == "" then return nil end
  if port == "" then port = DEFAULT_PORTS[scheme] or "" end
  return scheme .. "://" .. host .. ":" .. port
end

local function resolve(base, location)
  if find(location, "^%a[%w+.-]*://") then return location end
  local scheme, authority, rest = split_url(base)
  if sub(location, 1, 2) == "//" then return scheme .. ":" .. location end
  if sub(location, 1, 1) == "/" then return scheme .. "://" .. authority .. location end
  return scheme .. "://" .. authority .. (match(rest, "^([^?#]*/)") or "/") .. location
end

-- The request a redirect asks for: 303 turns anything into a GET, 301/302
-- turn a non-GET into a GET (as browsers and curl do), 307/308 repeat it.
local function redirected(req, status, url)
  local method, body, headers = req.method, req.body, req.headers
  if (status == 303 and method ~= "HEAD")
      or ((status == 301 or status == 302) and method ~= "GET" and method ~= "HEAD") then
    method, body = "GET", nil
    headers = {}
    for name, value in pairs(req.headers) do
      if lower(name) ~= "content-type" then headers[name] = value end
    end
  end
  return { method = method, url = url, headers = headers, body = body,
           timeout = req.timeout, connect_timeout = req.connect_timeout }
end

local function transport_error(problem)
  if type(problem) == "table" then
    local kind = TRANSPORT_ERROR_KINDS[problem.kind] and problem.kind or "network"
    local message = type(problem.message) == "string" and problem.message ~= "" and problem.message
      or kind .. " error"
    return { kind = kind, message = one_line(message), code = problem.code, connected = problem.connected }
  end
  local message = problem ~= nil and tostring(problem) or ""
  return { kind = "network", message = message ~= "" and one_line(message) or "the transport failed" }
end

-- The transport's answer (`res`, or nil and `problem`: what it returned or
-- raised instead) as a response table, or nil and an error table: a custom
-- transport may raise or answer loosely, both become network errors. A
-- lent answer (the curl transport's fetch) is the core's own: its body is
-- res.payload, lent by the HTTP handle until its next request.
local function malformed(what)
  return nil, transport_error("the transport answered a malformed response: " .. what)
end

local function checked(res, problem, lent)
  if res == nil then return nil, transport_error(problem) end
  if lent then return res end
  if type(res) ~= "table" then return malformed("not a table") end
  local status, body, given = res.status, res.body, res.headers
  if type(status) ~= "number" or status ~= floor(status) or status < 100 or status > 599 then
    return malformed("the status is not an HTTP status code")
  end
  if body ~= nil and type(body) ~= "string" then return malformed("the body is not a string") end
  if given ~= nil and type(given) ~= "table" then return malformed("the headers are not a table") end
  -- Names lower-cased as the contract has them; a value that is neither a
  -- string nor a number could not be read as a header by anything after.
  local headers = {}
  for name, value in pairs(given or NO_OPTIONS) do
    if type(name) ~= "string" then return malformed("a header name is not a string") end
    if type(value) == "number" then
      value = text_of(value)
    elseif type(value) ~= "string" then
      return malformed("header " .. one_line(name) .. " is not a string")
    end
    headers[lower(name)] = value
  end
  return { status = status, headers = headers, body = body or "" }
end

-- The body as a string, made from a lent payload when first needed.
local function body_text(res)
  local body = res.body
  if body == nil then
    body = tostring(res.payload)
    res.body = body
  end
  return body
end

-- The request a redirect leads to (same origin only): nil when `res` is no
-- redirect, or nil and an error table when it is not followed.
local function follow(call, res)
  local location = REDIRECT_STATUSES[res.status] and res.headers.location
  if not location then return nil end
  local target = resolve(call.req.url, location)
  local target_origin = origin_of(target)
  local origin = origin_of(call.first.url)
  -- The key must never travel to another origin.
  if target_origin ~= origin then
    return nil, { kind = "http", status = res.status, code = "REDIRECT_NOT_FOLLOWED",
      message = format("redirect to %s not followed: another origin than %s",
        one_line(target_origin or location), origin) }
  end
  call.redirects = call.redirects + 1
  if call.redirects > MAX_REDIRECTS then
    return nil, { kind = "http", status = res.status, code = "TOO_MANY_REDIRECTS",
      message = format("more than %d redirects", MAX_REDIRECTS) }
  end
  return redirected(call.req, res.status, target)
end

-- A server or proxy may echo the request back in its error text; the key
-- must not reach an error object through that door either. Keys shorter
-- than real ones (sk_live_ and more) would only mangle ordinary words.
local MIN_SCRUBBED_KEY = 8

local function without_key(text, api_key)
  if type(text) ~= "string" or not api_key or #api_key < MIN_SCRUBBED_KEY then return text end
  local parts, from = {}, 1
  while true do
    local at, to = find(text, api_key, from, true)
    if not at then break end
    parts[#parts + 1] = sub(text, from, at - 1)
    parts[#parts + 1] = "[REDACTED]"
    from = to + 1
  end
  if from == 1 then return text end
  parts[#parts + 1] = sub(text, from)
  return concat(parts)
end

-- A copy of a body's value (details, fields) with the key out of every
-- string in it, names included.
local function scrubbed(value, api_key)
  if type(value) ~= "table" then return without_key(value, api_key) end
  local copy = {}
  for k, v in pairs(value) do copy[without_key(k, api_key)] = scrubbed(v, api_key) end
  return copy
end

-- Any field may repeat what the server sent: code, request_id, action...
local function scrub_key(err, api_key)
  for name, value in pairs(err) do err[name] = scrubbed(value, api_key) end
end

local function http_error(res)
  local err = core.classify_error(res.status, body_text(res), res.headers["content-type"])
  err.kind, err.status = "http", res.status
  -- X-Ratelimit-Reset comes with every response of a rate-limited route; it
  -- is a hint to wait only when the limit was hit.
  local reset = res.status == 429 and res.headers["x-ratelimit-reset"] or nil
  err.retry_after = core.retry_after(err.retry_after, res.headers["retry-after"], reset, time())
  return err
end

-- The result of a 2xx answer, decoded by the operation's kind.
local function decode(op, params, res)
  local body = res.body or res.payload
  local empty = #body == 0
  if res.status == 204 or (empty and op.method == "DELETE") then return true end
  if op.result == "text" then return body_text(res) end
  local value, problem
  if empty then
    problem = "the body is empty"
  elseif op.page then
    -- The request's limit and offset fill in what the envelope leaves out;
    -- a JSON null sent for either tells nothing.
    local limit, offset = params.limit, params.offset
    value, problem = core.decode_page(body, op.page, type(limit) == "number" and limit or nil,
      type(offset) == "number" and offset or 0)
  else
    value, problem = core.decode(body, op.result)
    -- Signals and research come one per response; only plain objects may
    -- come as an array (bulk assignment).
    if value ~= nil and op.result ~= "object" and type(value) ~= "userdata" then
      value, problem = nil, "expected a JSON object, got an array"
    end
  end
  if value == nil then
    return nil, { kind = "decode", status = res.status,
                  message = "cannot decode the response: " .. one_line(tostring(problem)) }
  end
  return value
end

-- The client's clock in seconds: real time, plus what its sleeps claimed
-- but did not take (a sleep that only records, in tests), so that the rate
-- limiter and the scheduler count waits in the time the client believes
-- has passed.
function request.now(client)
  return now() + client.skew
end

function request.sleep(client, seconds)
  local before = now()
  client.options.sleep(seconds)
  local taken = now() - before
  if taken < seconds then client.skew = client.skew + seconds - taken end
end

-- One call as steps: request.call runs them one exchange at a time, the
-- scheduler of concurrency.lua with many calls in flight.

-- The call in progress, or nil and the error that refuses it (nothing is sent).
function request.start(client, op, params, opts)
  if opts == nil then opts = NO_OPTIONS end
  if client.closed then return nil, invalid_request(op, "the client is closed") end
  local args = params_table(op, params)
  if not args then
    local problems = { { field = "params", message = "'params' must be a table: " .. op.name
      .. " takes no positional parameter" } }
    return nil, invalid_request(op, problems[1].message, problems)
  end
  local problems = validate.params(op, args)
  if opts ~= NO_OPTIONS and (type(opts) ~= "table" or next(opts) ~= nil) then
    for _, problem in ipairs(validate.options(op, opts)) do problems[#problems + 1] = problem end
  end
  if #problems > 0 then return nil, invalid_request(op, validate.message(problems), problems) end
  local req, path_or_reason = build(client, op, args, opts)
  if not req then
    return nil, invalid_request(op, path_or_reason, { { field = "body", message = path_or_reason } })
  end
  return { client = client, op = op, args = args, opts = opts, path = path_or_reason,
           first = req, req = req, attempt = 1, redirects = 0 }
end

-- Seconds the rate limiter wants to pass before call.req goes out (0: now).
function request.admission(call, at)
  local limiter = call.client.limiter
  if not limiter then return 0 end
  return limiter:delay(call.req.method, at)
end

-- Fires on_request and counts call.req with the rate limiter; returns it
-- for the transport.
function request.outgoing(call, at)
  local client, req = call.client, call.req
  local options = client.options
  if options.on_request then
    options.on_request{ operation = call.op.name, attempt = call.attempt, method = req.method, url = req.url,
      headers = hook_headers(req.headers, options.api_key), body = req.body,
      timeout = req.timeout, connect_timeout = req.connect_timeout }
  end
  if client.limiter then client.limiter:sent(req.method, at) end
  return req
end

-- Takes the transport's answer to call.req (`res`, or nil and `problem`)
-- and says what comes next:
--   "send"          call.req is due now (a same-origin redirect);
--   "retry", delay  call.req is due again after `delay` seconds (on_retry fired);
--   "done", value   the call's result;
--   "failed", err   the call's error object.
function request.incoming(call, res, problem, at)
  local client, op = call.client, call.op
  local options = client.options
  local err, next_req, value
  res, err = checked(res, problem, call.lent)
  if res then
    if options.on_response then
      options.on_response{ operation = op.name, attempt = call.attempt, method = call.req.method,
        url = call.req.url, status = res.status, headers = copy(res.headers), body = body_text(res) }
    end
    next_req, err = follow(call, res)
    if not next_req and not err then
      if res.status >= 200 and res.status < 300 then
        value, err = decode(op, call.args, res)
      else
        err = http_error(res)
      end
    end
  end
  if client.limiter then
    client.limiter:answered(call.req.method, res and res.headers, at,
      err and err.status == 429 and err.retry_after or nil)
  end
  if next_req then
    call.req = next_req
    return "send"
  end
  if value ~= nil then return "done", value end
  local attempt = call.attempt
  err.method, err.path, err.attempts = op.method, call.path, attempt
  err.retryable = retry.should_retry(err, op.method, call.opts.retry_unsafe)
  err.maybe_processed = retry.maybe_processed(err, op.method)
  err.connected = nil
  scrub_key(err, options.api_key)
  local max_retries = call.opts.max_retries or options.max_retries
  local delay = err.retryable and attempt <= max_retries and retry.delay(err, attempt, options)
  if not delay then return "failed", core.error(err) end
  if options.on_retry then
    options.on_retry{ operation = op.name, attempt = attempt, delay = delay, error = copy(err),
                      method = op.method, url = call.first.url }
  end
  call.attempt, call.req, call.redirects = attempt + 1, call.first, 0
  return "retry", delay
end

-- The answer to call.req will never come: the caller gave up on it.
function request.abandon(call, at)
  local limiter = call.client.limiter
  if limiter then limiter:answered(call.req.method, nil, at) end
end

function request.call(client, op, params, opts)
  local call, err = request.start(client, op, params, opts)
  if not call then return nil, err end
  local transport = client.transport
  -- The client's own transport may lend the body to the decoder rather
  -- than make a string of it; one given to signals.new answers as §7 says.
  local send = client.owns_transport and transport.fetch
  call.lent = send and true
  send = send or transport.request
  while true do
    local wait = request.admission(call, request.now(client))
    if wait > 0 then request.sleep(client, wait) end
    local ok, res, problem = pcall(send, request.outgoing(call, request.now(client)))
    if not ok then res, problem = nil, res end
    local step, outcome = request.incoming(call, res, problem, request.now(client))
    if step == "done" then return outcome end
    if step == "failed" then return nil, outcome end
    if step == "retry" then request.sleep(client, outcome) end
  end
end

return request

-- The HTTP request of a call whose parameters were validated: the path
-- with its parameters percent-encoded, the query (arrays repeat the key),
-- the JSON body, the headers (the key, the user agent, the sync wait, the
-- caller's own) and the timeouts. Nothing a caller passes can change the
-- path or add a header (CONTRACT §3).
local core = require("signals.core")
local validate = require("signals.validate")
local errors = require("signals.errors")

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local floor, abs, max = math.floor, math.abs, math.max
local byte, find, format, gsub, lower = string.byte, string.find, string.format, string.gsub, string.lower
local concat, sort = table.concat, table.sort

local build = {}

local NO_OPTIONS = {}

-- Query, path and header text of a parameter value: whole numbers without
-- the ".0" Lua 5.3+ would print for a float, booleans as true/false.
local function text_of(value)
  if type(value) == "number" and value == floor(value) and abs(value) < 2 ^ 53 then
    return format("%d", value)
  end
  return tostring(value)
end

build.text_of = text_of

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
-- sends a body, its path in pieces, the positional field, its query
-- fields' names percent-encoded, and whether its request carries nothing
-- but the path (`plain`: a get by id).
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

-- The parameters of a call as a table: a method whose only required field
-- is a path parameter also takes it positionally; nil when `params` is
-- neither a table nor such a value.
function build.params(op, params)
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

function build.request(client, op, params, opts)
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
    if not text then return nil, "the JSON body cannot be encoded: " .. errors.one_line(tostring(problem)) end
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

return build

-- What came back, shaped: the transport's answer checked into a response
-- table (or an error table), a 2xx body decoded by the operation's kind, a
-- non-2xx answer classified into an error table (CONTRACT §5, §9).
local core = require("signals.core")
local build = require("signals.build")
local errors = require("signals.errors")

local type, pairs, tostring = type, pairs, tostring
local floor = math.floor
local lower = string.lower

local answer = {}

local NO_HEADERS = {}

local function malformed(what)
  return nil, errors.transport("the transport answered a malformed response: " .. what)
end

--- The transport's answer (`res`, or nil and `problem`: what it returned or
-- raised instead) as a response table, or nil and an error table: a custom
-- transport may raise or answer loosely, both become network errors. A
-- lent answer (the curl transport's fetch) is the core's own: its body is
-- res.payload, lent by the HTTP handle until its next request.
function answer.checked(res, problem, lent)
  if res == nil then return nil, errors.transport(problem) end
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
  for name, value in pairs(given or NO_HEADERS) do
    if type(name) ~= "string" then return malformed("a header name is not a string") end
    if type(value) == "number" then
      value = build.text_of(value)
    elseif type(value) ~= "string" then
      return malformed("header " .. errors.one_line(name) .. " is not a string")
    end
    headers[lower(name)] = value
  end
  return { status = status, headers = headers, body = body or "" }
end

--- The body as a string, made from a lent payload when first needed.
function answer.body_text(res)
  local body = res.body
  if body == nil then
    body = tostring(res.payload)
    res.body = body
  end
  return body
end

--- The error table of a non-2xx answer; `now` is the client's clock, for a
-- Retry-After date.
function answer.http_error(res, now)
  local err = core.classify_error(res.status, answer.body_text(res), res.headers["content-type"])
  err.kind, err.status = "http", res.status
  -- X-Ratelimit-Reset comes with every response of a rate-limited route; it
  -- is a hint to wait only when the limit was hit.
  local reset = res.status == 429 and res.headers["x-ratelimit-reset"] or nil
  err.retry_after = core.retry_after(err.retry_after, res.headers["retry-after"], reset, now)
  return err
end

--- The result of a 2xx answer, decoded by the operation's kind, or nil and
-- an error table of kind decode.
function answer.decode(op, params, res)
  local body = res.body or res.payload
  local empty = #body == 0
  if res.status == 204 or (empty and op.method == "DELETE") then return true end
  if op.result == "text" then return answer.body_text(res) end
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
                  message = "cannot decode the response: " .. errors.one_line(tostring(problem)) }
  end
  return value
end

return answer

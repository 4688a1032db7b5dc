-- Refuses a call before anything is sent. Parameters are checked against
-- their operation's fields (operations.lua carries every constraint) and the
-- per-call options against what a call accepts. Each check returns the list
-- of problems found, { field =, message = } in a stable order; an empty list
-- means the call may go. Values never appear in messages: they may be secrets
-- (webhookSecret) or carry line breaks.
local core = require("signals.core")

local type, pairs, ipairs, tostring, tonumber, select = type, pairs, ipairs, tostring, tonumber, select
local floor, huge = math.floor, math.huge
local find, match, gsub, lower, rep, format = string.find, string.match, string.gsub,
  string.lower, string.rep, string.format
local concat, sort = table.concat, table.sort

local null = core.null

local validate = {}

-- The per-call header fields of the sync endpoints; `opts.wait` fills it.
validate.WAIT_FIELD = "X-Sbr-Timeout-Sec"

-- Set per request by the client itself; a caller overriding them could send
-- the key elsewhere or corrupt the framing.
local RESERVED_HEADERS = { authorization = true, host = true, ["content-length"] = true }

local HEX = "[0-9a-f]"
local UUID = "^" .. rep(HEX, 8) .. "%-" .. rep(HEX, 4) .. "%-" .. rep(HEX, 4) .. "%-"
  .. rep(HEX, 4) .. "%-" .. rep(HEX, 12) .. "$"

local function is_uuid(s)
  return find(s, UUID) ~= nil
end

local HOSTNAME_MESSAGE = "must be a valid hostname without protocol or path (e.g. acme.com)"

local function has_value(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

-- UTF-8 characters: every byte that is not a continuation byte starts one.
local function char_count(s)
  return select(2, gsub(s, "[^\128-\191]", ""))
end

local function has_cr_lf_nul(s)
  return find(s, "\r", 1, true) or find(s, "\n", 1, true) or find(s, "\0", 1, true)
end

-- API-NOTES §1: dot-separated labels of letters, digits and inner hyphens, at
-- most 63 characters each.
local function is_hostname(s)
  if s == "" then return false end
  for label in (s .. "."):gmatch("(.-)%.") do
    if #label > 63 or not (find(label, "^[A-Za-z0-9]$")
        or find(label, "^[A-Za-z0-9][A-Za-z0-9%-]*[A-Za-z0-9]$")) then
      return false
    end
  end
  return true
end

-- RFC 3339 date-time: 2024-01-15T10:30:00Z, fractions and offsets allowed.
local function is_date_time(s)
  local month, day, hour, minute, second, rest =
    match(s, "^%d%d%d%d%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(.*)$")
  if not month then return false end
  rest = gsub(rest, "^%.%d+", "", 1)
  if not (rest == "Z" or rest == "z" or find(rest, "^[%+%-][01]%d:[0-5]%d$")) then return false end
  month, day = tonumber(month), tonumber(day)
  return month >= 1 and month <= 12 and day >= 1 and day <= 31 and tonumber(hour) <= 23
    and tonumber(minute) <= 59 and tonumber(second) <= 60
end

-- Named checks that fields refer to with `pattern = "..."`.
local PATTERNS = {
  domain = { test = is_hostname, message = HOSTNAME_MESSAGE },
  -- The email finder tolerates a trailing dot (and `www.`, already a hostname).
  mail_domain = { test = function(s) return is_hostname((gsub(s, "%.$", ""))) end,
                  message = HOSTNAME_MESSAGE },
  uuid = { test = is_uuid, message = "must be a UUID (8-4-4-4-12 lower-case hex digits)" },
}

-- CONTRACT §9: ids other than signalId only need to be non-empty and free of
-- control characters; path parameters are ids whatever their name.
local function is_id(name, location)
  return location == "path" or name == "id" or find(name, "Ids?$") ~= nil
end

local function is_array(value)
  local count = 0
  for _ in pairs(value) do count = count + 1 end
  return count == #value
end

local function text_problem(rule, name, location, value)
  if is_id(name, location) then
    if value == "" then return "must not be empty" end
    if find(value, "%c") then return "must not contain control characters" end
  end
  local pattern = PATTERNS[rule.pattern]
  if pattern and not pattern.test(value) then return pattern.message end
  if rule.enum and not has_value(rule.enum, value) then
    return "must be one of: " .. concat(rule.enum, ", ")
  end
  if rule.min_length and char_count(value) < rule.min_length then
    return format("must be at least %d characters long", rule.min_length)
  end
  if rule.max_length and char_count(value) > rule.max_length then
    return format("must be at most %d characters long", rule.max_length)
  end
  if rule.type == "dateTime" and not is_date_time(value) then
    return "must be an RFC 3339 date-time (e.g. 2024-01-15T10:30:00Z)"
  end
  return nil
end

local function is_finite(v)
  return type(v) == "number" and v == v and v ~= huge and v ~= -huge
end

local function number_problem(rule, value)
  if not is_finite(value) then return "must be a number" end
  if rule.integer and value ~= floor(value) then return "must be an integer" end
  if (rule.min and value < rule.min) or (rule.max and value > rule.max) then
    if rule.min and rule.max then
      return format("must be between %d and %d", rule.min, rule.max)
    elseif rule.min then
      return format("must be at least %d", rule.min)
    end
    return format("must be at most %d", rule.max)
  end
  return nil
end

local value_problem

local function array_problem(rule, name, location, value)
  if type(value) ~= "table" or not is_array(value) then return "must be an array" end
  if rule.max_items and #value > rule.max_items then
    return format("must have at most %d items", rule.max_items)
  end
  for i, item in ipairs(value) do
    local problem = value_problem(rule.items, name, location, item)
    if problem then return format("item %d %s", i, problem) end
  end
  return nil
end

local SCALAR = { string = true, number = true, boolean = true }

-- The problem with one value under `rule` (a field, or an array's `items`),
-- or nil. `location` is where the value travels: path, query, header, body.
function value_problem(rule, name, location, value)
  -- A UUID has no byte any other check of its field could refuse (each of
  -- those scans costs as much as the UUID's own: some 160 instructions a
  -- character), and get_signal, the call that polls, takes one.
  if rule.pattern == "uuid" and type(value) == "string" and is_uuid(value) then return nil end
  if value == null then
    -- JSON null is meaningful only in a body ("send null to clear").
    if location == "body" then return nil end
    return "must not be null outside a JSON body"
  end
  if type(value) == "string" and location ~= "body" and has_cr_lf_nul(value) then
    return "must not contain CR, LF or NUL"
  end
  local kind = rule.type
  if kind == "string" or kind == "dateTime" or kind == "options" then
    -- Header options are the strings "true"/"false"; a Lua boolean means the same.
    if kind == "options" and type(value) == "boolean" and rule.enum
        and has_value(rule.enum, tostring(value)) then
      return nil
    end
    if type(value) ~= "string" then return "must be a string" end
    return text_problem(rule, name, location, value)
  elseif kind == "number" then
    return number_problem(rule, value)
  elseif kind == "boolean" then
    if type(value) ~= "boolean" then return "must be a boolean" end
  elseif kind == "object" then
    if type(value) ~= "table" then return "must be a table (JSON object)" end
  elseif kind == "scalar" then
    if not SCALAR[type(value)] then return "must be a string, number or boolean" end
  elseif kind == "json" then
    if rule.items then
      -- A repeatable query parameter also takes a single value.
      if location == "query" and type(value) ~= "table" then
        return value_problem(rule.items, name, location, value)
      end
      return array_problem(rule, name, location, value)
    end
    if type(value) ~= "table" and not SCALAR[type(value)] then
      return "must be a JSON value (table, string, number or boolean)"
    end
  end
  return nil
end

-- A name as it can be shown: one line, whatever the caller used as a key.
local function printable(name)
  return (gsub(tostring(name), "%c", "?"))
end

local function add(problems, field, message)
  problems[#problems + 1] = { field = field, message = "'" .. field .. "' " .. message }
end

-- Whether the operation sends a JSON body; `opts.extra` goes there when it
-- does, to the query otherwise (CONTRACT §9).
function validate.has_body(op)
  for _, field in ipairs(op.fields) do
    if field.location == "body" then return true end
  end
  return false
end

-- The names of each operation's fields, as a set made on first use (the
-- operations never change).
local field_names = {}

local function names_of(op)
  local names = field_names[op]
  if not names then
    names = {}
    for _, field in ipairs(op.fields) do names[field.name] = true end
    field_names[op] = names
  end
  return names
end

function validate.params(op, params)
  local problems, known = {}, names_of(op)
  for _, field in ipairs(op.fields) do
    local value = params[field.name]
    if value == nil then
      if field.required then
        add(problems, field.name, "is required")
      elseif field.required_unless and params[field.required_unless] == nil then
        add(problems, field.name, "is required unless '" .. field.required_unless .. "' is given")
      end
    else
      local problem = value_problem(field, field.name, field.location, value)
      if problem then add(problems, field.name, problem) end
    end
  end
  local unknown
  for name in pairs(params) do
    if not known[name] then
      unknown = unknown or {}
      unknown[#unknown + 1] = printable(name)
    end
  end
  if unknown then
    sort(unknown)
    for _, name in ipairs(unknown) do
      add(problems, name, "is not a field of " .. op.name .. " (opts.extra passes unlisted fields)")
    end
  end
  return problems
end

-- The operation's field of that name, or nil.
function validate.field(op, name)
  for _, field in ipairs(op.fields) do
    if field.name == name then return field end
  end
  return nil
end

-- Kinds of option values (client options, per-call options, helper options).
local SETTING_KINDS = {
  positive = { test = function(v) return is_finite(v) and v > 0 end, expected = "a positive number" },
  duration = { test = function(v) return is_finite(v) and v >= 0 end, expected = "a non-negative number" },
  count = { test = function(v) return is_finite(v) and v >= 0 and v == floor(v) end,
            expected = "a non-negative integer" },
  positive_integer = { test = function(v) return is_finite(v) and v >= 1 and v == floor(v) end,
                       expected = "a positive integer" },
  sync_wait = { test = function(v) return is_finite(v) and v >= 1 and v <= 900 and v == floor(v) end,
                expected = "an integer between 1 and 900 (seconds)" },
  boolean = { test = function(v) return type(v) == "boolean" end, expected = "a boolean" },
  string = { test = function(v) return type(v) == "string" end, expected = "a string" },
  table = { test = function(v) return type(v) == "table" end, expected = "a table" },
  ["function"] = { test = function(v) return type(v) == "function" end, expected = "a function" },
  transport = { test = function(v) return type(v) == "table" and type(v.request) == "function" end,
                expected = "a table with a request function" },
  -- Checked by the call the option is handed to.
  any = { test = function() return true end },
}

-- Checks a table of options against `spec` (option name -> kind). `prefix`
-- qualifies the names in the problems ("opts" gives 'opts.timeout').
function validate.settings(spec, options, prefix)
  local problems = {}
  local function label(name)
    name = printable(name)
    return prefix and prefix .. "." .. name or name
  end
  if type(options) ~= "table" then
    add(problems, prefix or "options", "must be a table")
    return problems
  end
  local names = {}
  for name in pairs(options) do names[#names + 1] = name end
  sort(names, function(a, b) return tostring(a) < tostring(b) end)
  for _, name in ipairs(names) do
    local kind = SETTING_KINDS[spec[name]]
    if not kind then
      add(problems, label(name), "is not an option")
    elseif not kind.test(options[name]) then
      add(problems, label(name), "must be " .. kind.expected)
    end
  end
  return problems
end

local CALL_OPTIONS = { timeout = "positive", max_retries = "count", retry_unsafe = "boolean",
  headers = "table", wait = "any", extra = "table" }

local EXTRA_RULES = {
  body = { type = "json" },
  query = { type = "json", items = { type = "scalar" } },
}

local function check_headers(problems, headers)
  for name, value in pairs(headers) do
    local label = "opts.headers." .. printable(name)
    if type(name) ~= "string" or not find(name, "^[%w!#%$%%&'%*%+%-%.%^_`|~]+$") then
      add(problems, label, "is not a valid header name")
    elseif RESERVED_HEADERS[lower(name)] then
      add(problems, label, "cannot be set per call")
    elseif type(value) ~= "string" and type(value) ~= "number" then
      add(problems, label, "must be a string")
    elseif has_cr_lf_nul(tostring(value)) then
      add(problems, label, "must not contain CR, LF or NUL")
    end
  end
end

local function check_extra(problems, op, extra)
  local location = validate.has_body(op) and "body" or "query"
  for name, value in pairs(extra) do
    local label = "opts.extra." .. printable(name)
    if type(name) ~= "string" or name == "" then
      add(problems, label, "must be keyed by field name")
    else
      local problem = value_problem(EXTRA_RULES[location], name, location, value)
      if problem then add(problems, label, problem) end
    end
  end
end

-- Per-call options (CONTRACT §3): timeout, max_retries, headers, wait, extra,
-- retry_unsafe.
function validate.options(op, opts)
  local problems = validate.settings(CALL_OPTIONS, opts, "opts")
  if #problems > 0 then return problems end
  if opts.wait ~= nil then
    local field = validate.field(op, validate.WAIT_FIELD)
    local problem = field and value_problem(field, "wait", field.location, opts.wait)
      or not field and "applies only to the sync operations"
    if problem then add(problems, "opts.wait", problem) end
  end
  if opts.headers then check_headers(problems, opts.headers) end
  if opts.extra then check_extra(problems, op, opts.extra) end
  return problems
end

-- The one-line message of a validation error: the first problem, and how
-- many more there are.
function validate.message(problems)
  local message = problems[1].message
  if #problems > 1 then
    message = format("%s (and %d more problem%s)", message, #problems - 1, #problems > 2 and "s" or "")
  end
  return message
end

return validate

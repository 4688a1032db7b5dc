-- The answer cache (client option `cache = { store = s, ttl = 43200 }`):
-- completed signals kept in a store under what defines their answer, so
-- that asking again, in this process or any other sharing the store,
-- sends nothing, takes no rate-limit token and spends no credit.
--
-- What defines an answer: the kind (company or contact: the sync and async
-- creates of a kind share their answers), and every body field of the
-- create but `webhookUrl` and `forceRefresh` (the subject, question or
-- template, answerType, outputSchema, and the rest), plus `opts.extra`, in
-- canonical JSON (keys sorted), hashed with the API key's id. A domain is
-- compared without regard to case; an absent answerType is `open_text`.
-- The JSON is what the request sends (numbers exactly, `{}` and `[]`
-- apart), so that requests the API tells apart never share an answer.
-- Only completed signals are kept; failed and processing ones never. A
-- signal created processing is kept when this client later reads it
-- completed (get_signal, wait, run_signal). `forceRefresh = true` (a
-- parameter or in `opts.extra`) skips the lookup (the API's own cache too)
-- and keeps the fresh answer.
local core = require("signals.core")
local validate = require("signals.validate")
local store = require("signals.store")
local time = require("signals.time")

local type, pairs, ipairs = type, pairs, ipairs
local format, byte, lower, gsub = string.format, string.byte, string.lower, string.gsub
local concat, sort = table.concat, table.sort

local cache = {}

local OPEN_BRACKET = byte("[")

-- API-NOTES §4.4: the API keeps answers 12 hours.
cache.DEFAULT_TTL = 43200

local SETTINGS = { store = "any", ttl = "positive" }

-- The creates whose answers are kept, by kind; the reads that may see a
-- signal created processing complete.
local CREATES = { create_signal = "company", create_company_signal_sync = "company",
                  create_contact_signal = "contact", create_contact_signal_sync = "contact" }
local READS = { get_signal = true, get_contact_signal = true }

-- Fields that do not change the answer.
local IGNORED = { webhookUrl = true, forceRefresh = true }

-- Signals created processing whose answer this client waits to keep: at
-- most this many (the oldest are forgotten).
local MAX_PENDING = 1000

-- The problems with the `cache` option: nil or false (no cache), or a
-- table with a store.
function cache.problems(settings)
  if settings == nil or settings == false then return {} end
  if type(settings) ~= "table" then
    return { { field = "cache", message = "'cache' must be a table ({ store = s, ttl = seconds }) or false" } }
  end
  local problems = validate.settings(SETTINGS, settings, "cache")
  if #problems == 0 then
    local problem = store.problem(settings.store)
    if problem then problems[1] = { field = "cache.store", message = "'cache.store' " .. problem } end
  end
  return problems
end

-- The client's cache state, or nil for none. `guard`: the store as
-- store.guard wraps it; `key_id`: the API key's id.
function cache.new(settings, guard, key_id)
  if not settings then return nil end
  return { guard = guard, ttl = settings.ttl or cache.DEFAULT_TTL, prefix = "answer:" .. key_id .. ":",
           pending = {}, order = {}, first = 1, last = 0 }
end

-- Canonical JSON: the text core.encode writes for the request (the same
-- numbers, exactly; an empty table marked as object `{}`, else `[]`), with
-- every object's members sorted, so that equal parameters give equal text
-- whatever order a table was built in. `text` is core.encode's for `value`
-- (its first byte tells array from object, as the request will have it).
local function canonical(value, text)
  if type(value) ~= "table" then return text end
  local out = {}
  if byte(text, 1) == OPEN_BRACKET then
    for i, item in ipairs(value) do out[i] = canonical(item, core.encode(item)) end
    return "[" .. concat(out, ",") .. "]"
  end
  for k, v in pairs(value) do
    -- A table marked as object writes its integer keys as strings.
    local name = type(k) == "string" and core.encode(k) or format('"%d"', k)
    out[#out + 1] = name .. ":" .. canonical(v, core.encode(v))
  end
  sort(out)
  return "{" .. concat(out, ",") .. "}"
end

local function hex(s)
  return (gsub(s, ".", function(c) return format("%02x", byte(c)) end))
end

-- The store key of the answer to a create, from its validated parameters
-- (the body fields, then opts.extra over them, as build.request writes the
-- body), or nil when the body cannot be encoded (the call will be refused).
local function key_of(state, op, kind, params, opts)
  local fields = core.mark({}, "object")
  for _, field in ipairs(op.fields) do
    local name = field.name
    if field.location == "body" and not IGNORED[name] and params[name] ~= nil then
      fields[name] = params[name]
    end
  end
  for name, value in pairs(opts and opts.extra or {}) do
    if not IGNORED[name] then fields[name] = value end
  end
  if fields.answerType == nil then fields.answerType = "open_text" end
  if type(fields.domain) == "string" then fields.domain = lower(fields.domain) end
  local text = core.encode(fields)
  if not text then return nil end
  text = kind .. "\n" .. canonical(fields, text)
  return state.prefix .. hex(core.hmac_sha256("signals answer cache", text))
end

-- Whether the request asks the API for a fresh answer: forceRefresh as it
-- is sent (opts.extra's over the parameter's).
local function refreshing(params, opts)
  local extra = opts and opts.extra
  if extra and extra.forceRefresh ~= nil then return extra.forceRefresh == true end
  return params.forceRefresh == true
end

-- Keeps a completed signal for what is left of the TTL since it completed
-- (an answer the API served from its own cache may be hours old already).
local function keep(state, key, signal)
  local ttl = state.ttl
  local completed = time.unix(signal.completedAt)
  if completed then
    local age = core.now() - completed
    if age > 0 then ttl = ttl - age end
  end
  if ttl >= 1 then state.guard:set(key, signal:json(), ttl) end
end

local function remember(state, id, key)
  if state.pending[id] then return end
  state.pending[id] = key
  state.last = state.last + 1
  state.order[state.last] = id
  if state.last - state.first >= MAX_PENDING then
    state.pending[state.order[state.first]] = nil
    state.order[state.first] = nil
    state.first = state.first + 1
  end
end

local function params_valid(op, params, opts)
  if type(params) ~= "table" then return false end
  if #validate.params(op, params) > 0 then return false end
  return opts == nil or (type(opts) == "table" and #validate.options(op, opts) == 0)
end

-- Runs one operation call through the cache: `send(client, op, params,
-- opts)` makes the call when the cache has no answer for it. A call the
-- client would refuse is sent on to be refused, never answered from here.
function cache.call(client, op, params, opts, send)
  local state = client.cache
  local kind = state and CREATES[op.name]
  if not kind then
    local value, err = send(client, op, params, opts)
    if state and READS[op.name] and core.kind(value) == "signal" and value.status == "completed" then
      local key = state.pending[value.id]
      if key then
        state.pending[value.id] = nil
        keep(state, key, value)
      end
    end
    return value, err
  end
  if not params_valid(op, params, opts) then return send(client, op, params, opts) end
  local key = key_of(state, op, kind, params, opts)
  if not key then return send(client, op, params, opts) end
  if not refreshing(params, opts) then
    local text = state.guard:get(key)
    local hit = text and core.decode(text, "signal")
    if core.kind(hit) == "signal" and hit.status == "completed" then return hit end
  end
  local value, err = send(client, op, params, opts)
  if core.kind(value) == "signal" then
    if value.status == "completed" then
      keep(state, key, value)
    elseif value.status == "processing" and type(value.id) == "string" then
      remember(state, value.id, key)
    end
  end
  return value, err
end

return cache

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
-- Only completed signals are kept; failed and processing ones never. A
-- signal created processing is kept when this client later reads it
-- completed (get_signal, wait, run_signal). `forceRefresh = true` skips the
-- lookup (the API's own cache too) and keeps the fresh answer.
local core = require("signals.core")
local validate = require("signals.validate")
local store = require("signals.store")
local time = require("signals.time")

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local floor = math.floor
local format, byte, lower, gsub = string.format, string.byte, string.lower, string.gsub
local concat, sort = table.concat, table.sort

local cache = {}

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

-- Canonical JSON: object keys sorted, so that equal parameters give equal
-- text whatever order a table was built in.
local canonical

local function is_array(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

function canonical(value, out)
  local kind = type(value)
  if kind == "table" then
    if is_array(value) then
      out[#out + 1] = "["
      for i, item in ipairs(value) do
        if i > 1 then out[#out + 1] = "," end
        canonical(item, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(value) do keys[#keys + 1] = tostring(k) end
      sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = core.encode(k)
        out[#out + 1] = ":"
        local v = value[k]
        if v == nil then v = value[tonumber(k)] end
        canonical(v, out)
      end
      out[#out + 1] = "}"
    end
  elseif kind == "number" then
    out[#out + 1] = (value == floor(value) and value > -2 ^ 53 and value < 2 ^ 53) and format("%d", value)
      or format("%.17g", value)
  else
    out[#out + 1] = core.encode(value) or "null"
  end
  return out
end

local function hex(s)
  return (gsub(s, ".", function(c) return format("%02x", byte(c)) end))
end

-- The store key of the answer to a create, from its validated parameters.
local function key_of(state, op, kind, params, opts)
  local fields = {}
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
  local text = kind .. "\n" .. concat(canonical(fields, {}))
  return state.prefix .. hex(core.hmac_sha256("signals answer cache", text))
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
  if params.forceRefresh ~= true then
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

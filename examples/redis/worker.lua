-- The worker of the Redis pattern: Redis scripts (examples/redis/enqueue.lua)
-- queue API calls in the stream signals:requests; this process, a plain Lua
-- program with signals, reads them as a member of a consumer group, makes
-- each call, pushes the answer to the list signals:reply:<id> and
-- acknowledges the request. Run as many workers as needed: the group hands
-- each request to one of them. A worker that dies leaves its requests
-- pending; on restart it answers them first.
--
--   SABER_API_KEY=sk_live_... REDIS_PORT=6379 lua5.4 examples/redis/worker.lua [--drain]
--
-- --drain: answer what is queued, then exit (cron-style) instead of waiting.
-- A reply is {"id":..., "ok":true, "result":<the API's JSON>} or
-- {"id":..., "ok":false, "error":{kind, status, code, message, retryable, ...}}.
local here = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path

local signals = require("signals")
local json = require("dkjson")
local resp = require("resp")

local unpack = table.unpack or unpack

local STREAM, GROUP = "signals:requests", "signals-workers"
local REPLY_PREFIX, REPLY_TTL = "signals:reply:", 3600
local BLOCK_MS = 5000

-- What a script may ask for: creating and reading signals, not deleting.
local ALLOWED = { run_signal = true, create_signal = true, get_signal = true, list_signals = true,
  create_contact_research = true, get_contact_research = true, get_credits = true }

local drain = arg and arg[1] == "--drain"
local consumer = os.getenv("WORKER_NAME") or "worker-1"

local redis = assert(resp.connect(os.getenv("REDIS_HOST") or "127.0.0.1",
  tonumber(os.getenv("REDIS_PORT")) or 6379, BLOCK_MS / 1000 + 30))
local created, problem = redis:call("XGROUP", "CREATE", STREAM, GROUP, "0", "MKSTREAM")
if not created and not problem:find("BUSYGROUP", 1, true) then error(problem) end

local client = signals.new{ timeout = 150 }   -- api_key, base_url from the environment

-- JSON objects stay objects when sent on (an empty {} is not an array).
local function mark_objects(value)
  if type(value) ~= "table" then return value end
  for k, v in pairs(value) do value[k] = mark_objects(v) end
  local meta = getmetatable(value)
  if meta and meta.__jsontype == "object" then return signals.object(value) end
  return value
end

local function failure(id, err)
  return json.encode{ id = id, ok = false, error = {
    kind = err.kind, status = err.status, code = err.code, message = err.message,
    retryable = err.retryable, retry_after = err.retry_after, request_id = err.request_id } }, false
end

-- The reply to one request (JSON text), and whether the call succeeded.
local function answer(id, fields)
  local op = fields.op
  if not ALLOWED[op] then
    return failure(id, { kind = "invalid_request", message = "operation not allowed: " .. tostring(op) })
  end
  local params, _, bad = json.decode(fields.params or "{}", 1, signals.null)
  if type(params) ~= "table" then
    return failure(id, { kind = "invalid_request", message = "the parameters are not a JSON object: "
      .. tostring(bad) })
  end
  local result, err = client[op](client, mark_objects(params))
  if result == nil then return failure(id, err) end
  local text = type(result) == "userdata" and result:json() or json.encode(result)
  return string.format('{"id":%s,"ok":true,"result":%s}', json.encode(id), text), true
end

-- Answer and acknowledge together, so that an answered request is never
-- answered twice.
local function reply(id, text)
  local key = REPLY_PREFIX .. id
  assert(redis:call("MULTI"))
  assert(redis:call("RPUSH", key, text))
  assert(redis:call("EXPIRE", key, REPLY_TTL))
  assert(redis:call("XACK", STREAM, GROUP, id))
  assert(redis:call("EXEC"))
end

-- "0": this consumer's pending requests (read before a crash), then ">":
-- new ones.
local from = "0"
while true do
  local read = { "XREADGROUP", "GROUP", GROUP, consumer, "COUNT", "16" }
  if from == ">" and not drain then
    read[#read + 1] = "BLOCK"
    read[#read + 1] = BLOCK_MS
  end
  read[#read + 1] = "STREAMS"
  read[#read + 1] = STREAM
  read[#read + 1] = from
  local streams = assert(redis:call(unpack(read)))
  local entries = streams ~= resp.null and streams[1][2] or {}
  if #entries == 0 then
    if from == ">" and drain then break end
    from = ">"
  end
  for _, entry in ipairs(entries) do
    local id, fields = entry[1], resp.fields(entry[2])
    local text, ok = answer(id, fields)
    reply(id, text)
    print(id .. " " .. tostring(fields.op) .. (ok and " ok" or " failed"))
  end
end

redis:close()
client:close()

-- Runs inside Redis (EVAL, or SCRIPT LOAD then EVALSHA): queues one call of
-- the Saber Signals API for a worker running signals
-- (examples/redis/worker.lua). A Redis script cannot make the call itself:
-- it has no network, no require and cannot load C code, and it must not
-- block the server while the API answers.
--
--   KEYS[1]  the request stream, signals:requests
--   ARGV[1]  the operation: run_signal, create_signal, get_signal, ...
--   ARGV[2]  its parameters, a JSON object
--
-- Returns the request's id; the worker pushes the answer to the list
-- signals:reply:<id> (BLPOP it).
local op, params = ARGV[1], ARGV[2] or "{}"
if type(op) ~= "string" or not string.match(op, "^[%l_]+$") then
  return redis.error_reply("ERR signals: an operation name such as run_signal is expected")
end
local ok, decoded = pcall(cjson.decode, params)
if not ok or type(decoded) ~= "table" then
  return redis.error_reply("ERR signals: the parameters must be a JSON object")
end
-- At most ~100 000 requests are kept: old acknowledged ones are trimmed.
return redis.call("XADD", KEYS[1], "MAXLEN", "~", "100000", "*", "op", op, "params", params)

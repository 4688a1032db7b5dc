-- Runs inside Redis (EVAL, or SCRIPT LOAD then EVALSHA): queues one call of
-- the Saber Signals API for the workers of signals.queue
-- (examples/redis/worker.lua), in the stream layout that module documents.
-- A Redis script cannot make the call itself: it has no network, no
-- require and cannot load C code, and it must not block the server while
-- the API answers.
--
--   KEYS[1]  the queue's stream, signals:jobs
--   ARGV[1]  the operation: run_signal, create_signal, get_signal, ...
--   ARGV[2]  its parameters, a JSON object
--
-- Returns the job's id; its result comes to the list <stream>:result:<id>
-- as "<kind>\n<JSON>" (LINDEX it, or q:result(id) in Lua).
local op, params = ARGV[1], ARGV[2] or "{}"
if type(op) ~= "string" or not string.match(op, "^[%l_]+$") then
  return redis.error_reply("ERR signals: an operation name such as run_signal is expected")
end
local ok, decoded = pcall(cjson.decode, params)
if not ok or type(decoded) ~= "table" then
  return redis.error_reply("ERR signals: the parameters must be a JSON object")
end
-- No MAXLEN: the stream holds only jobs not yet answered (workers delete
-- the ones they finish), and trimming would lose some.
return redis.call("XADD", KEYS[1], "*", "op", op, "params", params)

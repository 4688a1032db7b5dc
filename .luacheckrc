-- luacheck over lua/, spec/, bin/, bench/ and examples/ (`make lint`, run by
-- .ci/run). The code runs on Lua 5.1 to 5.4 and LuaJIT: "max" knows the
-- globals of all of them. Each environment's own globals are named where
-- that environment's code lives.
std = "max"
max_line_length = 120
-- A method's self may go unused (a class's methods share one shape).
self = false

-- busted's describe/it/assert... in the specs and their support files.
-- Specs read fields for their effect (`local _ = obj.id, obj:value()`) and
-- keep objects alive in tables only the collector looks at (`kept`); their
-- expected JSON and messages make long lines.
files["spec"] = { std = "+busted", ignore = { "531", "241/kept" }, max_line_length = 160 }

-- OpenResty: the nginx transport, the shared-dict store, the nginx example
-- and the Lua that the nginx specs and benches hand to nginx.
files["lua/signals/transports/ngx.lua"] = { read_globals = { "ngx" } }
files["lua/signals/store/shdict.lua"] = { read_globals = { "ngx" } }
files["examples/openresty"] = { read_globals = { "ngx" } }
files["spec/support/limit_run.lua"] = { read_globals = { "ngx" } }
files["bench"] = { read_globals = { "ngx" } }

-- LÖVE's callbacks are globals the program defines.
files["examples/love"] = { globals = { "love" } }

-- A script that runs inside Redis (EVAL): its environment's globals.
files["examples/redis/enqueue.lua"] = { read_globals = { "redis", "KEYS", "ARGV", "cjson" } }

-- One row per operation, as the registry has them: a row is read whole.
files["lua/signals/operations.lua"] = { max_line_length = false }

-- What the rows measured against signals-mock share (bench/concurrency.lua,
-- bench/ratelimit.lua): the mock bench/run.lua started ($SIGNALS_BENCH_MOCK)
-- or, for a run by hand from the repository root, one of their own;
-- clients of it; and the `ROW|<name>|<value>|<unit>|<note>` lines
-- bench/run.lua collects. The paths bench/run.lua sets (LUA_PATH,
-- LUA_CPATH) come first; the ones added here serve a run by hand.
package.path = package.path .. ";lua/?.lua;lua/?/init.lua;spec/?.lua"
package.cpath = package.cpath .. ";build/lua5.4/?.so"

local helper = require("helper")
local signals = require("signals")
local core = require("signals.core")

local mock_rows = { mock = helper.mock_at(os.getenv("SIGNALS_BENCH_MOCK")) }

-- Seconds `run` takes with a new client of the mock (closed afterwards),
-- and what it returns; `options` are more of the client's.
function mock_rows.timed(run, options)
  local settings = { api_key = helper.API_KEY, base_url = mock_rows.mock.url }
  for name, value in pairs(options or {}) do settings[name] = value end
  local client = signals.new(settings)
  local start = core.now()
  local result = run(client)
  local elapsed = core.now() - start
  client:close()
  return elapsed, result
end

-- How many results of client:all are error objects.
function mock_rows.errors(results)
  local n = 0
  for _, result in ipairs(results) do
    if signals.kind(result) == "error" then n = n + 1 end
  end
  return n
end

function mock_rows.row(name, value, unit, note)
  print(string.format("ROW|%s|%s|%s|%s", name, value, unit, note))
end

return mock_rows

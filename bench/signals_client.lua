-- The signals rows: Lua 5.4 and the client under test against nginx.
--   lua5.4 bench/signals_client.lua BASE_URL page|signal full|lazy COUNT ROUNDS
-- page: client:list_signals{ limit = 25 }; signal: client:get_signal(id).
-- full reads every field of every signal, lazy only id, status, :value().
local signals = require("signals")
local walk = require("walk")
local rounds = require("rounds")
local fixtures = require("fixtures")

local base_url, what, how = arg[1], arg[2], arg[3]
local count, n = rounds.args(3)
local client = signals.new { api_key = "sk_bench", base_url = base_url }

local function fetch()
  local result, err
  if what == "signal" then
    result, err = client:get_signal(fixtures.SIGNAL_ID)
  else
    result, err = client:list_signals { limit = 25 }
  end
  if not result then error(tostring(err)) end
  return result
end

local function items(page) return page.items end

rounds.run(count, n, walk.reader(what, how, fetch, items))
client:close()

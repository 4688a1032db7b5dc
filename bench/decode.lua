-- The decode-only rows: a page decoded from memory, no HTTP.
--   lua5.4 bench/decode.lua FILE core-full|core-lazy|cjson COUNT ROUNDS
local walk = require("walk")
local rounds = require("rounds")

local path, how = arg[1], arg[2]
local count, n = rounds.args(2)
local f = assert(io.open(path, "rb"))
local body = f:read("a")
f:close()

local once
if how == "cjson" then
  local cjson = require("cjson")
  once = function()
    local page = cjson.decode(body)
    return walk.full(page, page.results)
  end
else
  local core = require("signals.core")
  local lazy = how == "core-lazy"
  once = function()
    local page = assert(core.decode_page(body, "signal", 25, 0))
    if lazy then return walk.lazy(page.items) end
    return walk.full(page, page.items)
  end
end

rounds.run(count, n, once)

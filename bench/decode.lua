-- The decode-only rows: a page decoded from memory, no HTTP.
--   lua5.4 bench/decode.lua FILE core-full|core-lazy|cjson COUNT ROUNDS
local walk = require("walk")
local rounds = require("rounds")

local path, how = arg[1], arg[2]
local count, n = rounds.args(2)
local f = assert(io.open(path, "rb"))
local body = f:read("a")
f:close()

local decode, items
if how == "cjson" then
  local cjson = require("cjson")
  decode = function() return cjson.decode(body) end
  items = function(page) return page.results end
else
  local core = require("signals.core")
  decode = function() return assert(core.decode_page(body, "signal", 25, 0)) end
  items = function(page) return page.items end
end

rounds.run(count, n, walk.reader("page", how == "core-lazy" and "lazy" or "full", decode, items))

-- The Lua peer: what a script without signals does. luasocket with a raw
-- HTTP/1.1 keep-alive loop, lua-cjson decoding into tables, every field read.
-- Runs on Lua 5.4 and on LuaJIT.
--   lua bench/peer.lua HOST PORT PATH page|signal COUNT ROUNDS
local socket = require("socket")
local cjson = require("cjson")
local walk = require("walk")
local rounds = require("rounds")

local host, port, path, what = arg[1], tonumber(arg[2]), arg[3], arg[4]
local count, n = rounds.args(4)
local request = "GET " .. path .. " HTTP/1.1\r\nHost: " .. host .. "\r\nAccept: application/json\r\n\r\n"
local conn = assert(socket.connect(host, port))
conn:setoption("tcp-nodelay", true)

local function fetch()
  assert(conn:send(request))
  local status = assert(conn:receive("*l"))
  if not status:find("^HTTP/1%.1 200") then error(status) end
  local length
  while true do
    local line = assert(conn:receive("*l"))
    if line == "" then break end
    local value = line:match("^[Cc]ontent%-[Ll]ength:%s*(%d+)")
    if value then length = tonumber(value) end
  end
  local body = assert(conn:receive(length))
  return cjson.decode(body)
end

local function items(page) return page.results end

rounds.run(count, n, walk.reader(what, "full", fetch, items))
conn:close()

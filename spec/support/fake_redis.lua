-- A fake Redis for the specs (support/redis.lua): reads each command whole,
-- then answers by its mode. Usage: fake_redis.lua PORT MODE
local socket = require("socket")

local port, mode = tonumber(arg[1]), arg[2]
local ANSWERS = { garbage = "%what is this\r\n", wrong = "*1\r\n$5\r\nhello\r\n" }

-- Modes whose first answer (of all connections) is hostile and the rest
-- "+second": what a client reads next tells whether it dropped the rest.
local FIRST = {
  -- A bulk length no receive pattern takes, then what must never be read.
  huge_length = "$9223372036854775807\r\n+LEFTOVER\r\n",
  -- 300000 nested arrays.
  deep = string.rep("*1\r\n", 300000) .. ":1\r\n+LEFTOVER\r\n",
  -- 600 MB announced, 3 bytes sent.
  long_bulk = "$600000000\r\nabc",
  -- A negative length other than -1 (null).
  negative = "*-5\r\n+LEFTOVER\r\n",
}
local answered = 0

local server = assert(socket.bind("127.0.0.1", port))

-- One command: "*N" then N bulk strings. False when the peer went away.
local function read_command(conn)
  local head = conn:receive("*l")
  local count = head and tonumber(head:match("^%*(%d+)$"))
  if not count then return false end
  for _ = 1, count do
    local size = tonumber((conn:receive("*l") or ""):match("^%$(%d+)$"))
    if not size or not conn:receive(size + 2) then return false end
  end
  return true
end

while true do
  local conn = server:accept()
  conn:settimeout(60)
  while read_command(conn) do
    if mode == "stall" then
      socket.sleep(30)
    elseif mode == "close" then
      break
    elseif FIRST[mode] then
      answered = answered + 1
      conn:send(answered == 1 and FIRST[mode] or "+second\r\n")
    else
      conn:send(ANSWERS[mode])
    end
  end
  conn:close()
end

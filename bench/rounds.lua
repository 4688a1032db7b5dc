-- The measuring loop every Lua row shares: one untimed call first (it
-- opens the connection and warms caches, and happens at COUNT 0 as well, so
-- callgrind's (Ir at COUNT - Ir at 0) / COUNT is the steady state), then
-- ROUNDS rounds of COUNT calls, printing "RATE <best calls per second>".
local gettime = require("socket").gettime

local rounds = {}

-- The count and rounds from the command line (after `skip` other arguments).
function rounds.args(skip)
  local count = tonumber(arg[skip + 1])
  local n = tonumber(arg[skip + 2])
  if not count or not n then
    io.stderr:write("usage: ... COUNT ROUNDS\n")
    os.exit(2)
  end
  return count, n
end

function rounds.run(count, n, once)
  local sink = once()
  local best = 0
  if count > 0 then
    for _ = 1, n do
      local start = gettime()
      for _ = 1, count do sink = sink + once() end
      local rate = count / (gettime() - start)
      if rate > best then best = rate end
    end
  end
  io.write(string.format("RATE %.1f\n", best))
  if sink == 0 then io.write("(empty walk)\n") end
end

return rounds

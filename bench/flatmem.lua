-- The flat-memory row: iterate signals from signals-mock with paginate,
-- reading every field, and report the peak RSS of the process.
--   lua5.4 bench/flatmem.lua MOCK_URL DOMAIN ITEMS
-- Prints "PEAK_KIB <VmHWM>" and "ITEMS <signals iterated>".
local signals = require("signals")
local walk = require("walk")

local url, domain, wanted = arg[1], arg[2], tonumber(arg[3])
local client = signals.new { api_key = "sk_bench", base_url = url }

local seen, sink = 0, 0
for sig in client:paginate("list_signals", { domain = domain, limit = 25 }) do
  sink = sink + walk.signal(sig)
  seen = seen + 1
  if seen >= wanted then break end
end
client:close()

local f = assert(io.open("/proc/self/status"))
local status = f:read("a")
f:close()
io.write("PEAK_KIB ", status:match("VmHWM:%s*(%d+)"), "\n")
io.write("ITEMS ", seen, "\n")
if sink == 0 then io.write("(empty walk)\n") end

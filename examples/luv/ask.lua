-- signals driven by libuv's event loop (luv, the binding Neovim uses):
-- the calls are started with client:start, and a repeating timer of the
-- loop calls client:step(0), which never waits, so that the loop goes on
-- serving everything else meanwhile. Here "everything else" is a heartbeat
-- timer: the report says how late it ever was, the proof that nothing
-- blocked the loop.
--
--   SABER_BASE_URL=http://127.0.0.1:8080 SABER_API_KEY=sk_test lua5.4 examples/luv/ask.lua [COUNT]
--
-- Debian's lua-luv serves Lua 5.1 to 5.4 and LuaJIT. Each question carries
-- signals-mock's [delay:MS] marker (200 to 1000 ms; the API ignores it).
-- The exit status is 0 when every question got its answer.
local uv = require("luv")
local signals = require("signals")

local COUNT = tonumber(arg and arg[1]) or 20
local STEP_MS = 5        -- how often the loop lets signals move its calls on
local HEARTBEAT_MS = 10  -- the rest of the program

local client = signals.new{ timeout = 30 }   -- api_key and base_url from the environment
local answers, failures = 0, {}
local steps, longest_step, latest = 0, 0, 0

for i = 1, COUNT do
  local delay = 200 + math.floor((i - 1) * 800 / math.max(1, COUNT - 1))
  client:start("run_signal", {
    domain = "company-" .. i .. ".example",
    question = string.format("Are they hiring? [delay:%d]", delay),
    answerType = "boolean",
  }, { on_done = function(sig, err)
    if sig then answers = answers + 1 else failures[#failures + 1] = tostring(err) end
  end })
end

local started = uv.hrtime()
local heartbeat = uv.new_timer()
local last_beat = uv.hrtime()
heartbeat:start(HEARTBEAT_MS, HEARTBEAT_MS, function()
  local now = uv.hrtime()
  -- How much later than due this beat came, in ms.
  latest = math.max(latest, (now - last_beat) / 1e6 - HEARTBEAT_MS)
  last_beat = now
end)

local stepper = uv.new_timer()
stepper:start(0, STEP_MS, function()
  local before = uv.hrtime()
  local in_flight = client:step(0)
  longest_step = math.max(longest_step, (uv.hrtime() - before) / 1e6)
  steps = steps + 1
  if in_flight == 0 then
    stepper:close()
    heartbeat:close()
    client:close()
  end
end)

uv.run()   -- returns once both timers are closed

print(string.format("answers %d of %d", answers, COUNT))
for _, failure in ipairs(failures) do print("failed: " .. failure) end
print(string.format("steps %d in %.2f s", steps, (uv.hrtime() - started) / 1e9))
print(string.format("longest step %.2f ms, heartbeat at most %.2f ms late", longest_step, latest))
os.exit(answers == COUNT and 0 or 1)

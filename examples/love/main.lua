-- A LÖVE 11 program that asks signals-mock (or the API) 50 questions while
-- its frames go on: every call is started at once with client:start, and
-- love.update calls client:step(0) once per frame, which never waits. It
-- counts the frames that ran while answers were outstanding, prints a
-- report when the last answer came, and quits (status 0 when every
-- question got its answer).
--
--   make LUA=luajit build            # LÖVE runs LuaJIT: the module built for it
--   SIGNALS_TREE=$PWD SABER_BASE_URL=http://127.0.0.1:8080 SABER_API_KEY=sk_test love examples/love
--
-- SIGNALS_TREE names a source tree of signals built with LUA=luajit: its
-- lua/ and build/luajit/ are put in front of package.path and
-- package.cpath. Without it, signals is looked up where `make install
-- LUA=luajit` puts it (/usr/local/share/lua/5.1, /usr/local/lib/lua/5.1),
-- which LÖVE searches by default. SIGNALS_COUNT changes the number of
-- questions. Each question carries signals-mock's [delay:MS] marker, so
-- that the answers take 200 to 1000 ms (the API ignores it). Asked again
-- soon after, a question is answered from the API's (and the mock's)
-- cache at once.
local tree = os.getenv("SIGNALS_TREE")
if tree and tree ~= "" then
  package.path = tree .. "/lua/?.lua;" .. tree .. "/lua/?/init.lua;" .. package.path
  package.cpath = tree .. "/build/luajit/?.so;" .. package.cpath
end

local signals = require("signals")
local core = require("signals.core")

local COUNT = tonumber(os.getenv("SIGNALS_COUNT")) or 50
local TIME_LIMIT = 30 -- seconds: give up and say so

local client
local answers, failures = 0, {}
local frames, in_flight_frames, longest_step = 0, 0, 0
local started_at

local function say(...)
  io.stdout:write(string.format(...), "\n")
  io.stdout:flush()
end

function love.load()
  client = signals.new{ timeout = 30 }   -- api_key and base_url from the environment
  started_at = love.timer.getTime()
  for i = 1, COUNT do
    local delay = 200 + math.floor((i - 1) * 800 / math.max(1, COUNT - 1))
    client:start("run_signal", {
      domain = "company-" .. i .. ".example",
      question = string.format("Are they hiring? [delay:%d]", delay),
      answerType = "boolean",
    }, { on_done = function(sig, err)
      if sig then
        answers = answers + 1
      else
        failures[#failures + 1] = tostring(err)
      end
    end })
  end
  say("started %d calls in %.1f ms", COUNT, (love.timer.getTime() - started_at) * 1000)
end

local function report()
  local elapsed = love.timer.getTime() - started_at
  say("answers %d of %d", answers, COUNT)
  for _, failure in ipairs(failures) do say("failed: %s", failure) end
  say("frames %d, while calls were in flight %d", frames, in_flight_frames)
  say("longest step %.2f ms (a frame at 60 Hz: 16.7 ms)", longest_step * 1000)
  say("elapsed %.2f s", elapsed)
end

function love.update()
  frames = frames + 1
  local before = core.now()
  local in_flight = client:step(0)
  local took = core.now() - before
  if took > longest_step then longest_step = took end
  if in_flight > 0 then in_flight_frames = in_flight_frames + 1 end
  if in_flight == 0 or love.timer.getTime() - started_at > TIME_LIMIT then
    report()
    love.event.quit(answers == COUNT and 0 or 1)
  end
end

function love.quit()
  client:close()
end

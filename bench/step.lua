-- The step latency row of `make bench`: what one client:step(0) costs a
-- host's frame. CALLS run_signal calls are started at once against
-- signals-mock, answering after 200 to 1000 ms ([delay:MS]); a frame loop
-- then calls client:step(0) every FRAME_PAUSE seconds until every answer
-- came, timing each step. Each of ROUNDS rounds has a new client, so that
-- each begins by connecting its calls (a step sends 16 new requests at
-- most, so the first steps each open up to 16 connections). The figure is
-- the longest single step, as a share of a 16.7 ms frame (60 Hz); the
-- note gives the longest once every request was sent, and the 99th
-- percentile of those.
--
--   lua5.4 bench/step.lua     (from the repository root; see bench/mock_rows.lua)
package.path = package.path .. ";bench/?.lua"
local mock_rows = require("mock_rows")
local helper = require("helper")
local core = require("signals.core")

local CALLS = 100
local ROUNDS = 5
local FRAME = 1 / 60
local FRAME_PAUSE = 0.001

local mock = mock_rows.mock
local now = core.now

local all, connected = {}, {}

local function round()
  mock:reset{ delay_ms = 0 }
  local answers, sent = 0, 0
  mock_rows.timed(function(client)
    for i = 1, CALLS do
      local delay = 200 + math.floor((i - 1) * 800 / (CALLS - 1))
      client:start("run_signal", { domain = "company-" .. i .. ".example",
        question = string.format("Are they hiring? [delay:%d]", delay), answerType = "boolean" },
        { on_done = function(sig) if sig then answers = answers + 1 end end })
    end
    repeat
      local sending = sent < CALLS
      local before = now()
      local in_flight = client:step(0)
      local took = now() - before
      all[#all + 1] = took
      if not sending then connected[#connected + 1] = took end
      helper.sleep(FRAME_PAUSE)
    until in_flight == 0
  end, { on_request = function() sent = sent + 1 end })
  assert(answers == CALLS, answers .. " answers of " .. CALLS)
end

for _ = 1, ROUNDS do round() end
table.sort(all)
table.sort(connected)
local longest = all[#all]
mock_rows.row(string.format("step latency: longest client:step(0), %d run_signal in flight", CALLS),
  string.format("%.2f", longest * 1000), "ms",
  string.format("%.1f%% of a 16.7 ms frame; once all were sent: longest %.2f ms, p99 %.3f ms; "
    .. "%d steps in %d rounds", longest / FRAME * 100, connected[#connected] * 1000,
    connected[math.ceil(#connected * 0.99)] * 1000, #all, ROUNDS))

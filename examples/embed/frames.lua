-- The script examples/embed/frames.c runs: it starts COUNT questions
-- (arg[1], default 20) with client:start and hands the client back to the
-- host, whose frame loop calls client:step(0); then the host calls the
-- report function returned beside it. Each question carries signals-mock's
-- [delay:MS] marker (200 to 1000 ms; the API ignores it).
local signals = require("signals")

local COUNT = tonumber(arg[1]) or 20

local client = signals.new{ timeout = 30 }   -- api_key, base_url from the environment
local answers, failures = 0, {}

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

local function report()
  print(string.format("answers %d of %d", answers, COUNT))
  for _, failure in ipairs(failures) do print("failed: " .. failure) end
  client:close()
  return answers == COUNT
end

return client, report

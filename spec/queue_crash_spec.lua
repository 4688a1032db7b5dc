-- The crash test of signals.queue, short (support/crash.lua; `make
-- crash-test` runs the full one): workers killed with SIGKILL at random
-- moments and restarted; every job answered exactly once, nothing left
-- pending, and one create per job in the mock's log plus the re-creates
-- retryable failures call for.
local helper = require("helper")
local redis = require("support.redis")
local crash = require("support.crash")

describe("signals.queue under SIGKILL", function()
  local server = redis.for_block()
  if not server then return end

  it("answers every job once and pays for each signal once", function()
    local figures = crash.run{ jobs = 200, workers = 4, kills = 6, mock = helper.mock(),
      redis_port = server.port, inspect = server.inspect, idle_reclaim = 1, deadline = 60 }
    io.write("\n[crash] ", crash.summary(figures), "\n")
    assert.are.same({}, figures.off)
    assert.are.same({ answered = 200, twice = 0, wrong = 0, pending = 0, dead = 0, creates = 220 },
      { answered = figures.answered, twice = figures.twice, wrong = figures.wrong, pending = figures.pending,
        dead = figures.dead, creates = figures.creates })
    assert.are.equal(6, figures.kills)
  end)
end)

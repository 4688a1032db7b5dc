--- Progress of a long command (`signals batch`), on standard error: a bar
-- redrawn in place on a terminal, plain lines at every tenth otherwise (a
-- log or a CI job should not fill with carriage returns).
-- @module signals.cli.progress
local floor, max, min = math.floor, math.max, math.min
local format, rep = string.format, string.rep
local execute = os.execute

local progress = {}

local BAR_WIDTH = 30

--- Whether standard error is a terminal.
function progress.stderr_is_terminal()
  local status = execute("test -t 2")
  return status == true or status == 0
end

--- A function(done, total) that reports progress under `label` to `out`,
-- as a bar when `bar` is true, else as lines.
function progress.new(label, out, bar)
  local last_done, last_step = -1, -1
  return function(done, total)
    if done == last_done then return end
    last_done = done
    if bar then
      local filled = total > 0 and floor(BAR_WIDTH * done / total) or BAR_WIDTH
      out:write(format("\r%-10s [%s%s] %d/%d", label, rep("#", filled), rep(".", BAR_WIDTH - filled),
        done, total))
      if done >= total then out:write("\n") end
      out:flush()
      return
    end
    local step = total > 0 and floor(10 * min(done, total) / total) or 10
    if step > last_step or done >= total then
      last_step = max(step, last_step)
      out:write(format("%s: %d/%d\n", label, done, total))
      out:flush()
    end
  end
end

return progress

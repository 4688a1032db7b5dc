-- busted output handler: the plain terminal output, then one closing line
-- "N passed, N failed[, N skipped]" that CI and people read the count from.
-- Errors (a spec that raised) count as failed: they are failures to pass.
return function(options)
  local busted = require("busted")
  local handler = require("busted.outputHandlers.plainTerminal")(options)

  busted.subscribe({ "suite", "end" }, function()
    local failed = handler.failuresCount + handler.errorsCount
    local line = string.format("%d passed, %d failed", handler.successesCount, failed)
    if handler.pendingsCount > 0 then
      line = line .. string.format(", %d skipped", handler.pendingsCount)
    end
    io.write(line, "\n")
    io.flush()
    return nil, true
  end)

  return handler
end

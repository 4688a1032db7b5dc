-- client:all and client:wait_all (CONTRACT §7, §9): many calls at once, at
-- most `concurrency` requests in flight, results in input order.
--
-- Each entry is a job of the client's engine (engine.lua), in a group of
-- its own with that limit: the calls of client:start, and those of the
-- engine's other groups, go on meanwhile. wait_all is client:wait itself,
-- many times over (an error object in its list kept as it is). What is left here is checking the arguments and making
-- the entries' tasks.
local core = require("signals.core")
local validate = require("signals.validate")
local errors = require("signals.errors")
local engine = require("signals.engine")

local type, pairs = type, pairs
local format = string.format

local concurrency = {}

local DEFAULT_CONCURRENCY = 8
local OPTIONS = { concurrency = "positive_integer", on_progress = "function", on_result = "function" }

local function invalid(message, field)
  return errors.invalid(message, { { field = field, message = message } })
end

-- The options of all / wait_all proper; the rest (wait_all) are for each job.
local function own_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then return nil, invalid("'opts' must be a table", "opts") end
  local own = { concurrency = opts.concurrency, on_progress = opts.on_progress, on_result = opts.on_result }
  local problems = validate.settings(OPTIONS, own, "opts")
  if #problems > 0 then return nil, errors.refused(problems) end
  return own
end

local function run(client, operations, tasks, own)
  return engine.run_group(client, operations, tasks, own.concurrency or DEFAULT_CONCURRENCY, own.on_progress,
    own.on_result)
end

function concurrency.all(client, operations, calls, opts)
  local own, err = own_options(opts)
  if not own then return nil, err end
  if type(calls) ~= "table" then return nil, invalid("'calls' must be an array", "calls") end
  local tasks = {}
  for i = 1, #calls do
    local entry, field = calls[i], format("calls[%d]", i)
    local name = type(entry) == "table" and entry[1]
    if not operations[name] then
      tasks[i] = invalid(type(name) == "string"
        and format("'%s' names no operation: %s", field, name)
        or format("'%s' must be { \"operation_name\", params, opts }", field), field)
    else
      local params, call_opts = entry[2], entry[3]
      tasks[i] = function(view) return view[name](view, params, call_opts) end
    end
  end
  return run(client, operations, tasks, own)
end

function concurrency.wait_all(client, operations, targets, opts)
  local own, err = own_options(opts)
  if not own then return nil, err end
  if type(targets) ~= "table" then
    return nil, invalid("'signals' must be an array of signals or ids", "signals")
  end
  local wait_opts = {}
  for name, value in pairs(opts or {}) do
    if OPTIONS[name] == nil then wait_opts[name] = value end
  end
  -- An error object in the list (a create that failed, from client:all)
  -- stays in its place: the caller sees why there was nothing to wait for.
  local tasks = {}
  for i = 1, #targets do
    local target = targets[i]
    if core.kind(target) == "error" then
      tasks[i] = function() return nil, target end
    else
      tasks[i] = function(view) return view:wait(target, wait_opts) end
    end
  end
  return run(client, operations, tasks, own)
end

return concurrency

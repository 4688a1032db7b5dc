--- `signals batch`: one question about many companies, asked concurrently.
--
-- Every domain's signal is created (client:all, `--concurrency` in flight),
-- then waited for (client:wait_all); signals that failed with
-- retryable = true are asked again, up to `--attempts` in all, as
-- client:run_signal does for one. Progress goes to standard error, the
-- table of answers to standard output.
-- @module signals.cli.batch
local core = require("signals.core")
local retry = require("signals.retry")
local convert = require("signals.cli.convert")

local ipairs, tostring, tonumber, error = ipairs, tostring, tonumber, error
local max = math.max
local open, stdin = io.open, io.stdin

local batch = {}

local DEFAULT_TIMEOUT = 300
local DEFAULT_ATTEMPTS = 3

local function read_domains(ctx, path)
  local file = stdin
  if path and path ~= "-" then
    local problem
    file, problem = open(path, "r")
    if not file then ctx.usage_error("cannot read the domains: " .. tostring(problem)) end
  end
  local domains = {}
  for line in file:lines() do
    local domain = line:gsub("#.*", ""):match("^%s*(.-)%s*$")
    if domain ~= "" then domains[#domains + 1] = domain end
  end
  if file ~= stdin then file:close() end
  if #domains == 0 then ctx.usage_error("no domains to ask about: give one per line") end
  return domains
end

-- The results of calls ({ operation, params }), in order: objects or error
-- objects. Options all refuses (a --concurrency of 0) raise their error.
local function run_calls(ctx, calls, label)
  local results, err = ctx.client:all(calls, { concurrency = ctx.args.concurrency,
                                               on_progress = ctx.progress(label) })
  if not results then error(err, 0) end
  return results
end

-- The signals in their final state, in order, or error objects (a timeout
-- carries the last state seen).
local function wait_signals(ctx, signals, label, timeout)
  -- By id: each wait then asks at once, rather than first sleeping a poll
  -- interval on the state seen at creation, long gone by now.
  local ids = {}
  for i, sig in ipairs(signals) do ids[i] = sig.id end
  local results, err = ctx.client:wait_all(ids, { timeout = timeout, concurrency = ctx.args.concurrency,
                                                  on_progress = ctx.progress(label) })
  if not results then error(err, 0) end
  return results
end

local function is_error(value)
  return core.kind(value) == "error"
end

-- One round: asks about every row's domain and waits for the answers.
local function ask(ctx, args, rows, label, timeout)
  local calls = {}
  for i, row in ipairs(rows) do
    calls[i] = { "create_signal", { domain = row.domain, question = args.question, answerType = args.answer_type } }
  end
  local created = run_calls(ctx, calls, label)
  local processing, waiting = {}, {}
  for i, row in ipairs(rows) do
    local result = created[i]
    if is_error(result) then
      row.signal, row.error = nil, result
    else
      row.signal, row.error = result, nil
      if result.status == "processing" then
        processing[#processing + 1] = result
        waiting[#waiting + 1] = row
      end
    end
  end
  if #processing == 0 then return end
  local finished = wait_signals(ctx, processing, "answering", timeout)
  for i, row in ipairs(waiting) do
    local result = finished[i]
    if is_error(result) then
      row.error, row.signal = result, result.signal or row.signal
    else
      row.signal = result
    end
  end
end

local function answer_of(row)
  local sig = row.signal
  if sig and sig.status == "completed" then return sig:value() end
end

local function problem_of(row)
  if row.error then return row.error.message end
  local sig = row.signal
  if sig and sig.status == "failed" then
    return tostring(sig.errorCode or "failed") .. (sig.error and (": " .. tostring(sig.error)) or "")
  end
end

local ROW_COLUMNS = {
  { "domain" },
  { "status", get = function(row)
      if row.error and row.error.kind ~= "timeout" then return "error" end
      return row.signal and row.signal.status
    end },
  { "answer", get = answer_of },
  { "confidence", get = function(row) return row.signal and row.signal.confidence end },
  { "id", get = function(row) return row.signal and row.signal.id end },
  { "error", get = problem_of },
}

local function row_json(row)
  if row.signal then return row.signal:json() end
  local err = row.error
  return core.encode{ domain = row.domain,
    error = { kind = err.kind, status = err.status, code = err.code, message = err.message } }
end

-- The worst outcome decides: an API or network error (3), then a refused
-- domain (2), then a failed signal (1).
local function exit_code(ctx, rows)
  local code, counts = 0, { completed = 0, failed = 0, errors = 0 }
  for _, row in ipairs(rows) do
    if row.error then
      code = max(code, ctx.exit_code(row.error))
      counts.errors = counts.errors + 1
    elseif row.signal.status == "failed" then
      code = max(code, 1)
      counts.failed = counts.failed + 1
    else
      counts.completed = counts.completed + 1
    end
  end
  return code, counts
end

local function run(ctx, args)
  local domains = read_domains(ctx, args.file)
  local timeout = args.timeout or DEFAULT_TIMEOUT
  local attempts = args.attempts or DEFAULT_ATTEMPTS
  local rows = {}
  for i, domain in ipairs(domains) do rows[i] = { domain = domain } end
  local todo = rows
  for attempt = 1, attempts do
    ask(ctx, args, todo, attempt == 1 and "asking" or "asking again", timeout)
    local again = {}
    for _, row in ipairs(todo) do
      local sig = row.signal
      if not row.error and sig.status == "failed" and sig.retryable == true then again[#again + 1] = row end
    end
    if #again == 0 or attempt == attempts then break end
    ctx.client.options.sleep(retry.backoff(attempt, ctx.client.options))
    todo = again
  end
  local i = 0
  ctx.printer:many(ROW_COLUMNS, function() i = i + 1 return rows[i] end, nil, row_json)
  local code, counts = exit_code(ctx, rows)
  ctx.stderr:write(("%d domains: %d completed, %d failed, %d errors\n"):format(
    #rows, counts.completed, counts.failed, counts.errors))
  return code
end

--- The command's spec (see signals.cli.commands).
batch.spec = { name = "batch", summary = "Ask one question about many companies, concurrently.",
  description = "Ask one question about every domain of a file (one per line, # comments) or of "
    .. "standard input, several at a time, and print a table of the answers. Signals that fail "
    .. "with retryable=true are asked again (--attempts). Progress goes to standard error: "
    .. "a bar on a terminal, a line per tenth otherwise.",
  define = function(command)
    command:argument("file", "File of domains; - or none: standard input."):args("?")
    command:option("-q --question", "The question."):argname("<text>"):count(1)
    command:option("-t --answer-type", "Answer type (default open_text)."):argname("<type>")
    command:option("-c --concurrency", "Requests in flight (default 8)."):argname("<n>")
      :convert(convert.positive_integer):default("8")
    command:option("--timeout", "Seconds to wait for the answers (default " .. DEFAULT_TIMEOUT .. ")."):argname("<s>")
      :convert(convert.seconds)
    command:option("--attempts", "How many times to ask when a signal fails retryably (default "
      .. DEFAULT_ATTEMPTS .. ")."):argname("<n>"):convert(convert.positive_integer)
  end,
  run = run,
}

return batch

--- `signals batch`: one question about many companies, through the API's
-- batch create (client:ask_many: a hundred signals a call, the answers
-- collected with reads, signals that failed with retryable = true asked
-- again, up to `--attempts` in all). Progress goes to standard error, the
-- table of answers to standard output.
--
-- `--state FILE` keeps the ids of the signals created, a line each as
-- they come, so that a run cut short and started again with the same
-- arguments waits for them rather than paying for them again. The file
-- starts with a header naming the run (a digest of the API's address, the
-- question, the answer type and the domains in order); a file of another
-- run, or one that is not such a file, is refused (usage error), never
-- ignored or overwritten.
-- @module signals.cli.batch
local core = require("signals.core")
local convert = require("signals.cli.convert")

local type, ipairs, tostring, tonumber, error = type, ipairs, tostring, tonumber, error
local max = math.max
local byte, format, gsub, match = string.byte, string.format, string.gsub, string.match
local open, stdin = io.open, io.stdin

local batch = {}

local DEFAULT_TIMEOUT = 300
local DEFAULT_ATTEMPTS = 3
local STATE_MAGIC = "signals-batch-state 1 "
-- A line: a result index and the id of its signal, a lower-case UUID as
-- the API gives.
local STATE_LINE = ("^(%d+) (H8%-H4%-H4%-H4%-H12)$"):gsub("H(%d+)", function(n) return ("[0-9a-f]"):rep(n) end)

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

-- The state file's header: what makes two runs the same one.
local function state_header(ctx, args, domains)
  local inputs = core.encode{ ctx.client.options.base_url, args.question, args.answer_type or core.null, domains }
  local digest = gsub(core.hmac_sha256("signals batch state", inputs), ".", function(c)
    return format("%02x", byte(c))
  end)
  return STATE_MAGIC .. digest
end

-- The ids an earlier run wrote to the state file at `path` (index -> id,
-- a later line for an index winning: a signal asked again), and a function
-- recording each new one. A missing or empty file starts a new run.
local function open_state(ctx, path, header, count)
  local ids = {}
  local refuse = function(why) ctx.usage_error(format("the state file %s %s", path, why)) end
  local file = open(path, "rb")
  local text = file and file:read("*a") or ""
  if file then file:close() end
  if text ~= "" then
    if text:sub(-1) ~= "\n" then refuse("is corrupt: its last line is incomplete") end
    -- signals batch ends its lines with LF alone: a CR is an edit.
    if text:find("\r", 1, true) then refuse("is corrupt: its lines end in CR LF (was it edited?)") end
    local n = 0
    for line in text:gmatch("([^\n]*)\n") do
      n = n + 1
      if n == 1 then
        if line ~= header then
          if line:sub(1, #STATE_MAGIC) == STATE_MAGIC then
            refuse("belongs to another run (another question, answer type, domain list or API): "
              .. "give another --state file, or remove this one to start afresh")
          end
          refuse("is not a state file of signals batch")
        end
      else
        local index, id = match(line, STATE_LINE)
        index = tonumber(index)
        if not index or index < 1 or index > count then
          refuse(format("is corrupt at line %d: expected '<index> <signal id>'", n))
        end
        ids[index] = id
      end
    end
  end
  local problem
  file, problem = open(path, "ab")
  if not file then ctx.usage_error("cannot write the state file: " .. tostring(problem)) end
  if text == "" then
    file:write(header, "\n")
    file:flush()
  end
  return ids, file, function(index, id)
    file:write(index, " ", id, "\n")
    file:flush()
  end
end

local function is_error(value)
  return core.kind(value) == "error"
end

local function is_rejected(err)
  return err.kind == "http" and err.code == "REJECTED"
end

-- ask_many refused an id of the state file: its signal is about another
-- domain or question.
local function is_misplaced(err)
  local field = err.kind == "invalid_request" and err.fields and err.fields[1] and err.fields[1].field
  return type(field) == "string" and match(field, "^opts%.created%[") ~= nil
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
      if row.error and row.error.kind ~= "timeout" then return is_rejected(row.error) and "rejected" or "error" end
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

-- The worst outcome decides: an API or network error (3), then a domain
-- refused (2: by the API too, as a rejected item), then a failed signal (1).
local function exit_code(ctx, rows)
  local code, counts = 0, { completed = 0, failed = 0, errors = 0 }
  for _, row in ipairs(rows) do
    if row.error then
      code = max(code, is_rejected(row.error) and 2 or ctx.exit_code(row.error))
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
  local created, state, record
  if args.state then
    created, state, record = open_state(ctx, args.state, state_header(ctx, args, domains), #domains)
  end
  local results, err = ctx.client:ask_many(
    { domains = domains, questions = { { question = args.question, answerType = args.answer_type } } },
    { concurrency = args.concurrency, timeout = args.timeout or DEFAULT_TIMEOUT, interval = args.interval,
      max_attempts = args.attempts or DEFAULT_ATTEMPTS, on_progress = ctx.progress("answers"),
      created = created, on_created = record })
  if state then state:close() end
  if not results then error(err, 0) end
  local rows = {}
  for i, domain in ipairs(domains) do
    local result = results[i]
    if is_error(result) then
      -- a timeout carries the last state seen
      rows[i] = { domain = domain, error = result, signal = result.signal }
    else
      rows[i] = { domain = domain, signal = result }
    end
  end
  local i = 0
  ctx.printer:many(ROW_COLUMNS, function() i = i + 1 return rows[i] end, nil, row_json)
  local code, counts = exit_code(ctx, rows)
  for index, row in ipairs(rows) do
    if row.error and is_misplaced(row.error) then
      ctx.stderr:write(format("signals: the state file %s is damaged: the id it holds for domain %d (%s) "
        .. "is a signal about another domain or question; remove that line, or the file, to ask again\n",
        args.state, index, row.domain))
    end
  end
  for _, extra in ipairs(results.unmatched or {}) do
    ctx.stderr:write("signals: the API also created ", tostring(extra.id or extra.signal and extra.signal.id),
      ", which matches no domain asked\n")
  end
  ctx.stderr:write(("%d domains: %d completed, %d failed, %d errors\n"):format(
    #rows, counts.completed, counts.failed, counts.errors))
  return code
end

--- The command's spec (see signals.cli.commands).
batch.spec = { name = "batch", summary = "Ask one question about many companies, concurrently.",
  description = "Ask one question about every domain of a file (one per line, # comments) or of "
    .. "standard input through the API's batch create (a hundred a call), and print a table of "
    .. "the answers. A domain given twice is asked once. Signals that fail with retryable=true "
    .. "are asked again (--attempts). A domain the API rejects is a usage error (exit 2). "
    .. "Progress goes to standard error: a bar on a terminal, a line per tenth otherwise. "
    .. "With --state FILE the ids of the signals created are kept in FILE as they come: run the "
    .. "same command again after an interruption and they are waited for, not paid for again "
    .. "(a FILE of another run is refused).",
  define = function(command)
    command:argument("file", "File of domains; - or none: standard input."):args("?")
    command:option("-q --question", "The question."):argname("<text>"):count(1)
    command:option("-t --answer-type", "Answer type (default open_text)."):argname("<type>")
    command:option("-c --concurrency", "Requests in flight (default 8)."):argname("<n>")
      :convert(convert.positive_integer):default("8")
    command:option("--timeout", "Seconds to wait for the answers (default " .. DEFAULT_TIMEOUT .. ")."):argname("<s>")
      :convert(convert.seconds)
    command:option("--interval", "Seconds between two reads of a signal still processing (default 2)."):argname("<s>")
      :convert(convert.positive_seconds)
    command:option("--attempts", "How many times to ask when a signal fails retryably (default "
      .. DEFAULT_ATTEMPTS .. ")."):argname("<n>"):convert(convert.positive_integer)
    command:option("--state", "File keeping the ids created, to resume an interrupted run."):argname("<file>")
  end,
  run = run,
}

return batch

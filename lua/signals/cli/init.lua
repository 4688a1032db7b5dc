--- The `signals` command-line tool: argument parsing (lua-argparse), the
-- client, the output format and the exit code around the commands of
-- signals.cli.commands and signals.cli.batch.
--
-- Exit codes, for scripts to branch on: 0 done; 1 a signal (or research)
-- failed; 2 a usage error (bad arguments, or parameters the client refused
-- before sending); 3 an API or network error; 130 interrupted (Ctrl-C).
-- @module signals.cli
local argparse = require("argparse")
local signals = require("signals")
local output = require("signals.cli.output")
local progress = require("signals.cli.progress")
local commands = require("signals.cli.commands")
local convert = require("signals.cli.convert")

local type, ipairs, tostring, pcall, xpcall, error, setmetatable, getmetatable =
  type, ipairs, tostring, pcall, xpcall, error, setmetatable, getmetatable
local find = string.find
local traceback = debug.traceback
local stdout, stderr = io.stdout, io.stderr

local cli = {}

--- Exit codes.
cli.DONE, cli.FAILED, cli.USAGE, cli.ERROR, cli.INTERRUPTED = 0, 1, 2, 3, 130

--- The exit code for an error object: 1 for a failed signal, 2 for a
-- request refused before sending, 3 for anything the API or the network did.
function cli.exit_code(err)
  if err.kind == "signal" then return cli.FAILED end
  if err.kind == "invalid_request" then return cli.USAGE end
  return cli.ERROR
end

local UsageError = {}

-- What the interpreter raises on SIGINT (lua.c and luajit.c alike), with
-- the position it was raised at in front.
local INTERRUPT = "interrupted!$"

local function define(parser, specs)
  for _, spec in ipairs(specs) do
    local command = parser:command(spec.name, spec.description):summary(spec.summary)
    if spec.define then spec.define(command) end
    if spec.commands then
      command:command_target("subcommand")
      define(command, spec.commands)
    end
  end
end

local function build_parser(specs)
  local parser = argparse("signals", "The Saber Signals API from the command line.",
    "Exit codes: 0 done, 1 a signal failed, 2 usage error, 3 API or network error, 130 interrupted.\n"
    .. "Without --api-key and --base-url, $SABER_API_KEY and $SABER_BASE_URL are used.")
  parser:command_target("command")
  parser:option("--api-key", "API key (default: $SABER_API_KEY)."):argname("<key>")
  parser:option("--base-url", "API base URL (default: $SABER_BASE_URL or https://api.saber.app)."):argname("<url>")
  parser:option("--request-timeout", "Seconds per HTTP request (default 60)."):argname("<s>")
    :convert(convert.seconds)
  parser:mutex(parser:flag("--json", "Print JSON."), parser:flag("--csv", "Print CSV."))
  parser:flag("--no-progress", "No progress on standard error.")
  define(parser, specs)
  -- argparse calls the root parser's `error` with the parser of the command
  -- being parsed: its usage is the one to show. Raised, not exited, so that
  -- the exit code is main's to give.
  parser.error = function(command, message)
    error(setmetatable({ usage = command:get_usage(), message = message }, UsageError), 0)
  end
  return parser
end

local function find_spec(specs, name)
  for _, spec in ipairs(specs) do
    if spec.name == name then return spec end
  end
end

local function usage_error(message)
  error(setmetatable({ message = message }, UsageError), 0)
end

--- What a command is handed: the parsed arguments, the client, the printer,
-- and what it needs to report progress or refuse its arguments.
local function context(args)
  local ok, client = pcall(signals.new, { api_key = args.api_key, base_url = args.base_url,
                                          timeout = args.request_timeout })
  if not ok then usage_error((tostring(client):gsub("^.-signals%.new: ", ""))) end
  local format_name = args.json and "json" or args.csv and "csv" or "table"
  local bar = progress.stderr_is_terminal()
  return {
    args = args,
    client = client,
    printer = output.new(format_name, stdout),
    stderr = stderr,
    progress = function(label)
      if args.no_progress then return function() end end
      return progress.new(label, stderr, bar)
    end,
    usage_error = usage_error,
    exit_code = cli.exit_code,
  }
end

--- Runs the tool with the command-line arguments `argv` (an array of
-- strings, as `arg`) and returns the exit code.
function cli.main(argv)
  local specs = commands
  local parser = build_parser(specs)
  local code
  local ok, problem = xpcall(function()
    local args = parser:parse(argv)
    local spec = find_spec(specs, args.command)
    if args.subcommand then spec = find_spec(spec.commands, args.subcommand) end
    local ctx = context(args)
    code = spec.run(ctx, args)
    ctx.client:close()
  end, function(problem)
    if getmetatable(problem) == UsageError or signals.kind(problem) == "error" then return problem end
    if type(problem) == "string" and find(problem, INTERRUPT) then return cli.INTERRUPTED end
    return traceback(tostring(problem), 2)
  end)
  if ok then return code end
  if problem == cli.INTERRUPTED then
    stderr:write("signals: interrupted\n")
    return cli.INTERRUPTED
  end
  if getmetatable(problem) == UsageError then
    stderr:write(problem.usage and (problem.usage .. "\n\n") or "", "Error: ", problem.message, "\n")
    return cli.USAGE
  end
  -- Iterators raise the error object of a page that failed.
  if signals.kind(problem) == "error" then
    stderr:write("signals: ", tostring(problem), "\n")
    return cli.exit_code(problem)
  end
  stderr:write("signals: internal error: ", problem, "\n")
  return cli.ERROR
end

return cli

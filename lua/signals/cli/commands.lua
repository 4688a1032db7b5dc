--- The commands of the `signals` tool, as specs: `name`, `summary`,
-- `description`, `define(command)` adding its arguments and options (lua-argparse),
-- `run(ctx, args)` returning the exit code, or `commands` (subcommands).
-- `ctx` is made by signals.cli: `client`, `printer`, `stderr`,
-- `progress(label)`, `usage_error(message)`, `exit_code(err)`.
-- @module signals.cli.commands
local core = require("signals.core")
local columns = require("signals.cli.columns")
local output = require("signals.cli.output")
local batch = require("signals.cli.batch")
local convert = require("signals.cli.convert")

local type, tostring = type, tostring
local min = math.min

local ANSWER_TYPES = "open_text (default), boolean, number, list, percentage, currency, url, json_schema"
local DEFAULT_TIMEOUT = 300

-- Prints why a command failed and gives its exit code.
local function fail(ctx, err)
  ctx.stderr:write("signals: ", tostring(err), "\n")
  return ctx.exit_code(err)
end

-- Prints what an operation answered, every field (an empty answer, 204,
-- prints nothing), or why it failed; gives the exit code.
local function print_result(ctx, object, err)
  if object == nil then return fail(ctx, err) end
  if type(object) == "userdata" then
    ctx.printer:one(object, output.all_fields(object))
  elseif ctx.printer.format == "json" then
    ctx.printer.out:write("{}\n")
  end
  return 0
end

-- Prints a signal, or why there is none; 1 when it failed (its failure goes
-- to standard error).
local function print_signal(ctx, sig, err)
  if not sig then return fail(ctx, err) end
  ctx.printer:one(sig, columns.signal)
  if sig.status == "failed" then return fail(ctx, sig:failure()) end
  return 0
end

local function json_object(ctx, text, option)
  local value = core.decode(text)
  if core.kind(value) ~= "object" then ctx.usage_error(option .. " must be a JSON object") end
  return value:totable()
end

local function timeout_option(command)
  command:option("--timeout", "Seconds to wait for the answer (default " .. DEFAULT_TIMEOUT .. ")."):argname("<s>")
    :convert(convert.seconds)
end

local function max_option(command, default)
  command:option("--max", "Print at most this many" .. (default and " (default " .. default .. ")" or "")
    .. "."):argname("<n>"):convert(convert.positive_integer):default(default and tostring(default) or nil)
end

local function status_option(command)
  command:option("--status", "Only signals in this status (processing, completed, failed); repeatable.")
    :argname("<status>"):count("*")
end

local function signal_arguments(command)
  command:argument("subject", "The company's domain (acme.com); with --contact, the contact's profile URL.")
  command:argument("question", "The question.")
  command:option("-t --answer-type", "Answer type: " .. ANSWER_TYPES .. "."):argname("<type>")
  command:option("--output-schema", "JSON Schema of the answer (with -t json_schema), as JSON text.")
    :argname("<json>")
  command:option("--webhook-url", "URL to notify when the signal is done."):argname("<url>")
  command:flag("--force-refresh", "Research again even when a cached answer exists.")
  command:flag("--contact", "Ask about a contact rather than a company.")
end

local function signal_params(ctx, args)
  local params = { question = args.question, answerType = args.answer_type,
                   webhookUrl = args.webhook_url, forceRefresh = args.force_refresh or nil }
  if args.contact then params.contactProfileUrl = args.subject else params.domain = args.subject end
  if args.output_schema then params.outputSchema = json_object(ctx, args.output_schema, "--output-schema") end
  return params
end

-- Polls a contact research until it leaves "processing", more slowly as
-- time goes by.
local function wait_research(client, research, timeout)
  local waited, interval = 0, 0.25
  while research.status == "processing" do
    if waited >= timeout then
      return nil, core.error{ kind = "timeout", retryable = true,
        message = "contact research " .. tostring(research.id) .. " still processing after " .. timeout .. " s" }
    end
    local delay = min(interval, timeout - waited)
    client.options.sleep(delay)
    waited, interval = waited + delay, min(interval * 2, 5)
    local fresh, err = client:get_contact_research(research.id)
    if not fresh then return nil, err end
    research = fresh
  end
  return research
end

local function subscription_id(command)
  command:argument("id", "The subscription's id.")
end

-- start, stop, trigger: one call on one subscription.
local function subscription_action(name, operation, summary)
  return { name = name, summary = summary, description = summary .. ".",
    define = subscription_id,
    run = function(ctx, args)
      return print_result(ctx, ctx.client[operation](ctx.client, args.id))
    end }
end

local subscriptions = { name = "subscriptions", summary = "Signal subscriptions: questions asked on a schedule.",
  description = "Signal subscriptions ask a question about every company of a list on a schedule.",
  commands = {
    { name = "list", summary = "List the subscriptions (all pages).", description = "List the subscriptions.",
      define = function(command) max_option(command) end,
      run = function(ctx, args)
        ctx.printer:many(columns.subscription_row, ctx.client:paginate("list_signal_subscriptions", {}), args.max)
        return 0
      end },
    { name = "get", summary = "Show a subscription.", description = "Show a subscription.",
      define = subscription_id,
      run = function(ctx, args)
        return print_result(ctx, ctx.client:get_signal_subscription(args.id))
      end },
    { name = "create", summary = "Create a subscription (it starts stopped).",
      description = "Create a subscription. It is created stopped: start it with `signals subscriptions start`.",
      define = function(command)
        command:option("--list", "Id of the company list it covers."):argname("<id>"):count(1)
        command:option("--question", "The question."):argname("<text>")
        command:option("--name", "Its name."):argname("<name>")
        command:option("--description", "Its description."):argname("<text>")
        command:option("-t --answer-type", "Answer type: " .. ANSWER_TYPES .. "."):argname("<type>")
        command:option("--frequency", "daily, weekly or monthly."):argname("<frequency>")
        command:option("--cron", "A cron expression instead of --frequency."):argname("<expression>")
        command:option("--timezone", "Time zone of the schedule (e.g. Europe/Berlin)."):argname("<tz>")
        command:option("--template", "Id of a signal template to ask instead of --question."):argname("<id>")
      end,
      run = function(ctx, args)
        return print_result(ctx, ctx.client:create_signal_subscription{ listId = args.list,
          question = args.question, name = args.name, description = args.description,
          answerType = args.answer_type, frequency = args.frequency, cronExpression = args.cron,
          timezone = args.timezone, signalTemplateId = args.template })
      end },
    subscription_action("start", "start_signal_subscription", "Start a subscription"),
    subscription_action("stop", "stop_signal_subscription", "Stop a subscription"),
    subscription_action("trigger", "trigger_signal_subscription", "Run a subscription now"),
    { name = "logs", summary = "List the signals a subscription produced (all pages).",
      description = "List the signals a subscription produced, newest first.",
      define = function(command)
        subscription_id(command)
        command:option("--domain", "Only signals about this domain."):argname("<domain>")
        status_option(command)
        max_option(command)
      end,
      run = function(ctx, args)
        local params = { subscriptionId = args.id, domain = args.domain,
                         status = #args.status > 0 and args.status or nil }
        ctx.printer:many(columns.signal_row, ctx.client:paginate("list_subscription_logs", params), args.max)
        return 0
      end },
  } }

return {
  { name = "run", summary = "Ask a question, wait for the answer and print it.",
    description = "Ask a question about a company (or a contact), wait for the answer and print it. "
      .. "A signal that fails with retryable=true is asked again (--attempts).",
    define = function(command)
      signal_arguments(command)
      timeout_option(command)
      command:option("--attempts", "How many times to ask when it fails retryably (default 3)."):argname("<n>")
        :convert(convert.positive_integer)
    end,
    run = function(ctx, args)
      local client = ctx.client
      local run = args.contact and client.run_contact_signal or client.run_signal
      local sig, err = run(client, signal_params(ctx, args),
        { timeout = args.timeout or DEFAULT_TIMEOUT, max_attempts = args.attempts })
      if sig then return print_signal(ctx, sig) end
      if err.kind == "signal" then ctx.printer:one(err.signal, columns.signal) end
      return fail(ctx, err)
    end },

  { name = "create", summary = "Ask a question; print the new signal without waiting.",
    description = "Ask a question about a company (or a contact) and print the new signal, still processing: "
      .. "`signals get --wait <id>` waits for it.",
    define = signal_arguments,
    run = function(ctx, args)
      local client = ctx.client
      local create = args.contact and client.create_contact_signal or client.create_signal
      return print_signal(ctx, create(client, signal_params(ctx, args)))
    end },

  { name = "get", summary = "Show a signal.",
    description = "Show a signal by id: a company signal, else a contact signal.",
    define = function(command)
      command:argument("id", "The signal's id (a UUID).")
      command:flag("--contact", "It is a contact signal (saves the company lookup).")
      command:flag("--wait", "Wait until it is done.")
      timeout_option(command)
    end,
    run = function(ctx, args)
      local client = ctx.client
      local sig, err
      if args.contact then
        sig, err = client:get_contact_signal(args.id)
      else
        sig, err = client:get_any_signal(args.id)
      end
      if sig and args.wait then
        sig, err = client:wait(sig, { timeout = args.timeout or DEFAULT_TIMEOUT })
      end
      return print_signal(ctx, sig, err)
    end },

  { name = "list", summary = "List signals (all pages), newest first.",
    description = "List signals, newest first, every page (or --max of them).",
    define = function(command)
      command:option("--domain", "Only signals about this domain."):argname("<domain>")
      command:option("--contact", "List contact signals about this profile URL instead."):argname("<url>")
      status_option(command)
      command:option("--subscription", "Only signals of this subscription."):argname("<id>")
      command:option("--from", "Completed on or after (RFC 3339)."):argname("<date-time>")
      command:option("--to", "Completed on or before (RFC 3339)."):argname("<date-time>")
      max_option(command)
    end,
    run = function(ctx, args)
      local operation, params = "list_signals", { domain = args.domain, subscriptionId = args.subscription,
        fromDate = args.from, toDate = args.to, status = #args.status > 0 and args.status or nil }
      if args.contact then
        if args.domain or args.subscription or args.from or args.to or params.status then
          ctx.usage_error("--contact lists take no other filter")
        end
        operation, params = "list_contact_signals", { contactProfileUrl = args.contact }
      end
      ctx.printer:many(columns.signal_row, ctx.client:paginate(operation, params), args.max)
      return 0
    end },

  batch.spec,

  { name = "research", summary = "Research a contact and print what was found.",
    description = "Research a contact (interests, challenges, job title) and wait for the result.",
    define = function(command)
      command:option("--first-name", "First name."):argname("<name>"):count(1)
      command:option("--last-name", "Last name."):argname("<name>"):count(1)
      command:option("--company", "Company name."):argname("<name>"):count(1)
      command:option("--domain", "Company domain."):argname("<domain>"):count(1)
      command:option("--job-title", "Job title, when known."):argname("<title>")
      command:option("--profile-url", "LinkedIn (or other) profile URL."):argname("<url>")
      command:flag("--no-wait", "Print the research as created, without waiting.")
      timeout_option(command)
    end,
    run = function(ctx, args)
      local client = ctx.client
      local research, err = client:create_contact_research{ firstName = args.first_name,
        lastName = args.last_name, companyName = args.company, companyDomain = args.domain,
        jobTitle = args.job_title, contactProfileUrl = args.profile_url }
      if research and not args.no_wait then
        research, err = wait_research(client, research, args.timeout or DEFAULT_TIMEOUT)
      end
      if not research then return fail(ctx, err) end
      ctx.printer:one(research, columns.research)
      if research.status == "failed" then return fail(ctx, research:failure()) end
      return 0
    end },

  { name = "search", summary = "Search contacts (Sales Navigator).",
    description = "Search contacts through Sales Navigator, page after page up to --max.",
    define = function(command)
      command:option("--first-name", "First name."):argname("<name>")
      command:option("--last-name", "Last name."):argname("<name>")
      command:option("--title", "Job title; repeatable."):argname("<title>"):count("*")
      command:option("--keywords", "Keywords."):argname("<text>")
      command:option("--country", "ISO 3166-1 alpha-2 country code; repeatable."):argname("<code>"):count("*")
      command:option("--department", "Sales Navigator function (Engineering, Sales, ...); repeatable.")
        :argname("<name>"):count("*")
      command:option("--seniority", "Seniority level; repeatable."):argname("<level>"):count("*")
      command:option("--company-url", "Company LinkedIn URL; repeatable."):argname("<url>"):count("*")
      max_option(command, 25)
    end,
    run = function(ctx, args)
      local function list(values) return #values > 0 and values or nil end
      local params = { firstName = args.first_name, lastName = args.last_name, jobTitles = list(args.title),
        keywords = args.keywords, countries = list(args.country), departments = list(args.department),
        seniorityLevels = list(args.seniority), companyLinkedInUrls = list(args.company_url) }
      ctx.printer:many(columns.contact, ctx.client:paginate("search_contacts", params), args.max)
      return 0
    end },

  { name = "credits", summary = "Show the credits left.", description = "Show the credits left.",
    run = function(ctx)
      return print_result(ctx, ctx.client:get_credits())
    end },

  subscriptions,
}

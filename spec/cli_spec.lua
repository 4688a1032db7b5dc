-- bin/signals, run as a process against signals-mock: every command, each
-- output format (table, --json, --csv), every exit code (0 done, 1 failed
-- signal, 2 usage, 3 API or network error), --help everywhere, and the
-- progress of `batch` on a terminal (through script(1)) and off one.
local helper = require("helper")

local json = helper.json

-- The interpreter running the specs runs the tool too, with its own core.
local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local mock

-- Runs `signals <args>`; returns { code =, out =, err = }. opts.env adds
-- environment variables (SABER_BASE_URL and SABER_API_KEY point at the
-- mock), opts.stdin feeds standard input, opts.terminal runs it under a
-- pseudo-terminal (out then holds both streams).
local function command_has(args, word)
  for _, a in ipairs(args) do
    if a == word then return true end
  end
  return false
end

local function command_line(args, opts)
  local env = { SABER_BASE_URL = mock.url, SABER_API_KEY = helper.API_KEY }
  for k, v in pairs(opts.env or {}) do env[k] = v end
  local words = {}
  for k, v in pairs(env) do words[#words + 1] = k .. "=" .. quote(v) end
  words[#words + 1] = LUA .. " bin/signals"
  for _, a in ipairs(args) do words[#words + 1] = quote(a) end
  -- batch reads a processing signal again every 2 s; the mock here answers
  -- within a tick, so the specs poll faster unless they say otherwise.
  if command_has(args, "batch") and not command_has(args, "--interval") then
    words[#words + 1] = "--interval 0.05"
  end
  return table.concat(words, " ")
end

local function signals(args, opts)
  opts = opts or {}
  local command = command_line(args, opts)
  local input = helper.write_temp(opts.stdin or "")
  local errors = os.tmpname()
  if opts.terminal then
    command = "script -qfec " .. quote(command .. " <" .. input) .. " /dev/null"
  else
    command = command .. " <" .. input
  end
  local p = assert(io.popen(command .. " 2>" .. errors .. "; echo \"[exit $?]\""))
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("%[exit (%d+)%]\n$"))
  out = out:gsub("%[exit %d+%]\n$", "")
  local err = helper.read_file(errors)
  os.remove(input)
  os.remove(errors)
  return { code = code, out = out, err = err }
end

-- Starts `signals <args>` in the background: its process id, and a
-- function waiting (up to 30 s) for { code =, out =, err = }.
local function signals_started(args, opts)
  opts = opts or {}
  local input = helper.write_temp(opts.stdin or "")
  local out, errors, pid, rc = os.tmpname(), os.tmpname(), os.tmpname(), os.tmpname()
  os.remove(rc)
  assert(os.execute("(" .. command_line(args, opts) .. " <" .. input .. " >" .. out .. " 2>" .. errors
    .. " & echo $! >" .. pid .. "; wait $!; echo $? >" .. rc .. ".part; mv " .. rc .. ".part " .. rc .. ") &"))
  -- The number the file at `path` holds once written, within `seconds`.
  local function number_in(path, seconds)
    for _ = 1, seconds * 20 do
      local n = tonumber(helper.read_file(path) or "")
      if n then return n end
      require("socket").sleep(0.05)
    end
  end
  return assert(number_in(pid, 5), "no process id"), function()
    local code = number_in(rc, 30)
    local result = { code = code, out = helper.read_file(out), err = helper.read_file(errors) }
    for _, file in ipairs { input, out, errors, pid, rc } do os.remove(file) end
    return result
  end
end

local function lines(text)
  local t = {}
  for line in text:gmatch("([^\n]*)\n") do t[#t + 1] = line end
  return t
end

local function csv_rows(text)
  local rows = {}
  for line in text:gmatch("([^\r\n]*)\r\n") do rows[#rows + 1] = line end
  return rows
end

local function decoded(result)
  local value, _, problem = json.decode(result.out, 1, json.null)
  assert(value ~= nil, "not JSON (" .. tostring(problem) .. "): " .. result.out)
  return value
end

-- The value of a "name  value" line of a one-object table.
local function field(result, name)
  return result.out:match("\n" .. name .. " +([^\n]*)") or result.out:match("^" .. name .. " +([^\n]*)")
end

local function api_requests(method, path_prefix)
  return mock:requests_to(method, path_prefix .. "*")
end

local function domains_text(n, prefix)
  local t = {}
  for i = 1, n do t[i] = (prefix or "company") .. i .. ".com" end
  return table.concat(t, "\n") .. "\n"
end

describe("bin/signals", function()
  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
  end)

  describe("--help", function()
    local COMMANDS = { "run", "create", "get", "list", "batch", "research", "search", "credits", "subscriptions" }
    local SUBSCRIPTION_COMMANDS = { "list", "get", "create", "start", "stop", "trigger", "logs" }

    it("lists every command and the exit codes", function()
      local r = signals{ "--help" }
      assert.equal(0, r.code)
      for _, name in ipairs(COMMANDS) do assert.matches("\n   " .. name .. " ", r.out) end
      assert.matches("0 done, 1 a signal failed, 2 usage error, 3 API or network error", r.out)
    end)

    it("explains each command", function()
      for _, name in ipairs(COMMANDS) do
        local r = signals{ name, "--help" }
        assert.equal(0, r.code, name)
        assert.matches("^Usage: signals " .. name, r.out)
      end
      for _, name in ipairs(SUBSCRIPTION_COMMANDS) do
        local r = signals{ "subscriptions", name, "--help" }
        assert.equal(0, r.code, name)
        assert.matches("^Usage: signals subscriptions " .. name, r.out)
      end
    end)
  end)

  describe("usage errors exit 2, sending nothing", function()
    local cases = {
      { args = {}, says = "a command is required" },
      { args = { "rn" }, says = "Did you mean 'run'" },
      { args = { "run", "acme.com" }, says = "missing argument 'question'" },
      { args = { "--json", "--csv", "credits" }, says = "can not be used together" },
      { args = { "list", "--bogus" }, says = "unknown option '%-%-bogus'" },
      { args = { "batch" }, says = "missing option '%-q'" },
      { args = { "subscriptions", "start" }, says = "missing argument 'id'" },
      { args = { "run", "https://acme.com/about", "Hiring?" }, says = "'domain' must be a valid hostname" },
      { args = { "get", "not-a-uuid" }, says = "'signalId' must be a UUID" },
      { args = { "list", "--status", "done" }, says = "status" },
      { args = { "run", "acme.com", "q", "-t", "json_schema", "--output-schema", "[1]" },
        says = "%-%-output%-schema must be a JSON object" },
      { args = { "--base-url", "ftp://example.com", "credits" }, says = "base_url" },
      { args = { "batch", "-q", "Hiring?", "--attempts", "0" }, says = "'0' is not a positive integer" },
      { args = { "batch", "-q", "Hiring?", "-c", "2.5" }, says = "'2.5' is not a positive integer" },
      { args = { "run", "acme.com", "q", "--attempts", "1.5" }, says = "'1%.5' is not a positive integer" },
      { args = { "run", "acme.com", "q", "--timeout", "soon" }, says = "'soon' is not a number of seconds" },
      { args = { "--request-timeout", "inf", "credits" }, says = "'inf' is not a number of seconds" },
      { args = { "batch", "-q", "Hiring?", "--interval", "0" }, says = "'0' is not a positive number of seconds" },
    }
    for _, case in ipairs(cases) do
      it(table.concat(case.args, " "), function()
        local r = signals(case.args)
        assert.equal(2, r.code, r.err)
        assert.matches(case.says, r.err)
        assert.equal("", r.out)
        assert.same({}, mock:requests())
      end)
    end

    it("batch without a domain", function()
      local r = signals({ "batch", "-q", "Hiring?" }, { stdin = "# nothing\n\n" })
      assert.equal(2, r.code)
      assert.matches("no domains", r.err)
      r = signals{ "batch", "-q", "Hiring?", "/nonexistent/domains.txt" }
      assert.equal(2, r.code)
      assert.matches("cannot read the domains", r.err)
    end)
  end)

  describe("run", function()
    it("asks, waits and prints the answer as a table", function()
      local r = signals{ "run", "acme.com", "Are they hiring?", "-t", "boolean" }
      assert.equal(0, r.code, r.err)
      assert.equal("completed", field(r, "status"))
      assert.equal("true", field(r, "answer"))
      assert.equal("acme.com", field(r, "domain"))
      assert.equal("0.87", field(r, "confidence"))
      local sent = api_requests("POST", "/v1/companies/signals/sync")
      assert.equal(1, #sent)
      assert.same({ domain = "acme.com", question = "Are they hiring?", answerType = "boolean" },
        helper.body_of(sent[1]))
    end)

    it("prints the signal's JSON with --json and a CSV row with --csv", function()
      local r = signals{ "--json", "run", "acme.com", "What do they sell?" }
      assert.equal(0, r.code, r.err)
      local sig = decoded(r)
      assert.equal("completed", sig.status)
      assert.equal("signals-mock answer about acme.com", sig.answer.openText.value)

      r = signals{ "run", "acme.com", "Which languages?", "-t", "list", "--csv" }
      assert.equal(0, r.code, r.err)
      local rows = csv_rows(r.out)
      assert.equal(2, #rows)
      assert.matches("^id,status,domain,contactProfileUrl,question,answerType,answer,", rows[1])
      assert.matches(',completed,acme.com,,Which languages%?,list,"Go, Lua",0.87,', rows[2])
    end)

    it("asks again when the signal fails retryably", function()
      local r = signals{ "run", "acme.com", "Hiring? [flaky:1]" }
      assert.equal(0, r.code, r.err)
      assert.equal("completed", field(r, "status"))
      assert.equal(2, #api_requests("POST", "/v1/companies/signals/sync"))
    end)

    it("exits 1 for a signal that failed for good, and says why", function()
      local r = signals{ "run", "acme.com", "Hiring? [fail:permanent]" }
      assert.equal(1, r.code)
      assert.equal("failed", field(r, "status"))
      assert.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", field(r, "errorCode"))
      assert.matches("^signals: signal LINKEDIN_RATE_LIMIT_EXCEEDED: ", r.err)
      assert.equal(1, #api_requests("POST", "/v1/companies/signals/sync"))
      r = signals{ "--json", "run", "acme.com", "Hiring? [fail:retryable]", "--attempts", "2" }
      assert.equal(1, r.code)
      assert.equal("INTERNAL_ERROR", decoded(r).errorCode)
      assert.equal(3, #api_requests("POST", "/v1/companies/signals/sync"))
    end)

    it("asks about a contact with --contact", function()
      local r = signals{ "--json", "run", "--contact", "https://www.linkedin.com/in/jane", "Open to work?" }
      assert.equal(0, r.code, r.err)
      assert.equal("https://www.linkedin.com/in/jane", decoded(r).contactProfileUrl)
      assert.equal(1, #api_requests("POST", "/v1/contacts/signals/sync"))
    end)

    it("sends an output schema", function()
      local r = signals{ "--json", "run", "acme.com", "Funding?", "-t", "json_schema",
                         "--output-schema", '{"type":"object","properties":{"raised":{"type":"boolean"}}}' }
      assert.equal(0, r.code, r.err)
      assert.same({ raised = true }, decoded(r).answer.jsonSchema)
    end)
  end)

  describe("create and get", function()
    it("creates without waiting, then gets and waits", function()
      mock:config{ delay_ms = 300 }
      local r = signals{ "--json", "create", "acme.com", "Hiring?", "--force-refresh" }
      assert.equal(0, r.code, r.err)
      local created = decoded(r)
      assert.equal("processing", created.status)
      assert.is_true(helper.body_of(api_requests("POST", "/v1/companies/signals")[1]).forceRefresh)

      r = signals{ "get", created.id }
      assert.equal(0, r.code, r.err)
      assert.equal(created.id, field(r, "id"))

      r = signals{ "get", "--wait", created.id, "--csv" }
      assert.equal(0, r.code, r.err)
      local start = created.id .. ",completed,acme.com,,Hiring?,"
      assert.equal(start, csv_rows(r.out)[2]:sub(1, #start))
    end)

    it("finds a contact signal by id without being told", function()
      local created = decoded(signals{ "--json", "create", "--contact", "https://www.linkedin.com/in/j", "Q?" })
      local r = signals{ "--json", "get", created.id }
      assert.equal(0, r.code, r.err)
      assert.equal(created.id, decoded(r).id)
      assert.equal(1, #api_requests("GET", "/v1/contacts/signals/"))
      r = signals{ "--json", "get", "--contact", created.id }
      assert.equal(0, r.code, r.err)
    end)

    it("exits 1 for a failed signal and 3 for an unknown id", function()
      local failed = mock:seed{ status = "failed" }.ids[1]
      local r = signals{ "get", failed }
      assert.equal(1, r.code)
      assert.equal("failed", field(r, "status"))
      r = signals{ "get", "00000000-0000-4000-8000-000000000000" }
      assert.equal(3, r.code)
      assert.matches("^signals: http 404 ", r.err)
      assert.equal("", r.out)
    end)
  end)

  describe("list", function()
    it("prints every page", function()
      mock:seed{ count = 60, domain = "seeded.com", answerType = "number" }
      mock:seed{ count = 3, domain = "other.com" }
      local r = signals{ "list", "--domain", "seeded.com" }
      assert.equal(0, r.code, r.err)
      local t = lines(r.out)
      assert.equal(61, #t)
      assert.matches("^id +status +subject +question +answer +createdAt$", t[1])
      assert.matches("^%x+%-[%x-]+ +completed +seeded%.com +Seeded question +42 ", t[2])
      local offsets = {}
      for _, req in ipairs(api_requests("GET", "/v1/companies/signals")) do
        offsets[#offsets + 1] = helper.query_of(req).offset
      end
      assert.same({ "0", "25", "50" }, offsets)
    end)

    it("prints a JSON array, CSV, and stops at --max", function()
      mock:seed{ count = 30 }
      local items = decoded(signals{ "--json", "list" })
      assert.equal(30, #items)
      assert.equal("completed", items[1].status)
      local r = signals{ "--csv", "list", "--max", "4" }
      assert.equal(0, r.code, r.err)
      assert.equal(5, #csv_rows(r.out))
      assert.same({}, decoded(signals{ "--json", "list", "--domain", "nobody.com" }))
    end)

    it("filters by status and lists contact signals", function()
      mock:seed{ count = 2, status = "failed" }
      mock:seed{ count = 3 }
      mock:seed{ count = 4, kind = "contact", contactProfileUrl = "https://www.linkedin.com/in/x" }
      assert.equal(2, #decoded(signals{ "--json", "list", "--status", "failed" }))
      assert.equal(5, #decoded(signals{ "--json", "list", "--status", "failed", "--status", "completed" }))
      assert.equal(4, #decoded(signals{ "--json", "list", "--contact", "https://www.linkedin.com/in/x" }))
      assert.equal(2, signals{ "list", "--contact", "u", "--status", "failed" }.code)
    end)

    it("exits 3 when a page fails, its output still well formed", function()
      local first = {}
      for i = 1, 25 do
        first[i] = { id = ("00000000-0000-4000-8000-%012d"):format(i), status = "completed",
                     domain = "acme.com", question = "Q" .. i, createdAt = "2026-06-20T09:14:03Z" }
      end
      mock:fault{ path = "/v1/companies/signals", method = "GET", fault = "status", status = 200,
        body = { results = first, total = 30, limit = 25, offset = 0, count = 25 } }
      mock:fault{ path = "/v1/companies/signals", method = "GET", fault = "status", status = 400,
        body = { error = { type = "VALIDATION", code = "BAD", message = "no second page" } } }
      local r = signals{ "--json", "list" }
      assert.equal(3, r.code)
      local items = decoded(r)
      assert.equal(25, #items)
      assert.equal("Q25", items[25].question)
      assert.matches("^signals: http 400 BAD: no second page", r.err)
      -- When the first page fails, nothing at all.
      for _, format in ipairs({ "--json", "--csv", "--no-progress" }) do
        mock:fault{ path = "/v1/companies/signals", method = "GET", fault = "status", status = 400,
          body = { error = { type = "VALIDATION", code = "BAD", message = "no first page" } } }
        r = signals{ format, "list" }
        assert.equal(3, r.code)
        assert.equal("", r.out)
      end
    end)
  end)

  describe("batch", function()
    local BATCH = "/v1/companies/signals/batch"

    it("asks about 200 domains through the batch create and prints every answer", function()
      local file = helper.write_temp("# prospects\n" .. domains_text(200) .. "\n")
      local r = signals{ "batch", file, "-q", "Are they hiring?", "-t", "boolean", "-c", "8" }
      os.remove(file)
      assert.equal(0, r.code, r.err)
      local t = lines(r.out)
      assert.equal(201, #t)
      assert.matches("^domain +status +answer +confidence +id +error$", t[1])
      assert.matches("^company1%.com +completed +true +0%.87 +%x+", t[2])
      assert.matches("^company200%.com +completed +true ", t[201])
      assert.matches("200 domains: 200 completed, 0 failed, 0 errors\n$", r.err)
      -- two calls of a hundred, no single create
      local posts = api_requests("POST", BATCH)
      assert.equal(2, #posts)
      assert.same({ { question = "Are they hiring?", answerType = "boolean" } }, helper.body_of(posts[1]).signals)
      assert.equal(0, #mock:requests_to("POST", "/v1/companies/signals"))
      local reads = api_requests("GET", "/v1/companies/signals/")
      assert.equal(200, #reads)
      local ports = {}
      for _, req in ipairs(reads) do ports[req.remote_port] = true end
      local connections = 0
      for _ in pairs(ports) do connections = connections + 1 end
      assert.is_true(connections > 1, "one connection: not concurrent")
      assert.is_true(connections <= 8)
    end)

    it("reads standard input, one connection with -c 1", function()
      local r = signals({ "--csv", "batch", "-q", "Hiring?", "-c", "1" }, { stdin = domains_text(5, "d") })
      assert.equal(0, r.code, r.err)
      local rows = csv_rows(r.out)
      assert.equal(6, #rows)
      assert.equal("domain,status,answer,confidence,id,error", rows[1])
      assert.matches("^d3%.com,completed,signals%-mock answer about d3%.com,0%.87,", rows[4])
      local ports = {}
      for _, req in ipairs(mock:requests()) do ports[req.remote_port] = true end
      assert.equal(1, #(function() local t = {} for p in pairs(ports) do t[#t + 1] = p end return t end)())
    end)

    it("asks a domain given twice once and prints it twice", function()
      local r = signals({ "--json", "batch", "-q", "Hiring?" }, { stdin = "a.com\nb.com\na.com\n" })
      assert.equal(0, r.code, r.err)
      local items = decoded(r)
      assert.equal(3, #items)
      assert.equal(items[1].id, items[3].id)
      assert.same({ "a.com", "b.com" }, helper.body_of(api_requests("POST", BATCH)[1]).domains)
    end)

    it("prints plain progress lines off a terminal", function()
      local r = signals({ "batch", "-q", "Hiring?" }, { stdin = domains_text(20) })
      assert.equal(0, r.code, r.err)
      assert.matches("answers: 20/20\n", r.err)
      assert.is_nil(r.err:find("\r", 1, true))
      r = signals({ "batch", "-q", "Hiring?", "--no-progress" }, { stdin = domains_text(3) })
      assert.equal("3 domains: 3 completed, 0 failed, 0 errors\n", r.err)
    end)

    it("draws a progress bar on a terminal", function()
      -- the rejected domain is done as soon as the batch answer is in
      local r = signals({ "batch", "-q", "Hiring?", "-c", "2" }, { stdin = "a.com\nnot a domain\n", terminal = true })
      assert.equal(2, r.code, r.out)
      assert.matches("\ranswers    %[###############...............%] 1/2", r.out)
      assert.matches("\ranswers    %[##############################%] 2/2\r?\n", r.out)
    end)

    it("exits 1 when signals failed, asking again those that may succeed", function()
      local r = signals({ "--json", "batch", "-q", "Hiring? [flaky:1]" }, { stdin = "a.com\nb.com\n" })
      assert.equal(0, r.code, r.err)
      local posts = api_requests("POST", BATCH)
      assert.equal(2, #posts)
      assert.same({ "a.com", "b.com" }, helper.body_of(posts[2]).domains)
      r = signals({ "--json", "batch", "-q", "Hiring? [fail:permanent]" }, { stdin = "a.com\nb.com\n" })
      assert.equal(1, r.code)
      local items = decoded(r)
      assert.equal(2, #items)
      assert.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", items[2].errorCode)
      assert.matches("2 domains: 0 completed, 2 failed, 0 errors", r.err)
    end)

    it("exits 2 for a domain the API rejects, 3 for an API error", function()
      local r = signals({ "batch", "-q", "Hiring?" }, { stdin = "acme.com\nnot a domain\n" })
      assert.equal(2, r.code)
      local t = lines(r.out)
      assert.matches("^acme%.com +completed ", t[2])
      assert.matches("^not a domain +rejected +'domain' must be a valid hostname", t[3])
      mock:fault{ path = BATCH, method = "POST", fault = "status", status = 404,
        body = { error = { code = "NOT_FOUND", message = "gone" } } }
      r = signals({ "--json", "batch", "-q", "Hiring?", "-c", "1" }, { stdin = "a.com\nb.com\n" })
      assert.equal(3, r.code)
      local items = decoded(r)
      for i, domain in ipairs { "a.com", "b.com" } do
        assert.same({ domain = domain, error = { kind = "http", status = 404, code = "NOT_FOUND", message = "gone" } },
          items[i])
      end
    end)

    describe("--state", function()
      local state

      before_each(function()
        state = os.tmpname()
        os.remove(state)
      end)

      after_each(function()
        os.remove(state)
      end)

      it("keeps the ids created, so that a run started again waits for them without paying again", function()
        -- The first run gives up while the signals are still processing.
        mock:config{ delay_ms = 1500 }
        local r = signals({ "--json", "batch", "-q", "Hiring?", "--timeout", "0.2", "--state", state },
          { stdin = domains_text(3) })
        assert.equal(3, r.code, r.err)
        local first = decoded(r)
        local text = helper.read_file(state)
        local t = lines(text)
        assert.equal(4, #t)
        assert.matches("^signals%-batch%-state 1 %x+$", t[1])
        for i = 1, 3 do
          assert.equal("processing", first[i].status)
          assert.equal(i .. " " .. first[i].id, t[i + 1])
        end
        assert.equal(1, #api_requests("POST", BATCH))
        -- Started again with the same arguments: the answers, nothing created.
        local before = #mock:requests()
        r = signals({ "--json", "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(3) })
        assert.equal(0, r.code, r.err)
        local again = decoded(r)
        for i = 1, 3 do
          assert.equal(first[i].id, again[i].id)
          assert.equal("completed", again[i].status)
        end
        for i = before + 1, #mock:requests() do
          assert.equal("GET", mock:requests()[i].method)
        end
        assert.equal(1, #api_requests("POST", BATCH))
        assert.equal(text, helper.read_file(state))
      end)

      it("resumes a run whose signals are done, reading each once", function()
        local r = signals({ "--json", "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(4) })
        assert.equal(0, r.code, r.err)
        local first = decoded(r)
        local before = #mock:requests()
        r = signals({ "--json", "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(4) })
        assert.equal(0, r.code, r.err)
        local again = decoded(r)
        for i = 1, 4 do assert.equal(first[i].id, again[i].id) end
        assert.equal(1, #api_requests("POST", BATCH))
        assert.equal(before + 4, #mock:requests())
      end)

      it("writes the ids of a batch answered while another batch call is still out, and resumes them", function()
        -- two batch calls at once, the first to reach the mock stalls
        mock:fault{ method = "POST", path = BATCH, fault = "stall", seconds = 20 }
        local args = { "--json", "batch", "-q", "Hiring?", "-c", "2", "--state", state }
        local pid, wait = signals_started(args, { stdin = domains_text(200) })
        local t
        for _ = 1, 200 do
          t = lines(helper.read_file(state) or "")
          if #t >= 101 then break end
          require("socket").sleep(0.05)
        end
        -- the answered call's hundred ids (written one by one), and no
        -- more while the other one stalls
        require("socket").sleep(0.3)
        t = lines(helper.read_file(state) or "")
        assert.equal(101, #t)
        local first = tonumber(t[2]:match("^%d+"))
        assert.is_true(first == 1 or first == 101, t[2])
        local ids = {}
        for i = 2, 101 do
          local index, id = t[i]:match("^(%d+) (%S+)$")
          assert.equal(first + i - 2, tonumber(index))
          ids[tonumber(index)] = id
        end
        -- Ctrl-C: a message and the shell's code for SIGINT, no traceback
        assert(os.execute("kill -INT " .. pid))
        local r = wait()
        assert.equal(130, r.code, r.err)
        assert.equal("signals: interrupted\n", r.err:match("[^\n]*\n$"))
        assert.is_nil(r.err:find("traceback", 1, true))
        assert.is_nil(r.err:find("internal error", 1, true))
        -- started again: the other hundred asked, the first hundred waited for
        local before = #api_requests("POST", BATCH)
        r = signals({ "--json", "batch", "-q", "Hiring?", "-c", "2", "--state", state }, { stdin = domains_text(200) })
        assert.equal(0, r.code, r.err)
        local posts = api_requests("POST", BATCH)
        assert.equal(before + 1, #posts)
        local asked = helper.body_of(posts[#posts]).domains
        assert.equal(100, #asked)
        assert.equal(first == 1 and "company101.com" or "company1.com", asked[1])
        local rows = decoded(r)
        for index, id in pairs(ids) do assert.equal(id, rows[index].id) end
      end)

      it("takes an id of the state file about another domain as damage (exit 2)", function()
        local r = signals({ "--json", "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(2) })
        assert.equal(0, r.code, r.err)
        local text = helper.read_file(state)
        local other = mock:seed{ domain = "elsewhere.com", question = "Hiring?" }.ids[1]
        local f = assert(io.open(state, "ab"))
        f:write("2 ", other, "\n")
        f:close()
        r = signals({ "--json", "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(2) })
        assert.equal(2, r.code, r.err)
        assert.matches("the state file .* is damaged: the id it holds for domain 2 %(company2%.com%)", r.err)
        local rows = decoded(r)
        assert.equal("completed", rows[1].status)
        assert.equal("invalid_request", rows[2].error.kind)
        assert.matches(other, rows[2].error.message, 1, true)
        assert.equal(text .. "2 " .. other .. "\n", helper.read_file(state))
      end)

      it("refuses a state file of another run, or a corrupt one, sending nothing", function()
        local r = signals({ "batch", "-q", "Hiring?", "--state", state }, { stdin = domains_text(2) })
        assert.equal(0, r.code, r.err)
        local text = helper.read_file(state)
        mock:reset{ delay_ms = 0 }
        local cases = {
          { args = { "-q", "Other question?" }, stdin = domains_text(2), says = "belongs to another run" },
          { args = { "-q", "Hiring?" }, stdin = domains_text(3), says = "belongs to another run" },
          { args = { "-q", "Hiring?", "-t", "boolean" }, stdin = domains_text(2), says = "belongs to another run" },
          { file = text:sub(1, -5), says = "last line is incomplete" },
          { file = text .. "3 " .. text:match("\n%d+ (%S+)") .. "\n", says = "corrupt at line 4" },
          { file = text .. "1 not-an-id\n", says = "corrupt at line 4" },
          { file = text .. "2 " .. text:match("\n%d+ (%S+)"):upper() .. "\n", says = "corrupt at line 4" },
          { file = text:gsub("\n", "\r\n"), says = "CR LF" },
          { file = "company1.com\n", says = "not a state file" },
        }
        for _, case in ipairs(cases) do
          local f = assert(io.open(state, "wb"))
          f:write(case.file or text)
          f:close()
          local args = { "batch" }
          for _, a in ipairs(case.args or { "-q", "Hiring?" }) do args[#args + 1] = a end
          args[#args + 1] = "--state"
          args[#args + 1] = state
          r = signals(args, { stdin = case.stdin or domains_text(2) })
          assert.equal(2, r.code, case.says)
          assert.matches(case.says, r.err)
          assert.equal(case.file or text, helper.read_file(state))
        end
        assert.same({}, mock:requests())
      end)
    end)
  end)

  describe("research", function()
    it("researches a contact and waits for the result", function()
      local r = signals{ "research", "--first-name", "Jane", "--last-name", "Doe", "--company", "Acme Corp",
                         "--domain", "acme.com", "--job-title", "CTO" }
      assert.equal(0, r.code, r.err)
      assert.equal("completed", field(r, "status"))
      assert.equal("CTO", field(r, "jobTitle"))
      assert.truthy(field(r, "interests"))
    end)

    it("prints JSON or CSV, and does not wait with --no-wait", function()
      local args = { "research", "--first-name", "Jane", "--last-name", "Doe", "--company", "Acme",
                     "--domain", "acme.com" }
      local r = signals{ "--json", (table.unpack or unpack)(args) }
      assert.equal(0, r.code, r.err)
      assert.equal("completed", decoded(r).status)
      args[#args + 1] = "--no-wait"
      args[#args + 1] = "--csv"
      r = signals(args)
      assert.equal(0, r.code, r.err)
      assert.matches("^cr_%x+,processing,Jane,Doe,", csv_rows(r.out)[2])
    end)

    it("exits 1 when the research failed", function()
      local r = signals{ "research", "--first-name", "Fail", "--last-name", "Doe", "--company", "Acme",
                         "--domain", "acme.com" }
      assert.equal(1, r.code)
      assert.equal("failed", field(r, "status"))
      assert.matches("Could not retrieve LinkedIn profile data", r.err)
    end)
  end)

  describe("search", function()
    it("prints the contacts found, page after page up to --max", function()
      local r = signals{ "search", "--title", "VP", "--max", "30" }
      assert.equal(0, r.code, r.err)
      local t = lines(r.out)
      assert.matches("^fullName +role +companyName +location +linkedInProfileUrl$", t[1])
      assert.is_true(#t > 2)
      assert.matches("VP", t[2])
      local items = decoded(signals{ "--json", "search", "--max", "3" })
      assert.equal(3, #items)
      assert.truthy(items[1].fullName)
      assert.equal(4, #csv_rows(signals{ "--csv", "search", "--max", "3" }.out))
    end)

    it("exits 3 when the API refuses the search", function()
      local r = signals{ "search", "--department", "Astrology" }
      assert.equal(3, r.code)
      assert.matches("^signals: http 400 .*departments", r.err)
    end)
  end)

  describe("credits", function()
    it("prints the credits left in each format", function()
      assert.equal("10000", field(signals{ "credits" }, "remainingCredits"))
      assert.same({ remainingCredits = 10000 }, decoded(signals{ "--json", "credits" }))
      assert.same({ "remainingCredits", "10000" }, csv_rows(signals{ "--csv", "credits" }.out))
    end)

    it("exits 3 without a valid key, and when the API cannot be reached", function()
      local r = signals({ "credits" }, { env = { SABER_API_KEY = "" } })
      assert.equal(3, r.code)
      assert.matches("^signals: http 401 UNAUTHORIZED", r.err)
      r = signals({ "--api-key", "nope", "credits" })
      assert.equal(3, r.code)
      r = signals({ "credits", "--request-timeout", "5" },
                  { env = { SABER_BASE_URL = "http://127.0.0.1:" .. helper.dead_port() } })
      assert.equal(3, r.code)
      assert.matches("^signals: network", r.err)
    end)
  end)

  describe("subscriptions", function()
    local function create(schedule)
      local args = { "--json", "subscriptions", "create", "--list", "list_1", "--question", "Hiring?",
                     "--name", "Hiring watch", "--timezone", "Europe/Berlin" }
      for _, a in ipairs(schedule or { "--frequency", "weekly" }) do args[#args + 1] = a end
      local r = signals(args)
      assert.equal(0, r.code, r.err)
      return decoded(r)
    end

    it("creates one stopped, starts, stops and triggers it", function()
      local sub = create()
      assert.equal("stopped", sub.status)
      assert.equal("list_1", sub.listId)
      assert.same({ listId = "list_1", question = "Hiring?", name = "Hiring watch", frequency = "weekly",
                    timezone = "Europe/Berlin" },
        helper.body_of(api_requests("POST", "/v1/companies/signals/subscriptions")[1]))
      local r = signals{ "subscriptions", "start", sub.id }
      assert.equal(0, r.code, r.err)
      assert.equal("active", field(r, "status"))
      assert.equal("stopped", decoded(signals{ "--json", "subscriptions", "stop", sub.id }).status)
      r = signals{ "--csv", "subscriptions", "trigger", sub.id }
      assert.equal(0, r.code, r.err)
      assert.matches("id", csv_rows(r.out)[1])
      assert.equal(1, #api_requests("POST", "/v1/companies/signals/subscriptions/" .. sub.id .. "/trigger"))
    end)

    it("gets and lists them", function()
      local a, b = create(), create{ "--cron", "0 9 * * 1" }
      assert.equal(a.id, decoded(signals{ "--json", "subscriptions", "get", a.id }).id)
      local r = signals{ "subscriptions", "get", b.id }
      assert.equal(0, r.code, r.err)
      assert.equal("Hiring watch", field(r, "name"))
      r = signals{ "subscriptions", "list" }
      assert.equal(0, r.code, r.err)
      local t = lines(r.out)
      assert.equal(3, #t)
      assert.matches("^id +name +status +schedule +listId +createdAt$", t[1])
      assert.equal(2, #decoded(signals{ "--json", "subscriptions", "list" }))
      assert.equal(2, #csv_rows(signals{ "--csv", "subscriptions", "list", "--max", "1" }.out))
    end)

    it("lists a subscription's logs, every page", function()
      local sub = create()
      mock:seed{ count = 30, subscriptionId = sub.id, domain = "logged.com" }
      local r = signals{ "subscriptions", "logs", sub.id }
      assert.equal(0, r.code, r.err)
      assert.equal(31, #lines(r.out))
      assert.matches("logged%.com", r.out)
      assert.equal(30, #decoded(signals{ "--json", "subscriptions", "logs", sub.id, "--domain", "logged.com" }))
      assert.equal(6, #csv_rows(signals{ "--csv", "subscriptions", "logs", sub.id, "--max", "5" }.out))
    end)

    it("exits 3 for an unknown subscription", function()
      for _, command in ipairs({ "get", "start", "stop", "trigger" }) do
        local r = signals{ "subscriptions", command, "sub_unknown" }
        assert.equal(3, r.code, command)
        assert.matches("^signals: http 404", r.err)
      end
    end)
  end)
end)

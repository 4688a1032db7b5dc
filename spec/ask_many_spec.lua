-- client:ask_many (CONTRACT §12) against signals-mock: domains × questions
-- through the batch create in calls of at most 100 signals, results in
-- input order (domain-major), rejections and refusals in their slots,
-- duplicates asked once, retryable failures asked again through the batch
-- create, batch answers without results or with fewer (or more) results
-- than asked, resuming from known ids, timeouts, and 100 000 domains.
local helper = require("helper")
local signals = require("signals")

local BATCH = "/v1/companies/signals/batch"

local function domains_list(n, prefix)
  local t = {}
  for i = 1, n do t[i] = (prefix or "company") .. i .. ".com" end
  return t
end

-- The bodies of the batch calls, in the order of what they ask (calls in
-- flight together reach the mock in any order): by their first domain's
-- number, then their first question's, then the order they came in.
local function batch_bodies(mock)
  local bodies, ranks = {}, {}
  for i, req in ipairs(mock:requests_to("POST", BATCH)) do
    local body = helper.body_of(req)
    local question = body.signals[1].question or ""
    bodies[i] = body
    ranks[body] = (tonumber(body.domains[1]:match("%d+") or 0) * 1000 + tonumber(question:match("%d+") or 0))
      * 100000 + i
  end
  table.sort(bodies, function(a, b) return ranks[a] < ranks[b] end)
  return bodies
end

local function signal_reads(mock)
  return #mock:requests_to("GET", "/v1/companies/signals/*")
end

describe("client:ask_many", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
  end)

  it("asks domains x questions in batch calls of at most 100, results domain-major", function()
    local client = helper.client(mock)
    local questions = { "Hiring?", { question = "Headcount?", answerType = "number" }, "Funding?" }
    local domains = domains_list(70)
    local results = assert(client:ask_many({ domains = domains, questions = questions, answerType = "boolean" }))
    assert.are.equal(210, #results)
    for d = 1, 70 do
      for q = 1, 3 do
        local sig = results[(d - 1) * 3 + q]
        assert.are.equal("signal", signals.kind(sig), tostring(sig))
        assert.are.equal("completed", sig.status)
        assert.are.equal(domains[d], sig.domain)
        assert.are.equal(q == 2 and "Headcount?" or q == 1 and "Hiring?" or "Funding?", sig.question)
        assert.are.equal(q == 2 and "number" or "boolean", sig.answerType)
      end
    end
    -- 33 domains of 3 questions fill a call (99 signals): 33 + 33 + 4
    local bodies = batch_bodies(mock)
    assert.are.equal(3, #bodies)
    assert.are.same({ 33, 33, 4 }, { #bodies[1].domains, #bodies[2].domains, #bodies[3].domains })
    assert.are.same(domains_list(33), bodies[1].domains)
    assert.are.same({ question = "Headcount?", answerType = "number" }, bodies[1].signals[2])
    assert.are.same({ question = "Hiring?", answerType = "boolean" }, bodies[1].signals[1])
    -- one read per signal: no single create
    assert.are.equal(210, signal_reads(mock))
    assert.are.equal(0, #mock:requests_to("POST", "/v1/companies/signals"))
  end)

  it("splits the questions of a domain over calls when there are more than 100", function()
    local client = helper.client(mock)
    local questions = {}
    for q = 1, 130 do questions[q] = "Question " .. q .. "?" end
    local results = assert(client:ask_many{ domains = { "d1.com", "d2.com" }, questions = questions })
    assert.are.equal(260, #results)
    assert.are.equal("d2.com", results[131].domain)
    assert.are.equal("Question 1?", results[131].question)
    assert.are.equal("Question 130?", results[260].question)
    local bodies = batch_bodies(mock)
    assert.are.equal(4, #bodies)
    for i, counts in ipairs { { 1, 100 }, { 1, 30 }, { 1, 100 }, { 1, 30 } } do
      assert.are.same(counts, { #bodies[i].domains, #bodies[i].signals })
    end
    assert.are.equal("Question 101?", bodies[2].signals[1].question)
  end)

  it("reports progress up to the total and each id as its batch answer comes", function()
    local client = helper.client(mock)
    local seen, created = {}, {}
    local results = assert(client:ask_many({ domains = domains_list(120), questions = { "Hiring?" } }, {
      on_progress = function(done, total) seen[#seen + 1] = { done, total } end,
      on_created = function(index, id)
        -- the id is known before any read of it
        assert.are.equal(0, #mock:requests_to("GET", "/v1/companies/signals/" .. id))
        created[index] = id
      end }))
    for i = 1, 120 do assert.are.equal(results[i].id, created[i]) end
    assert.is_true(#seen >= 1)
    for i, s in ipairs(seen) do
      assert.are.equal(120, s[2])
      if i > 1 then assert.is_true(s[1] > seen[i - 1][1]) end
    end
    assert.are.same({ 120, 120 }, seen[#seen])
  end)

  it("asks a duplicate domain once, its slots sharing the answer", function()
    local client = helper.client(mock)
    local created = {}
    local results = assert(client:ask_many({ domains = { "a.com", "b.com", "a.com" }, questions = { "Q1?", "Q2?" } },
      { on_created = function(index, id) created[index] = id end }))
    assert.are.equal(6, #results)
    assert.are.equal(results[1], results[5])
    assert.are.equal(results[2], results[6])
    assert.are.equal("Q2?", results[6].question)
    assert.are_not.equal(results[1].id, results[3].id)
    local bodies = batch_bodies(mock)
    assert.are.equal(1, #bodies)
    assert.are.same({ "a.com", "b.com" }, bodies[1].domains)
    assert.are.equal(4, signal_reads(mock))
    assert.are.equal(results[5].id, created[5])
    assert.are.equal(results[1].id, created[1])
  end)

  it("refuses a non-string domain in its slots and asks about the others", function()
    local client = helper.client(mock)
    local results = assert(client:ask_many{ domains = { "a.com", 42, "b.com" }, questions = { "Q1?", "Q2?" } })
    assert.are.equal(6, #results)
    for _, slot in ipairs { 3, 4 } do
      assert.are.equal("error", signals.kind(results[slot]))
      assert.are.equal("invalid_request", results[slot].kind)
      assert.are.equal("domains[2]", results[slot].fields[1].field)
    end
    assert.are.equal("b.com", results[5].domain)
    assert.are.same({ "a.com", "b.com" }, batch_bodies(mock)[1].domains)
  end)

  it("puts an item the API rejected in its slot as an http error REJECTED", function()
    local client = helper.client(mock)
    local results = assert(client:ask_many{ domains = { "a.com", "not a domain" }, questions = { "Q?" } })
    assert.are.equal("completed", results[1].status)
    local err = results[2]
    assert.are.equal("error", signals.kind(err))
    assert.are.equal("http", err.kind)
    assert.are.equal("REJECTED", err.code)
    assert.is_nil(err.status)
    assert.is_false(err.retryable)
    assert.is_false(err.maybe_processed)
    assert.matches("valid hostname", err.message)
    assert.are.equal("not a domain", err.details.domain)
    assert.are.equal(1, signal_reads(mock))
  end)

  it("gives an empty array for no domains and refuses unusable arguments, sending nothing", function()
    local client = helper.client(mock)
    assert.are.same({}, client:ask_many{ domains = {}, questions = { "Q?" } })
    local cases = {
      { { domains = { "a.com" }, questions = {} }, nil, "questions" },
      { { domains = { "a.com" } }, nil, "questions" },
      { { domains = { "a.com" }, questions = { 7 } }, nil, "questions[1]" },
      { { domains = "a.com", questions = { "Q?" } }, nil, "domains" },
      { { domains = { "a.com" }, questions = { "Q?" }, async = true }, nil, "async" },
      { { domains = { "a.com" }, questions = { "Q?" } }, { concurrency = 0 }, "opts.concurrency" },
      { { domains = { "a.com" }, questions = { "Q?" } }, { created = { [2] = "x" } }, "opts.created" },
      { { domains = { "a.com" }, questions = { "Q?" } }, { bogus = 1 }, "opts.bogus" },
      { "a.com", nil, "params" },
    }
    for _, case in ipairs(cases) do
      local results, err = client:ask_many(case[1], case[2])
      assert.is_nil(results)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(case[3], err.fields[1].field)
    end
    assert.are.same({}, mock:requests())
  end)

  it("asks a signal that failed retryably again through the batch create", function()
    local client, slept = helper.client(mock)
    local seen = {}
    local results = assert(client:ask_many({ domains = { "a.com", "b.com", "c.com" },
      questions = { "Hiring? [flaky:1]", "Stable?" } },
      { on_progress = function(done, total) seen[#seen + 1] = done .. "/" .. total end }))
    for slot = 1, 6 do assert.are.equal("completed", results[slot].status) end
    local bodies = batch_bodies(mock)
    assert.are.equal(2, #bodies)
    -- the second call asks only the flaky question, about the three domains
    assert.are.same({ "a.com", "b.com", "c.com" }, bodies[2].domains)
    assert.are.same({ { question = "Hiring? [flaky:1]" } }, bodies[2].signals)
    -- after a backoff (full jitter below retry_base_delay for the first)
    local backoff = false
    for _, s in ipairs(slept) do backoff = backoff or (s > 0 and s <= 0.5) end
    assert.is_true(backoff)
    -- the failed attempts count as done and add to the total
    assert.are.equal("9/9", seen[#seen])
  end)

  it("returns a failed signal as data once its attempts are spent, a permanent failure at once", function()
    local client = helper.client(mock)
    local results = assert(client:ask_many({ domains = { "a.com", "b.com" },
      questions = { "Retry? [fail:retryable]", "Never? [fail:permanent]" } }, { max_attempts = 2 }))
    assert.are.equal("failed", results[1].status)
    assert.is_true(results[1].retryable)
    assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", results[2].errorCode)
    local bodies = batch_bodies(mock)
    assert.are.equal(2, #bodies)
    assert.are.same({ { question = "Retry? [fail:retryable]" } }, bodies[2].signals)
  end)

  it("waits for the ids it is given instead of creating them again", function()
    local client = helper.client(mock)
    local earlier = { mock:seed{ domain = "a.com", question = "Q1?" }.ids[1],
                      mock:seed{ domain = "a.com", question = "Q2?" }.ids[1] }
    local results = assert(client:ask_many({ domains = { "a.com", "b.com" }, questions = { "Q1?", "Q2?" } },
      { created = { [1] = earlier[1], [2] = earlier[2] } }))
    assert.are.equal(earlier[1], results[1].id)
    assert.are.equal(earlier[2], results[2].id)
    assert.are.equal("b.com", results[3].domain)
    local bodies = batch_bodies(mock)
    assert.are.equal(1, #bodies)
    assert.are.same({ "b.com" }, bodies[1].domains)
    -- a domain with one question known asks only the other one
    mock:reset{ delay_ms = 0 }
    earlier = mock:seed{ domain = "a.com", question = "Q2?" }.ids
    results = assert(client:ask_many({ domains = { "a.com", "b.com" }, questions = { "Q1?", "Q2?" } },
      { created = { [2] = earlier[1] }, concurrency = 1 }))
    assert.are.equal(earlier[1], results[2].id)
    assert.are.equal("Q1?", results[1].question)
    bodies = batch_bodies(mock)
    assert.are.equal(2, #bodies)
    assert.are.same({ { "a.com" }, { { question = "Q1?" } } }, { bodies[1].domains, bodies[1].signals })
    assert.are.same({ "b.com" }, bodies[2].domains)
  end)

  it("turns a batch answer without results (the async shape) into decode errors, maybe processed", function()
    mock:fault{ method = "POST", path = BATCH, fault = "status", status = 200,
      body = { batchId = "b-1", status = "accepted", async = true, totalSignals = 2, submittedAt = "2026-01-01T00:00:00Z" } }
    local client = helper.client(mock)
    local results = assert(client:ask_many{ domains = { "a.com", "b.com" }, questions = { "Q?" } })
    for slot = 1, 2 do
      assert.are.equal("decode", results[slot].kind)
      assert.is_true(results[slot].maybe_processed)
      assert.is_false(results[slot].retryable)
      assert.matches("batch b%-1", results[slot].message)
    end
    assert.are.equal(0, signal_reads(mock))
  end)

  it("matches fewer results than asked by domain and question, and waits for every id it got", function()
    local seeded = mock:seed{ count = 2, domain = "c.com" }.ids
    -- the answer leaves out a.com and b.com's second question, and carries
    -- one signal nobody asked for
    mock:fault{ method = "POST", path = BATCH, fault = "status", status = 200, body = {
      submittedAt = "2026-01-01T00:00:00Z", totalSignals = 6, accepted = 3, rejected = 0, results = {
        { id = seeded[1], status = "processing", domain = "c.com", question = "Q2?" },
        { id = seeded[2], status = "processing", domain = "zzz.com", question = "Q1?" },
        { status = "rejected", domain = "b.com", question = "Q1?", error = "no" } } } }
    local client = helper.client(mock)
    local results = assert(client:ask_many{ domains = { "a.com", "b.com", "c.com" }, questions = { "Q1?", "Q2?" } })
    assert.are.equal(6, #results)
    for _, slot in ipairs { 1, 2, 4, 5 } do
      assert.are.equal("decode", results[slot].kind, slot)
      assert.is_true(results[slot].maybe_processed)
    end
    assert.are.equal("REJECTED", results[3].code)
    assert.are.equal(seeded[1], results[6].id)
    assert.are.equal("completed", results[6].status)
    assert.are.equal(1, #results.unmatched)
    assert.are.equal(seeded[2], results.unmatched[1].id)
    assert.are.equal(2, signal_reads(mock))
  end)

  it("takes a batch result only for the slot of its domain and question, whatever its position", function()
    local seeded = {}
    for _, dq in ipairs { { "a.com", "Q1?" }, { "a.com", "Q2?" }, { "b.com", "Q1?" }, { "b.com", "Q2?" } } do
      seeded[dq[1] .. dq[2]] = mock:seed{ domain = dq[1], question = dq[2] }.ids[1]
    end
    local function item(domain, question)
      return { id = seeded[domain .. question], status = "processing", domain = domain, question = question }
    end
    local function answer(items)
      mock:fault{ method = "POST", path = BATCH, fault = "status", status = 200, body = {
        submittedAt = "2026-01-01T00:00:00Z", totalSignals = 4, accepted = #items, rejected = 0, results = items } }
    end
    local client = helper.client(mock)
    local params = { domains = { "a.com", "b.com" }, questions = { "Q1?", "Q2?" } }
    -- as many results as asked, question-major
    answer{ item("a.com", "Q1?"), item("b.com", "Q1?"), item("a.com", "Q2?"), item("b.com", "Q2?") }
    local results = assert(client:ask_many(params))
    for slot, key in ipairs { "a.comQ1?", "a.comQ2?", "b.comQ1?", "b.comQ2?" } do
      assert.are.equal(seeded[key], results[slot].id, slot)
    end
    assert.is_nil(results.unmatched)
    -- as many as asked, one of them twice and another missing
    answer{ item("a.com", "Q1?"), item("a.com", "Q1?"), item("b.com", "Q1?"), item("b.com", "Q2?") }
    results = assert(client:ask_many(params))
    assert.are.equal(seeded["a.comQ1?"], results[1].id)
    assert.are.equal("decode", results[2].kind)
    assert.is_true(results[2].maybe_processed)
    assert.are.equal(seeded["b.comQ1?"], results[3].id)
    assert.are.equal(seeded["b.comQ2?"], results[4].id)
    assert.is_nil(results.unmatched)
    -- results that say neither domain nor question: their position is all there is
    local bare = {}
    for i, key in ipairs { "a.comQ1?", "a.comQ2?", "b.comQ1?", "b.comQ2?" } do
      bare[i] = { id = seeded[key], status = "processing" }
    end
    answer(bare)
    results = assert(client:ask_many(params))
    for slot, entry in ipairs(bare) do assert.are.equal(entry.id, results[slot].id) end
  end)

  it("calls on_created for a batch as soon as its answer is in, while another call is still out", function()
    -- two batch calls at once; the first to reach the mock stalls 4 s
    mock:fault{ method = "POST", path = BATCH, fault = "stall", seconds = 4 }
    local client = helper.client(mock)
    local gettime = require("socket").gettime
    local start, at = gettime(), {}
    local results = assert(client:ask_many({ domains = domains_list(200), questions = { "Q?" } },
      { concurrency = 2, on_created = function(index) at[index] = gettime() - start end }))
    local early, late = 0, 0
    for i = 1, 200 do
      assert.are.equal("completed", results[i].status)
      if at[i] < 3 then early = early + 1 elseif at[i] >= 3.9 then late = late + 1 end
    end
    assert.are.same({ 100, 100 }, { early, late })
  end)

  it("puts an error in the slot of a given id whose signal is about another domain or question", function()
    local other_domain = mock:seed{ domain = "z.com", question = "Q1?" }.ids[1]
    local other_question = mock:seed{ domain = "a.com", question = "Q9?" }.ids[1]
    local right = mock:seed{ domain = "A.com", question = "Q2?" }.ids[1]
    local client = helper.client(mock)
    local results = assert(client:ask_many({ domains = { "a.com", "b.com" }, questions = { "Q1?", "Q2?" } },
      { created = { [1] = other_domain, [2] = right, [3] = other_question } }))
    for slot, id in pairs { [1] = other_domain, [3] = other_question } do
      local err = results[slot]
      assert.are.equal("error", signals.kind(err), slot)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal("opts.created[" .. slot .. "]", err.fields[1].field)
      assert.matches(id, err.message, 1, true)
      assert.matches("is about", err.message)
    end
    -- a domain's case does not matter
    assert.are.equal(right, results[2].id)
    assert.are.equal("b.com", results[4].domain)
    -- the pairs of the ids refused are not asked again
    assert.are.same({ "b.com" }, batch_bodies(mock)[1].domains)
  end)

  it("puts the error of a batch call that failed in each of its slots", function()
    mock:fault{ method = "POST", path = BATCH, fault = "status", status = 402,
      body = { error = { code = "INSUFFICIENT_CREDITS", message = "no credits" } } }
    local client = helper.client(mock)
    local results = assert(client:ask_many({ domains = domains_list(60), questions = { "Q1?", "Q2?" } },
      { concurrency = 1 }))
    -- the first call (50 domains) failed, the second went through
    for slot = 1, 100 do
      assert.are.equal("http", results[slot].kind)
      assert.are.equal(402, results[slot].status)
      assert.is_false(results[slot].maybe_processed)
    end
    assert.are.equal("completed", results[101].status)
  end)

  it("gives up on a signal still processing after the timeout", function()
    mock:config{ delay_ms = 60000 }
    local client = helper.client(mock)
    local results = assert(client:ask_many({ domains = { "a.com" }, questions = { "Q?" } },
      { timeout = 5, interval = 2 }))
    local err = results[1]
    assert.are.equal("timeout", err.kind)
    assert.are.equal("processing", err.signal.status)
    assert.matches("still processing after 5 s", err.message)
    assert.are.equal(3, signal_reads(mock))
  end)

  it("asks about 100 000 domains in 1000 calls, in order", function()
    -- Every domain is malformed, so the API rejects every item and there is
    -- nothing to read: the calls and the results are what is measured.
    local domains, n = {}, helper.sample(100000)
    for i = 1, n do domains[i] = "bad domain " .. i end
    local client = helper.client(mock)
    collectgarbage()
    local before = collectgarbage("count")
    local results = assert(client:ask_many({ domains = domains, questions = { "Q?" } }, { concurrency = 4 }))
    assert.are.equal(n, #results)
    assert.are.equal("bad domain 1", results[1].details.domain)
    assert.are.equal("bad domain " .. n, results[n].details.domain)
    assert.are.equal("REJECTED", results[n - 4321].code)
    local growth_mb = (collectgarbage("count") - before) / 1024
    assert.is_true(growth_mb < 200, growth_mb .. " MB")
    local calls = mock:requests_to("POST", BATCH)
    assert.are.equal(n / 100, #calls)
    local last = helper.body_of(calls[#calls]).domains
    assert.are.equal(100, #last)
  end)
end)

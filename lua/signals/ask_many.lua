-- client:ask_many (CONTRACT §12): every question about every domain through
-- the batch create (API-NOTES §5.5, §16a), at most 100 signals a call, the
-- answers collected with reads, and the signals that failed with
-- retryable = true asked again, through the batch create too.
--
-- Each distinct domain and question is one signal (a "pair"); a domain
-- given twice shares its pairs, so it is paid for once. The work goes in
-- steps: each step is one client:all over the batch calls due (at most
-- `concurrency`) and the reads due (at most POLLS_PER_STEP), so that
-- creating and collecting overlap and progress moves at every step; each
-- batch answer is settled as it comes (client:all's on_result), so that
-- the caller hears of its ids (on_created) while the step's other calls
-- are still out.
-- Timed work (the next read of a signal still processing, asking a failed
-- one again after its backoff) waits in a heap ordered by when it is due.
local core = require("signals.core")
local request = require("signals.request")
local retry = require("signals.retry")
local validate = require("signals.validate")
local errors = require("signals.errors")

local type, pairs, ipairs, setmetatable, math_type = type, pairs, ipairs, setmetatable, math.type
local floor, min, max = math.floor, math.min, math.max
local format, concat, sort, lower = string.format, table.concat, table.sort, string.lower

local ask_many = {}

-- What one batch call without `async` may hold (the API's cap).
local MAX_SIGNALS = 100
-- Reads per step: enough to keep `concurrency` requests busy, few enough
-- that progress and new ids are reported often.
local POLLS_PER_STEP = 500
local DEFAULT_CONCURRENCY = 8
local DEFAULT_MAX_ATTEMPTS = 3
local DEFAULT_TIMEOUT = 300
local DEFAULT_INTERVAL = 2

local BATCH_METHOD, BATCH_PATH = "POST", "/v1/companies/signals/batch"
local SIGNAL_PATH = "/v1/companies/signals/"

local OPTIONS = { concurrency = "positive_integer", on_progress = "function", on_created = "function",
  max_attempts = "positive_integer", timeout = "duration", interval = "positive", created = "table",
  headers = "table", max_retries = "count" }

-- Fields of the batch call as a whole: a call per hundred signals cannot
-- honour them (a summary per call, an async call without ids).
local WHOLE_BATCH_FIELDS = { async = true, generateSummaryOnComplete = true }

local BATCH = { method = BATCH_METHOD, path = BATCH_PATH }

local function refused(field, message)
  return nil, errors.invalid(message, { { field = field, message = message } }, BATCH)
end

-- Whole numbers only: on Lua 5.1 and LuaJIT every number is a float.
local function is_index(value, limit)
  if math_type then return math_type(value) == "integer" and value >= 1 and value <= limit end
  return type(value) == "number" and value == floor(value) and value >= 1 and value <= limit
end

-- The signal definitions: each question (a string, or a table of the
-- batch's per-signal fields) over the defaults the other params give.
local function definitions(params)
  local questions = params.questions
  if type(questions) ~= "table" or #questions == 0 then
    return refused("questions", "'questions' must be a non-empty array of questions")
  end
  local defaults = {}
  for name, value in pairs(params) do
    if name ~= "domains" and name ~= "questions" then
      if type(name) ~= "string" then return refused("params", "'params' must be keyed by field name") end
      if WHOLE_BATCH_FIELDS[name] then
        return refused(name, format("'%s' cannot be used with ask_many, which makes a batch call "
          .. "per hundred signals", name))
      end
      defaults[name] = value
    end
  end
  local defs = {}
  for i = 1, #questions do
    local question, def = questions[i], {}
    for name, value in pairs(defaults) do def[name] = value end
    if type(question) == "string" then
      def.question = question
    elseif type(question) == "table" then
      for name, value in pairs(question) do def[name] = value end
    else
      local field = format("questions[%d]", i)
      return refused(field, format("'%s' must be a question or a table of signal fields", field))
    end
    defs[i] = def
  end
  return defs
end

-- A heap of timed work { due =, seq =, p =, ask = }, earliest first (in
-- the order pushed among equals).
local function earlier(a, b)
  return a.due < b.due or (a.due == b.due and a.seq < b.seq)
end

local function push(heap, entry)
  local i = #heap + 1
  while i > 1 do
    local parent = floor(i / 2)
    if not earlier(entry, heap[parent]) then break end
    heap[i], i = heap[parent], parent
  end
  heap[i] = entry
end

local function pop(heap)
  local top, n = heap[1], #heap
  local last = heap[n]
  heap[n], n = nil, n - 1
  if n > 0 then
    local i = 1
    while 2 * i <= n do
      local child = 2 * i
      if child < n and earlier(heap[child + 1], heap[child]) then child = child + 1 end
      if not earlier(heap[child], last) then break end
      heap[i], i = heap[child], child
    end
    heap[i] = last
  end
  return top
end

local function slice(list, from, to)
  local part = {}
  for i = from, min(to, #list) do part[#part + 1] = list[i] end
  return part
end

-- What the domains, questions and `created` come to: the distinct domains,
-- where each domain index goes, the slots refused before sending, and the
-- ids already known per pair.
local function plan(domains, nq, created)
  local uniq, first, later, u_of, refusals = {}, {}, {}, {}, {}
  for d = 1, #domains do
    local domain = domains[d]
    if type(domain) ~= "string" then
      local field = format("domains[%d]", d)
      refusals[d] = core.error{ kind = "invalid_request", message = format("'%s' must be a string", field),
                                fields = { { field = field, message = "must be a string" } },
                                method = BATCH_METHOD, path = BATCH_PATH }
    elseif u_of[domain] then
      local u = u_of[domain]
      later[u] = later[u] or {}
      later[u][#later[u] + 1] = d
    else
      uniq[#uniq + 1] = domain
      u_of[domain] = #uniq
      first[#uniq] = d
    end
  end
  local ids, from_slot = {}, {}
  local total = #domains * nq
  for slot, id in pairs(created or {}) do
    if not is_index(slot, total) or type(id) ~= "string" then
      return refused("opts.created", "'opts.created' must map result indexes (1 to #domains x #questions) "
        .. "to signal ids")
    end
    local domain = domains[floor((slot - 1) / nq) + 1]
    if type(domain) == "string" then
      -- Of the ids given for one pair (a duplicate domain), the first slot's.
      local p = (u_of[domain] - 1) * nq + (slot - 1) % nq + 1
      if not from_slot[p] or slot < from_slot[p] then ids[p], from_slot[p] = id, slot end
    end
  end
  return { uniq = uniq, first = first, later = later, refusals = refusals, ids = ids, from_slot = from_slot }
end

-- A source of needs (a distinct domain and the questions to ask about it)
-- that packs them into batch calls: domain-major, consecutive domains that
-- need the same questions in one call, a domain with more than a call
-- holds in calls of a hundred.
local function chunk_from(source)
  local need = source:take()
  if not need then return nil end
  local qs = need.qs
  if #qs > MAX_SIGNALS then
    -- A key of its own: the rest shares a call with no other domain.
    source:unread{ u = need.u, qs = slice(qs, MAX_SIGNALS + 1, #qs), key = {} }
    return { us = { need.u }, qs = slice(qs, 1, MAX_SIGNALS) }
  end
  local chunk = { us = { need.u }, qs = qs }
  for _ = 2, floor(MAX_SIGNALS / #qs) do
    local next_need = source:take()
    if not next_need then break end
    if next_need.key ~= need.key then
      source:unread(next_need)
      break
    end
    chunk.us[#chunk.us + 1] = next_need.u
  end
  return chunk
end

local Source = {}
Source.__index = Source

function Source:take()
  local back = self.back
  if back then
    self.back = nil
    return back
  end
  return self:next()
end

function Source:unread(need) self.back = need end

local function needs_key(qs) return concat(qs, ",") end

function ask_many.run(client, params, opts)
  if opts == nil then opts = {} end
  local problems = validate.settings(OPTIONS, opts, "opts")
  if #problems > 0 then
    return nil, errors.refused(problems)
  end
  if type(params) ~= "table" then return refused("params", "'params' must be a table") end
  local domains = params.domains
  if type(domains) ~= "table" then return refused("domains", "'domains' must be an array of domains") end
  local defs, err = definitions(params)
  if not defs then return nil, err end
  local nq = #defs
  local work
  work, err = plan(domains, nq, opts.created)
  if not work then return nil, err end

  local uniq, first, later, ids, from_slot = work.uniq, work.first, work.later, work.ids, work.from_slot
  local npairs = #uniq * nq
  local limit = opts.concurrency or DEFAULT_CONCURRENCY
  local max_attempts = opts.max_attempts or DEFAULT_MAX_ATTEMPTS
  local timeout = opts.timeout or DEFAULT_TIMEOUT
  local interval = opts.interval or DEFAULT_INTERVAL
  local on_progress, on_created = opts.on_progress, opts.on_created
  local call_opts = (opts.headers or opts.max_retries)
    and { headers = opts.headers, max_retries = opts.max_retries } or nil

  local results = {}
  local total, done, reported_done, reported_total = #domains * nq, 0, 0, #domains * nq
  local attempts, deadlines, resumed, extras = {}, {}, {}, 0
  local heap, seq = {}, 0

  local function schedule(p, due, ask)
    seq = seq + 1
    push(heap, { due = due, seq = seq, p = p, ask = ask })
  end

  local function report()
    if on_progress and (done ~= reported_done or total ~= reported_total) then
      reported_done, reported_total = done, total
      on_progress(done, total)
    end
  end

  -- Calls fn(slot) for each result slot of pair p (a duplicate domain's too).
  local function each_slot(p, fn)
    local u, q = floor((p - 1) / nq) + 1, (p - 1) % nq + 1
    fn((first[u] - 1) * nq + q)
    for _, d in ipairs(later[u] or {}) do fn((d - 1) * nq + q) end
  end

  local function slot_count(p)
    local more = later[floor((p - 1) / nq) + 1]
    return 1 + (more and #more or 0)
  end

  -- Pairs beyond npairs are signals the API answered but nobody asked for
  -- (a batch answer's extra results): waited for, kept in results.unmatched.
  local function finish(p, value)
    if p > npairs then
      results.unmatched = results.unmatched or {}
      results.unmatched[p - npairs] = value
      done = done + 1
      return
    end
    each_slot(p, function(slot) results[slot] = value end)
    done = done + slot_count(p)
  end

  -- The id of pair p is known (at time `at`): read it when it may be done.
  local function accepted(p, id, status, at)
    ids[p], deadlines[p] = id, at + timeout
    if on_created and p <= npairs then each_slot(p, function(slot) on_created(slot, id) end) end
    schedule(p, status == "processing" and min(at + interval, deadlines[p]) or at)
  end

  for d, err_object in pairs(work.refusals) do
    for q = 1, nq do results[(d - 1) * nq + q] = err_object end
    done = done + nq
  end
  local start = request.now(client)
  for p = 1, npairs do
    attempts[p] = 1
    if ids[p] then
      resumed[p], deadlines[p] = true, start + timeout
      schedule(p, start)
    end
  end

  -- The first round: every distinct domain, the questions it has no id for.
  local all_questions = {}
  for q = 1, nq do all_questions[q] = q end
  local fresh = setmetatable({ cursor = 1 }, Source)
  function fresh:next()
    while self.cursor <= #uniq do
      local u = self.cursor
      self.cursor = u + 1
      local qs, partial = all_questions, false
      for q = 1, nq do
        if resumed[(u - 1) * nq + q] then partial = true break end
      end
      if partial then
        qs = {}
        for q = 1, nq do
          if not resumed[(u - 1) * nq + q] then qs[#qs + 1] = q end
        end
      end
      if #qs > 0 then return { u = u, qs = qs, key = partial and needs_key(qs) or "" } end
    end
  end
  -- Asked again: the pairs whose backoff is over, grouped by domain.
  local again = setmetatable({ needs = {}, i = 1 }, Source)
  function again:next()
    local need = self.needs[self.i]
    if need then self.needs[self.i], self.i = nil, self.i + 1 end
    return need
  end
  function again:add(asks)
    sort(asks)
    local need
    for _, p in ipairs(asks) do
      local u, q = floor((p - 1) / nq) + 1, (p - 1) % nq + 1
      if not need or need.u ~= u then
        if need then need.key = needs_key(need.qs) end
        need = { u = u, qs = {} }
        self.needs[#self.needs + 1] = need
      end
      need.qs[#need.qs + 1] = q
    end
    need.key = needs_key(need.qs)
  end

  local function batch_call(chunk)
    local signals, chosen = defs, {}
    if chunk.qs ~= all_questions then
      signals = {}
      for i, q in ipairs(chunk.qs) do signals[i] = defs[q] end
    end
    for i, u in ipairs(chunk.us) do chosen[i] = uniq[u] end
    return { "create_signal_batch", { signals = signals, domains = chosen }, call_opts }
  end

  -- Whether what `value` (a batch result or a signal) says of its domain
  -- and question agrees with pair p (a domain's case does not matter); a
  -- question p did not set (a template's) cannot disagree.
  local function agrees(value, p)
    local domain, question = value.domain, value.question
    local asked = defs[(p - 1) % nq + 1].question
    return (domain == nil or (type(domain) == "string" and lower(domain) == lower(uniq[floor((p - 1) / nq) + 1])))
      and (question == nil or asked == nil or question == asked)
  end

  -- The batch answer's results for the pairs asked, in the order asked.
  -- When the API answered as many as were asked, a result goes to its
  -- position (the documented order) if it does not say otherwise; the
  -- rest go to the first pair left whose domain they name and whose
  -- question they agree with. A result naming no domain has only its
  -- position. An id goes to one slot at most (a result given twice is
  -- one signal). The results that match nothing asked but carry an id are
  -- paid for all the same: `extra`.
  local function matched(items, expected)
    local by_slot, taken, left, extra = {}, {}, {}, {}
    local function take(k, item)
      by_slot[k] = item
      if type(item.id) == "string" then taken[item.id] = true end
    end
    for k, item in ipairs(items) do
      if type(item) == "table" then
        if #items == #expected and not taken[item.id] and agrees(item, expected[k]) then
          take(k, item)
        else
          left[#left + 1] = item
        end
      end
    end
    for _, item in ipairs(left) do
      if not taken[item.id] then
        local found
        if item.domain ~= nil then
          for k, p in ipairs(expected) do
            if not by_slot[k] and agrees(item, p) then
              found = k
              break
            end
          end
        end
        if found then
          take(found, item)
        elseif type(item.id) == "string" then
          taken[item.id] = true
          extra[#extra + 1] = item
        end
      end
    end
    return by_slot, extra
  end

  local function rejected(item)
    local reason = item.error
    return core.error{ kind = "http", code = "REJECTED", retryable = false, maybe_processed = false,
      message = type(reason) == "string" and reason ~= "" and reason or "the API rejected this signal",
      details = item, method = BATCH_METHOD, path = BATCH_PATH }
  end

  local function settle_batch(chunk, value, at)
    local expected = {}
    for _, u in ipairs(chunk.us) do
      for _, q in ipairs(chunk.qs) do expected[#expected + 1] = (u - 1) * nq + q end
    end
    if core.kind(value) == "error" then
      for _, p in ipairs(expected) do finish(p, value) end
      return
    end
    local items = value.results
    if type(items) ~= "table" then
      local batch_id = value.batchId
      local failure = core.error{ kind = "decode", retryable = false, maybe_processed = true,
        message = "the batch answer carries no results" .. (type(batch_id) == "string"
          and " (batch " .. batch_id .. ")" or "") .. ": the signals may have been created, "
          .. "but their ids are unknown", method = BATCH_METHOD, path = BATCH_PATH }
      for _, p in ipairs(expected) do finish(p, failure) end
      return
    end
    local by_slot, extra = matched(items, expected)
    local missing
    for k, p in ipairs(expected) do
      local item = by_slot[k]
      if type(item) ~= "table" then
        missing = missing or core.error{ kind = "decode", retryable = false, maybe_processed = true,
          message = format("the batch answer has no result for this signal (%d results for %d signals)",
            #items, #expected), method = BATCH_METHOD, path = BATCH_PATH }
        finish(p, missing)
      elseif type(item.id) == "string" then
        accepted(p, item.id, item.status, at)
      else
        finish(p, rejected(item))
      end
    end
    for _, item in ipairs(extra) do
      extras, total = extras + 1, total + 1
      accepted(npairs + extras, item.id, item.status, at)
    end
  end

  -- An id of opts.created whose signal is about something else than its
  -- slot asks (a damaged record of an earlier run): not taken.
  local function not_asked(p, value)
    local slot, id = from_slot[p], ids[p]
    local field = format("opts.created[%d]", slot)
    local message = format("'%s' is signal %s, which is about %s, %s, not about %s, %s", field, id,
      tostring(value.domain), tostring(value.question), uniq[floor((p - 1) / nq) + 1],
      tostring(defs[(p - 1) % nq + 1].question))
    return core.error{ kind = "invalid_request", message = message, retryable = false, maybe_processed = false,
      fields = { { field = field, message = "is a signal about another domain or question" } },
      method = "GET", path = SIGNAL_PATH .. id }
  end

  -- A read of pair p came back; `asks` collects the pairs to ask again and
  -- returns the longest backoff among them.
  local function settle_read(p, value, at, asks, backoff)
    if core.kind(value) == "error" then
      finish(p, value)
      return backoff
    end
    if resumed[p] and attempts[p] == 1 and not agrees(value, p) then
      finish(p, not_asked(p, value))
      return backoff
    end
    if value.status == "processing" then
      if at >= deadlines[p] then
        local id = ids[p]
        finish(p, core.error{ kind = "timeout", signal = value, retryable = true,
          message = format("signal %s still processing after %g s", id, timeout),
          method = "GET", path = SIGNAL_PATH .. id })
      else
        schedule(p, min(at + interval, deadlines[p]))
      end
      return backoff
    end
    local delay = p <= npairs and retry.again(value, attempts[p], max_attempts, client.options)
    if not delay then
      finish(p, value)
      return backoff
    end
    -- This attempt is over (done), and another one is to come (total).
    local n = slot_count(p)
    done, total = done + n, total + n
    attempts[p], ids[p] = attempts[p] + 1, nil
    asks[#asks + 1] = p
    return max(backoff or 0, delay)
  end

  while true do
    local at = request.now(client)
    local reads, due_asks = {}, {}
    while heap[1] and heap[1].due <= at and #reads < POLLS_PER_STEP do
      local entry = pop(heap)
      if entry.ask then due_asks[#due_asks + 1] = entry.p else reads[#reads + 1] = entry.p end
    end
    if #due_asks > 0 then again:add(due_asks) end
    local chunks = {}
    while #chunks < limit do
      local chunk = chunk_from(again) or chunk_from(fresh)
      if not chunk then break end
      chunks[#chunks + 1] = chunk
    end
    if #chunks == 0 and #reads == 0 then
      if not heap[1] then break end
      request.sleep(client, max(0, heap[1].due - request.now(client)))
    else
      local calls = {}
      for i, chunk in ipairs(chunks) do calls[i] = batch_call(chunk) end
      for _, p in ipairs(reads) do
        calls[#calls + 1] = { "get_signal", { signalId = ids[p] }, call_opts }
      end
      -- A batch answer is settled as it comes (its ids go to on_created
      -- at once); the reads when the step is over.
      local answers = client:all(calls, { concurrency = limit, on_result = function(i, value)
        if i <= #chunks then
          settle_batch(chunks[i], value, request.now(client))
          report()
        end
      end })
      at = request.now(client)
      local asks, backoff = {}, nil
      for i, p in ipairs(reads) do
        backoff = settle_read(p, answers[#chunks + i], at, asks, backoff)
      end
      -- One backoff for the pairs of a step, so that they go in one call.
      for _, p in ipairs(asks) do schedule(p, at + backoff, true) end
      report()
    end
  end
  report()
  return results
end

return ask_many

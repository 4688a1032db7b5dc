-- The pages nginx serves to the benchmark, made at run time so that nothing
-- large is kept in the repository: signals in the API's shape (API-NOTES §4),
-- every answer type of API-NOTES §4.1 plus processing and failed ones, as compact
-- JSON like the API sends. The text is written here, key by key, because a
-- JSON library would order the keys differently from run to run.
local format, concat = string.format, table.concat

local fixtures = {}

-- The one signal id of the single-signal fixture (get_signal's path).
fixtures.SIGNAL_ID = "7a2b9c10-1d2e-4f3a-8b4c-5d6e7f8a9b0c"

-- A fixed generator, so that every run serves the same bytes.
local function generator(seed)
  local state = seed
  return function(n)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  end
end

local WORDS = { "logistics", "platform", "hiring", "engineers", "funding", "customers",
  "freight", "pricing", "expansion", "Europe", "partnership", "analytics", "routing",
  "warehouse", "carriers", "launch", "revenue", "team", "product", "market" }

local function sentence(random, words)
  local out = {}
  for i = 1, words do out[i] = WORDS[random(#WORDS) + 1] end
  return concat(out, " ") .. "."
end

local function uuid(random)
  local hex = {}
  for i = 1, 32 do hex[i] = format("%x", random(16)) end
  local s = concat(hex)
  return format("%s-%s-4%s-8%s-%s", s:sub(1, 8), s:sub(9, 12), s:sub(14, 16), s:sub(18, 20), s:sub(21, 32))
end

local function quoted(s) return '"' .. s .. '"' end

-- Members in order: { "key", json_text }.
local function object(members)
  local out = {}
  for i, m in ipairs(members) do out[i] = quoted(m[1]) .. ":" .. m[2] end
  return "{" .. concat(out, ",") .. "}"
end

local function array(items) return "[" .. concat(items, ",") .. "]" end

local ANSWERS = {
  { "open_text", "openText", function(r) return quoted(sentence(r, 14)) end },
  { "boolean", "boolean", function(r) return r(2) == 0 and "true" or "false" end },
  { "number", "number", function(r) return tostring(r(100000)) end },
  { "list", "list", function(r) return array { quoted(WORDS[r(20) + 1]), quoted(WORDS[r(20) + 1]),
                                               quoted(WORDS[r(20) + 1]) } end },
  { "percentage", "percentage", function(r) return tostring(r(100)) end },
  { "currency", "currency", function(r) return quoted(tostring(r(90000000) + 1000000)) end },
  { "url", "url", function(r) return quoted("https://acme.com/" .. WORDS[r(20) + 1]) end },
  { "json_schema", "jsonSchema", function(r) return object {
      { "raised", "true" }, { "stage", quoted("Series B") }, { "amount", tostring(r(90) + 10) .. ".5" },
      { "investors", array { quoted("Sequoia"), quoted("Index") } } } end },
}

local function timestamp(random)
  return quoted(format("2026-06-%02dT%02d:%02d:%02dZ", random(28) + 1, random(24), random(60), random(60)))
end

-- The n-th signal of a page: mostly completed, every answer type in turn,
-- with a processing and a failed one now and then.
local function signal(random, n, id)
  local answer = ANSWERS[n % #ANSWERS + 1]
  local members = {
    { "id", quoted(id or uuid(random)) },
    { "signalType", quoted("company") },
    { "domain", quoted("acme.com") },
    { "question", quoted("Is Acme " .. sentence(random, 6)) },
    { "answerType", quoted(answer[1]) },
    { "createdAt", timestamp(random) },
  }
  local kind = n % 10
  if kind == 4 then
    table.insert(members, 3, { "status", quoted("processing") })
    return object(members)
  end
  if kind == 9 then
    table.insert(members, 3, { "status", quoted("failed") })
    members[#members + 1] = { "retryable", "true" }
    members[#members + 1] = { "error", quoted("The research step timed out while fetching sources.") }
    members[#members + 1] = { "errorCode", quoted("INTERNAL_ERROR") }
    members[#members + 1] = { "completedAt", timestamp(random) }
    return object(members)
  end
  table.insert(members, 3, { "status", quoted("completed") })
  local inner = answer[1] == "json_schema" and answer[3](random)
    or object { { "value", answer[3](random) } }
  members[#members + 1] = { "answer", object { { "type", quoted(answer[1]) }, { answer[2], inner } } }
  members[#members + 1] = { "confidence", format("0.%02d", random(99) + 1) }
  members[#members + 1] = { "reasoning", quoted(sentence(random, 52)) }
  local sources = {}
  for i = 1, 3 do
    sources[i] = object { { "url", quoted("https://www.acme.com/" .. WORDS[random(20) + 1] .. "/" .. i) },
                          { "title", quoted(sentence(random, 5)) } }
  end
  members[#members + 1] = { "sources", array(sources) }
  members[#members + 1] = { "completedAt", timestamp(random) }
  return object(members)
end

local function page(count, seed)
  local random = generator(seed)
  local items = {}
  for n = 1, count do items[n] = signal(random, n) end
  return object { { "results", array(items) }, { "total", tostring(count * 40) },
                  { "limit", tostring(count) }, { "offset", "0" }, { "count", tostring(count) } }
end

-- { name = json_text }: page (25 signals, about 25 KB), signal (one), big (1100 signals, about 1 MB).
function fixtures.make()
  return {
    page = page(25, 1),
    signal = signal(generator(2), 1, fixtures.SIGNAL_ID),
    big = page(1100, 3),
  }
end

-- Writes each fixture to dir/<name>.json; returns the texts.
function fixtures.write(dir)
  local texts = fixtures.make()
  for name, text in pairs(texts) do
    local f = assert(io.open(dir .. "/" .. name .. ".json", "wb"))
    f:write(text)
    f:close()
  end
  return texts
end

return fixtures

-- Reading a page the way the benchmark's rows do, the same code for
-- signals objects and for lua-cjson tables. `full` reads every field of the
-- envelope and of every signal, as a script that knows the API's signal
-- (API-NOTES §4) would: each field by its name, the sources' url and title,
-- and the answer, whose shape depends on its type, walked to the bottom.
-- `lazy` reads only what a typical script looks at: id, status, value.
-- Each returns a count that depends on everything read. Runs on Lua 5.1
-- (LuaJIT) to 5.4.
local type, pairs = type, pairs

local walk = {}

local SCALAR_FIELDS = { "id", "signalType", "status", "domain", "question", "answerType",
  "confidence", "reasoning", "createdAt", "completedAt", "retryable", "error", "errorCode" }
local PAGE_FIELDS = { "total", "limit", "offset", "count" }

-- Every value inside a table of unknown shape.
local function deep(value)
  if type(value) ~= "table" then return 1 end
  local n = 0
  for _, item in pairs(value) do n = n + deep(item) end
  return n
end

function walk.signal(sig)
  local n = 0
  for i = 1, #SCALAR_FIELDS do
    if sig[SCALAR_FIELDS[i]] ~= nil then n = n + 1 end
  end
  local answer = sig.answer
  if answer ~= nil then n = n + deep(answer) end
  local sources = sig.sources
  if sources ~= nil then
    for i = 1, #sources do
      local source = sources[i]
      if source.url ~= nil then n = n + 1 end
      if source.title ~= nil then n = n + 1 end
      if source.snippet ~= nil then n = n + 1 end
    end
  end
  return n
end

-- items: the page's array of signals; envelope: what has total, limit, ...
function walk.full(envelope, items)
  local n = 0
  for i = 1, #PAGE_FIELDS do
    if envelope[PAGE_FIELDS[i]] ~= nil then n = n + 1 end
  end
  for i = 1, #items do n = n + walk.signal(items[i]) end
  return n
end

-- id, status and the unwrapped answer of each signal (signals objects).
function walk.lazy(items)
  local n = 0
  for i = 1, #items do
    local sig = items[i]
    if sig.id ~= nil and sig.status ~= nil then n = n + 1 end
    if sig:value() ~= nil then n = n + 1 end
  end
  return n
end

-- What a row repeats: fetch() a page or a signal (what), then read it all
-- or lazily (how); items(page) is the page's array of signals.
function walk.reader(what, how, fetch, items)
  if what == "signal" then
    if how == "lazy" then return function() return walk.lazy { fetch() } end end
    return function() return walk.signal(fetch()) end
  end
  if how == "lazy" then return function() return walk.lazy(items(fetch())) end end
  return function()
    local page = fetch()
    return walk.full(page, items(page))
  end
end

return walk

-- The README's Lua examples, as a newcomer copies them: each block is run
-- against signals-mock with what its text takes as given (a `client`, a
-- list of `domains`, a webhook delivery) and what it prints or leaves is
-- checked against what the README says it does. A block that needs a host
-- of its own (nginx, a Redis worker loop) must at least compile, and is
-- named here with the reason; a new block the spec does not know fails, so
-- that no example goes unread.
local helper = require("helper")
local hosts = require("support.hosts")
local signals = require("signals")

local README = helper.read_file("README.md")

-- Every ```lua block: { line = first line of its code, code = text }.
local function lua_blocks(text)
  local blocks, line, inside = {}, 0, nil
  for row in (text .. "\n"):gmatch("(.-)\n") do
    line = line + 1
    if inside then
      if row:match("^```") then
        blocks[#blocks + 1] = inside
        inside = nil
      else
        inside.code = inside.code .. row .. "\n"
      end
    elseif row == "```lua" then
      inside = { line = line + 1, code = "" }
    end
  end
  return blocks
end

-- The block's code as a function over `env` (then _G), with `tail` (code
-- reading the block's locals) after it.
local function compile(block, env, tail)
  local source = block.code .. (tail or "")
  local name = "=README.md:" .. block.line
  local chunk, err
  if setfenv then
    chunk, err = loadstring(source, name)
    if chunk then setfenv(chunk, env) end
  else
    chunk, err = load(source, name, "t", env)
  end
  return chunk, err
end

-- An environment for a block: `given` first, then the globals; `signals`
-- is there, as the README's first example requires it. What the block
-- prints, a line per call (tab-separated), goes to `printed`.
local function environment(given)
  given.signals = signals
  local printed = {}
  local env = setmetatable({}, { __index = function(_, k)
    if given[k] ~= nil then return given[k] end
    return _G[k]
  end })
  env.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    printed[#printed + 1] = table.concat(parts, "\t")
  end
  env.io = { write = function() end }  -- progress output
  return env, printed
end

local function run(block, given, tail)
  local env, printed = environment(given or {})
  local chunk = assert(compile(block, env, tail))
  return printed, chunk()
end

-- What each block is, by a fragment of its first line, and how it is run.
local EXAMPLES = {}

EXAMPLES['local signals = require("signals")'] = function(block, mock)
  -- The ten lines, a script of their own: the key and the base URL from
  -- the environment, as on a user's machine (SABER_BASE_URL points the
  -- default at the mock).
  local path = helper.write_temp(block.code)
  local ok, out = hosts.run(string.format("SABER_API_KEY=%s SABER_BASE_URL=%s %s %s", helper.API_KEY, mock.url,
    hosts.LUA_RUN, path))
  os.remove(path)
  assert.is_true(ok, out)
  local printed = {}
  for line in out:gmatch("[^\n]+") do printed[#printed + 1] = line end
  assert.matches("^completed\ttrue\t0%.8%d$", printed[1])
  assert.are.equal(2, #printed, out)
  assert.matches("^[%x-]+\tcompleted\tAre they hiring engineers%?$", printed[2])
end

-- A client whose waits really wait (polls, the limiter).
local function waiting_client(mock)
  return helper.client(mock, { sleep = helper.sleep })
end

EXAMPLES["local results = client:all({"] = function(block, mock)
  local _, results, credits, answers = run(block, { client = waiting_client(mock) },
    "return results, credits, answers\n")
  assert.are.equal(3, #results)
  assert.are.equal("processing", results[1].status)
  assert.are.equal("number", type(credits.remainingCredits))
  assert.are.equal(2, #answers)
  assert.are.same({ "completed", "acme.com", "completed", "globex.com" },
    { answers[1].status, answers[1].domain, answers[2].status, answers[2].domain })
end

EXAMPLES["local results = client:ask_many({"] = function(block, mock)
  local domains = { "acme.com", "globex.com", "initech.com" }
  local _, results = run(block, { client = waiting_client(mock), domains = domains }, "return results\n")
  assert.are.equal(6, #results)
  for i, result in ipairs(results) do
    assert.are.equal("completed", result.status, i)
    assert.are.equal(domains[math.floor((i - 1) / 2) + 1], result.domain)
  end
  assert.are.equal("Headcount?", results[4].question)
  assert.are.equal("number", results[4].answerType)
end

EXAMPLES['client:start("run_signal"'] = function(block, mock)
  local client = waiting_client(mock)
  local love = {}
  local printed = run(block, { client = client, love = love })
  local frames = 0
  while #printed == 0 and frames < 100000 do
    love.update(1 / 60)
    frames = frames + 1
    helper.sleep(0.001)
  end
  assert.are.same({ "signals-mock answer about acme.com" }, printed)
  assert.is_true(frames > 1, "the answer came in a later frame, not in start")
end

EXAMPLES["local batch = assert(client:create_signal_batch{"] = function(block, mock)
  local printed = run(block, { client = helper.client(mock) })
  assert.are.equal("2\t1", printed[1])
  assert.matches("^2\tnot a domain\t.+", printed[2])
  assert.are.equal(2, #printed)
end

EXAMPLES["local client = signals.new{"] = function(block)
  local _, client = run(block, {}, "return client\n")
  assert.are.equal("signals client", tostring(client):match("^signals client"))
  client:close()
end

EXAMPLES["local ok, why = signals.webhook.verify("] = function(block)
  local secret = "whsec_readme_example"
  local body = helper.fixture("signal_webhook_delivery.json")
  local replies = {}
  local function reply(status, why) replies[#replies + 1] = status .. " " .. tostring(why) end
  local headers = { ["x-saber-signature"] = signals.webhook.sign(body, secret) }
  local delivery = signals.webhook.parse(body)
  local printed = run(block, { body = body, headers = headers, secret = secret, reply = reply })
  assert.are.same({ delivery.id .. "\t" .. tostring(delivery:value()) }, printed)
  -- tampered: refused with the reason, nothing printed
  headers["x-saber-signature"] = signals.webhook.sign(body .. " ", secret)
  printed = run(block, { body = body, headers = headers, secret = secret, reply = reply })
  assert.are.same({}, printed)
  assert.are.same({ "401 signature mismatch" }, replies)
end

-- Blocks that need a host of their own: compiled only.
local COMPILED_ONLY = {
  ['local store = signals.store.shdict("signals")'] = "the shared-dict store lives in nginx (spec/nginx_spec.lua)",
  ["local q = signals.queue.new{"] = "q:work is a worker's endless loop (spec/queue_spec.lua, spec/redis_spec.lua)",
  ['local redis = require("redis")'] = "a Redis server on 6379 (spec/store_spec.lua uses one of its own)",
}

local function known(table_of, block)
  local first = block.code:match("^[^\n]*")
  for fragment, value in pairs(table_of) do
    if first:find(fragment, 1, true) then return value end
  end
  return nil
end

describe("README.md's Lua examples", function()
  local blocks = lua_blocks(README)
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 300 }
  end)

  it("are all known to this spec, and all compile", function()
    assert.is_true(#blocks >= 10, #blocks .. " blocks")
    for _, block in ipairs(blocks) do
      assert(known(EXAMPLES, block) or known(COMPILED_ONLY, block),
        "README.md:" .. block.line .. ": an example this spec does not run: " .. block.code:match("^[^\n]*"))
      assert(compile(block, {}))
    end
  end)

  for _, block in ipairs(blocks) do
    local check = known(EXAMPLES, block)
    if check then
      it("run as written: README.md:" .. block.line .. " " .. block.code:match("^[^\n]*"), function()
        check(block, mock)
      end)
    end
  end
end)

-- Lifetimes: what a client returned outlives the client (closed, or
-- collected with its libcurl handle), a closed client answers every call
-- with an error rather than a crash, and a long run of objects and pages
-- made and dropped under collector pressure leaves memory where it was.
-- Run under ASan (make check) and valgrind (make memcheck), a use after
-- free or a leak here is a failure even when the Lua side looks right.
local helper = require("helper")
local signals = require("signals")
local core = require("signals.core")

local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers? [delay:0]" }

-- Everything an object offers, so that a freed tree would show.
local function use(obj)
  local kind = signals.kind(obj)
  assert.is_string(kind)
  assert.is_string(tostring(obj))
  assert.is_table(obj:totable())
  if kind == "error" then
    assert.is_string(obj.message)
    return
  end
  assert.is_string(obj:json())
  if kind == "page" then
    for _, item in ipairs(obj.items) do use(item) end
  elseif kind == "signal" then
    local _ = obj.id, obj.status, obj.answer, obj:value(), obj:failure()
  end
end

describe("lifetimes", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  -- One of each kind a client returns, through the client.
  local function fetch_all(client)
    local created = assert(client:create_signal(SIGNAL))
    local page = assert(client:list_signals{ domain = "acme.com" })
    local research = assert(client:create_contact_research{ firstName = "Fail", lastName = "Doe",
      companyName = "Acme Corp", companyDomain = "acme.com" })
    local failed = assert(client:create_company_signal_sync{ domain = "acme.com", question = "x [fail:permanent] [delay:0]" })
    local _, err = client:get_signal("00000000-0000-4000-8000-000000000000")
    assert.are.equal("error", signals.kind(err))
    return { created, page, page.items[1], research, failed, failed:failure(), err, assert(client:get_credits()) }
  end

  -- LuaJIT keeps a dead local's value in its stack slot until the slot is
  -- reused, so a client meant to be unreachable is made in a frame of its
  -- own, which is gone (and its slots cleared by the collector) on return.
  local function in_own_frame(make)
    return make()
  end

  it("objects stay valid after their client is closed", function()
    local client = helper.client(mock)
    local objects = fetch_all(client)
    client:close()
    collectgarbage()
    collectgarbage()
    for _, obj in ipairs(objects) do use(obj) end
    assert.are.equal("signal", signals.kind(objects[3]))
    assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", objects[6].code)
  end)

  it("objects stay valid after their client is collected", function()
    local weak = setmetatable({}, { __mode = "v" })
    local objects = in_own_frame(function()
      local client = helper.client(mock)
      weak.client = client
      return fetch_all(client)
    end)
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak.client)
    for _, obj in ipairs(objects) do use(obj) end
  end)

  it("an item outlives its page, and a page its items", function()
    local client = helper.client(mock)
    mock:seed{ count = 5 }
    local page = assert(client:list_signals{ domain = "acme.com" })
    local item, items = page.items[2], page.items
    local id = item.id
    page = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.are.equal(id, item.id)
    use(item)
    use(items[5])
    local again = assert(client:list_signals{ domain = "acme.com" })
    local _ = again.items
    items = nil -- luacheck: ignore
    collectgarbage()
    use(again)
  end)

  it("a closed client answers every call with an error, not a crash", function()
    local client = helper.client(mock)
    local sig = assert(client:create_signal(SIGNAL))
    client:close()
    client:close()
    local function closed(result, err)
      assert.is_nil(result)
      assert.are.equal("invalid_request", err.kind)
      assert.matches("closed", err.message)
    end
    closed(client:get_credits())
    closed(client:get_signal(sig.id))
    closed(client:create_signal(SIGNAL))
    closed(client:list_signals{ domain = "acme.com" })
    closed(client:wait(sig.id))
    closed(client:run_signal(SIGNAL))
    for _, iterate in ipairs { "pages", "paginate" } do
      local ok, err = pcall(function()
        for _ in client[iterate](client, "list_signals", { domain = "acme.com" }) do end
      end)
      assert.is_false(ok)
      assert.are.equal("invalid_request", err.kind)
    end
    assert.matches("signals client", tostring(client))
    -- nothing was sent after the close
    assert.are.equal(1, #mock:requests())
    use(sig)
  end)

  it("a client dropped mid-iteration leaves the iterator's objects valid", function()
    mock:seed{ count = 60 }
    local weak = setmetatable({}, { __mode = "v" })
    local kept = {}
    in_own_frame(function()
      local client = helper.client(mock)
      weak.client = client
      local n = 0
      for sig in client:paginate("list_signals", { domain = "acme.com", limit = 25 }) do
        n = n + 1
        if n % 10 == 0 then kept[#kept + 1] = sig end
        if n == 30 then break end
      end
    end)
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak.client)
    assert.are.equal(3, #kept)
    for _, sig in ipairs(kept) do use(sig) end
  end)

  it("100000 objects and pages made and dropped under collector pressure leave memory flat", function()
    -- A page of 25 items, built from the fixture's first item.
    local fixture = helper.fixture_table("company_signals_list_page.json")
    local items = {}
    for i = 1, 25 do
      local item = {}
      for k, v in pairs(fixture.results[1]) do item[k] = v end
      item.id = string.format("%08x-0000-4000-8000-000000000000", i)
      items[i] = item
    end
    local body = helper.json.encode{ results = items, total = 1000, limit = 25, offset = 0 }
    mock:seed{ count = 250 }
    local client = helper.client(mock)

    local made, kept = 0, {}
    local function round(pages)
      for i = 1, pages do
        local page
        if i % 40 == 0 then
          -- now and then a page through the client, over HTTP
          page = assert(client:list_signals{ domain = "acme.com", limit = 25, offset = (i / 40 % 10) * 25 })
        else
          page = assert(core.decode_page(body, "signal", 25, 0))
        end
        made = made + 1 + #page
        local item = page.items[i % 25 + 1]
        local _ = item.id, item.answer, item:value()
        if i % 7 == 0 then assert.is_string(page:json()) end
        -- a few items outlive their page a while; most go with it
        kept[i % 32 + 1] = item
        collectgarbage("step", 0)
        if i % 500 == 0 then collectgarbage() end
      end
      kept = {}
      collectgarbage()
      collectgarbage()
    end

    round(1000) -- warm up to the steady state: caches, buffers, the allocator
    local heap_before, rss_before = collectgarbage("count"), helper.rss_kib()
    made = 0
    round(3850)
    local heap_after, rss_after = collectgarbage("count"), helper.rss_kib()
    assert.is_true(made >= 100000, tostring(made))
    assert.is_true(heap_after < heap_before + 256,
      string.format("Lua heap grew from %.0f to %.0f KiB", heap_before, heap_after))
    if rss_before and helper.rss_meaningful() then
      assert.is_true(rss_after < rss_before + 4096, string.format("RSS grew from %d to %d KiB", rss_before, rss_after))
    end
  end)
end)

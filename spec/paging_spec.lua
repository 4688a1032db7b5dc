-- The iterators over list operations (CONTRACT §4): every item once, in the
-- API's order, page by page (offset += items seen), stopping on has_more,
-- total or an empty page; a failed page raises its error object.
local helper = require("helper")
local signals = require("signals")

-- The JSON text of `n` signal items with distinct ids.
local function items_json(n)
  local items = {}
  for i = 1, n do items[i] = string.format('{"id":"sig-%d","status":"completed"}', i) end
  return "[" .. table.concat(items, ",") .. "]"
end

-- Asserts that a walk run under pcall (ok, err) raised the error object of
-- a walk that made no progress.
local function assert_no_progress(ok, err, pattern)
  assert.is_false(ok, "the walk ended without an error")
  assert.are.equal("error", signals.kind(err), tostring(err))
  assert.are.equal("decode", err.kind)
  assert.matches("made no progress: " .. pattern, err.message)
end

describe("paging", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("paginate", function()
    it("yields all 60 seeded signals in the API's order with ceil(60/25) requests", function()
      mock:seed{ count = 60, domain = "acme.com" }
      local client = helper.client(mock)
      -- the order the API itself gives, page by page
      local expected = {}
      for offset = 0, 50, 25 do
        local page = assert(client:list_signals{ domain = "acme.com", offset = offset })
        for _, sig in ipairs(page.items) do expected[#expected + 1] = sig.id end
      end
      assert.are.equal(60, #expected)
      local before = #mock:requests()

      local ids = {}
      for sig in client:paginate("list_signals", { domain = "acme.com" }) do
        assert.are.equal("signal", signals.kind(sig))
        ids[#ids + 1] = sig.id
      end
      assert.are.same(expected, ids)
      local log = mock:requests()
      assert.are.equal(before + math.ceil(60 / 25), #log)
      local offsets = {}
      for i = before + 1, #log do offsets[#offsets + 1] = helper.query_of(log[i]).offset or "0" end
      assert.are.same({ "0", "25", "50" }, offsets)
    end)

    it("yields every item once with a smaller limit", function()
      mock:seed{ count = 23, domain = "acme.com" }
      local client = helper.client(mock)
      local seen, n = {}, 0
      for sig in client:paginate("list_signals", { domain = "acme.com", limit = 10 }) do
        assert.is_nil(seen[sig.id], "yielded twice: " .. sig.id)
        seen[sig.id] = true
        n = n + 1
      end
      assert.are.equal(23, n)
      assert.are.equal(3, #mock:requests_to(nil, "/v1/companies/signals"))
    end)

    it("keeps the filters on every page", function()
      mock:seed{ count = 30, domain = "acme.com", status = "completed" }
      mock:seed{ count = 7, domain = "acme.com", status = "failed" }
      mock:seed{ count = 5, domain = "globex.com", status = "failed" }
      local client = helper.client(mock)
      local n = 0
      for sig in client:paginate("list_signals", { domain = "acme.com", status = "failed", limit = 5 }) do
        assert.are.equal("failed", sig.status)
        assert.are.equal("acme.com", sig.domain)
        n = n + 1
      end
      assert.are.equal(7, n)
      for _, req in ipairs(mock:requests_to(nil, "/v1/companies/signals")) do
        local query = helper.query_of(req)
        assert.are.equal("failed", query.status)
        assert.are.equal("acme.com", query.domain)
      end
    end)

    it("takes a status array", function()
      mock:seed{ count = 4, status = "completed" }
      mock:seed{ count = 3, status = "failed" }
      mock:seed{ count = 2, status = "processing" }
      local client = helper.client(mock)
      local n = 0
      for sig in client:paginate("list_signals", { status = { "completed", "failed" } }) do
        assert.is_true(sig.status == "completed" or sig.status == "failed")
        n = n + 1
      end
      assert.are.equal(7, n)
    end)

    it("yields nothing for an empty list, after one request", function()
      local client = helper.client(mock)
      local n = 0
      for _ in client:paginate("list_signals", { domain = "nobody.example" }) do n = n + 1 end
      assert.are.equal(0, n)
      assert.are.equal(1, #mock:requests())
    end)

    it("does not change the caller's parameters", function()
      mock:seed{ count = 30 }
      local client = helper.client(mock)
      local params = { domain = "acme.com" }
      for _ in client:paginate("list_signals", params) do end
      assert.are.same({ domain = "acme.com" }, params)
    end)

    it("pages an operation whose limit and offset travel in the body", function()
      local client = helper.client(mock)
      local first = assert(client:search_contacts{ limit = 4 })
      local total = first.total
      assert.is_true(total > 4, "the mock's contact pool is too small for this spec")
      mock:reset()
      local n = 0
      for contact in client:paginate("search_contacts", { limit = 4 }) do
        assert.are.equal("contact", signals.kind(contact))
        n = n + 1
      end
      assert.are.equal(total, n)
      local log = mock:requests_to(nil, "/v1/contacts/search")
      assert.are.equal(math.ceil(total / 4), #log)
      for i, req in ipairs(log) do
        local body = helper.body_of(req)
        assert.are.equal((i - 1) * 4, body.offset)
        assert.are.equal(4, body.limit)
        assert.is_nil(req.query ~= "" and req.query or nil)
      end
    end)

    it("reads a bare array as one page", function()
      mock:fault{ method = "GET", path = "/v1/scoring/profiles", fault = "status", status = 200,
                  body = '[{"id":"p1","name":"Fit"},{"id":"p2","name":"Urgency"}]' }
      local client = helper.client(mock)
      local names = {}
      for profile in client:paginate("list_scoring_profiles") do names[#names + 1] = profile.name end
      assert.are.same({ "Fit", "Urgency" }, names)
      assert.are.equal(1, #mock:requests())
    end)

    it("stops on hasMore = false even when total says more", function()
      mock:fault{ method = "GET", path = "/v1/companies/signals/templates", fault = "status", status = 200,
                  body = '{"items":[{"id":"t1"},{"id":"t2"}],"total":50,"limit":2,"offset":0,"hasMore":false}' }
      local client = helper.client(mock)
      local n = 0
      for _ in client:paginate("list_signal_templates", { limit = 2 }) do n = n + 1 end
      assert.are.equal(2, n)
      assert.are.equal(1, #mock:requests())
    end)

    it("raises the error object when a later page fails", function()
      mock:seed{ count = 30 }
      local client = helper.client(mock, { max_retries = 0 })
      local iterate = client:paginate("list_signals", { limit = 10 })
      for _ = 1, 10 do assert.is_not_nil(iterate()) end
      mock:fault{ method = "GET", path = "/v1/companies/signals", fault = "status", status = 500,
                  body = '{"error":{"code":"INTERNAL_ERROR","message":"boom"}}' }
      local ok, err = pcall(iterate)
      assert.is_false(ok)
      assert.are.equal("error", signals.kind(err))
      assert.are.equal("http", err.kind)
      assert.are.equal(500, err.status)
      assert.are.equal("INTERNAL_ERROR", err.code)
    end)

    it("retries a failed page before raising", function()
      mock:seed{ count = 30 }
      mock:fault{ method = "GET", path = "/v1/companies/signals", fault = "status", status = 503, times = 1 }
      local client, slept = helper.client(mock)
      local n = 0
      for _ in client:paginate("list_signals") do n = n + 1 end
      assert.are.equal(30, n)
      assert.are.equal(1, #slept)
    end)

    it("raises an invalid_request error on the first step for bad parameters", function()
      local client = helper.client(mock)
      local iterate = client:paginate("list_signals", { limit = 30 })
      local ok, err = pcall(iterate)
      assert.is_false(ok)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal("limit", err.fields[1].field)
      assert.are.equal(0, #mock:requests())
    end)
  end)

  describe("pages", function()
    it("yields the pages with their envelope", function()
      mock:seed{ count = 60 }
      local client = helper.client(mock)
      local sizes, offsets = {}, {}
      for page in client:pages("list_signals") do
        assert.are.equal("page", signals.kind(page))
        assert.are.equal(60, page.total)
        sizes[#sizes + 1] = #page.items
        offsets[#offsets + 1] = page.offset
      end
      assert.are.same({ 25, 25, 10 }, sizes)
      assert.are.same({ 0, 25, 50 }, offsets)
      assert.are.equal(3, #mock:requests())
    end)

    it("yields the one empty page of an empty list", function()
      local client = helper.client(mock)
      local pages = {}
      for page in client:pages("list_signals") do pages[#pages + 1] = page end
      assert.are.equal(1, #pages)
      assert.are.equal(0, #pages[1].items)
      assert.are.equal(0, pages[1].total)
    end)

    it("starts at the offset given", function()
      mock:seed{ count = 30 }
      local client = helper.client(mock)
      local n = 0
      for page in client:pages("list_signals", { offset = 20 }) do n = n + #page.items end
      assert.are.equal(10, n)
    end)
  end)

  describe("a server that does not move on", function()
    -- The mock answers the same page many times (a status fault); without
    -- the progress check the walk would go on as long as it does.
    local function repeat_page(path, body)
      mock:fault{ method = "GET", path = path, fault = "status", status = 200, body = body, times = 50 }
    end

    it("raises when the envelope's offset is not the one asked for (pages)", function()
      repeat_page("/v1/companies/signals",
        '{"results":' .. items_json(25) .. ',"total":1e400,"limit":25,"offset":0,"count":25}')
      local client = helper.client(mock)
      local pages = {}
      local ok, err = pcall(function()
        for page in client:pages("list_signals") do pages[#pages + 1] = page end
      end)
      assert_no_progress(ok, err, "asked for offset 25, the page says 0")
      assert.are.equal(1, #pages)
      assert.are.equal(2, #mock:requests())
    end)

    it("raises when a page repeats the one before: hasMore for ever (paginate)", function()
      repeat_page("/v1/companies/signals/templates", '{"items":' .. items_json(3) .. ',"hasMore":true}')
      local client = helper.client(mock)
      local ids = {}
      local ok, err = pcall(function()
        for template in client:paginate("list_signal_templates", { limit = 3 }) do ids[#ids + 1] = template.id end
      end)
      assert_no_progress(ok, err, "the page at offset 3 repeats the page at offset 0")
      assert.are.same({ "sig-1", "sig-2", "sig-3" }, ids)
      assert.are.equal(2, #mock:requests())
    end)

    it("raises when a full bare array repeats (paginate and pages)", function()
      repeat_page("/v1/companies/signals", items_json(10))
      local client = helper.client(mock)
      local n = 0
      local ok, err = pcall(function()
        for _ in client:paginate("list_signals", { limit = 10 }) do n = n + 1 end
      end)
      assert_no_progress(ok, err, "the page at offset 10 repeats")
      assert.are.equal(10, n)
      local iterate = client:pages("list_signals", { limit = 10 })
      assert.are.equal(10, #iterate().items)
      local ok2, err2 = pcall(iterate)
      assert_no_progress(ok2, err2, "the page at offset 10 repeats")
      -- the iterator has ended
      assert.is_nil(iterate())
      assert.are.equal(4, #mock:requests())
    end)
  end)

  describe("misuse raises", function()
    it("for an unknown operation", function()
      local client = helper.client(mock)
      assert.has_error(function() client:paginate("list_signalz") end)
      assert.has_error(function() client:pages("list_signalz") end)
    end)

    it("for an operation that is not a list", function()
      local client = helper.client(mock)
      assert.has_error(function() client:paginate("get_signal", {}) end)
      assert.has_error(function() client:pages("create_signal_batch", {}) end)
    end)

    it("for parameters that are not a table", function()
      local client = helper.client(mock)
      assert.has_error(function() client:paginate("list_signals", "acme.com") end)
    end)
  end)
end)

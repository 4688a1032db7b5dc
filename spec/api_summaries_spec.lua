-- Signal summaries against signals-mock (API-NOTES §7): 204 when a domain has
-- no completed signal, 409 while a summary of it is being generated, the
-- latest summary again when nothing is new, and the style A list.
local helper = require("helper")
local signals = require("signals")

local failed = helper.assert_http_error

describe("signal summaries", function()
  local mock, client

  before_each(function()
    mock, client = helper.api{ delay_ms = 0 }
  end)

  describe("generate_signal_summary", function()
    it("answers 204 (true) when the domain has no completed signal", function()
      mock:seed{ count = 2, domain = "globex.com" }
      mock:seed{ count = 1, domain = "acme.com", status = "failed" }
      assert.is_true(client:generate_signal_summary{ domain = "acme.com" })
      assert.are.equal(204, mock:last_request().status)
    end)

    it("consolidates the completed signals: one data point per question", function()
      mock:seed{ count = 2, domain = "acme.com", question = "What do they sell?" }
      mock:seed{ count = 1, domain = "acme.com", question = "Are they hiring?" }
      local s = assert(client:generate_signal_summary{ domain = "acme.com" })
      assert.are.equal("object", signals.kind(s))
      assert.is_string(s.id)
      assert.are.equal("completed", s.status)
      assert.are.equal(3, s.signalsCount)
      assert.are.equal(2, #s.summary)
      local point = s.summary[1]
      assert.are.same({ "Are they hiring?" }, point.referenceQuestions)
      assert.is_string(point.description)
      assert.are.equal("good", point.qualification)
      assert.are.equal("https://acme.com/", point.sources[1].url)
      assert.is_string(s.createdAt)
      assert.is_string(s.updatedAt)
      assert.is_nil(s.domain)
    end)

    it("answers the latest summary again while no new signal completed", function()
      mock:seed{ count = 2, domain = "acme.com" }
      local first = assert(client:generate_signal_summary{ domain = "acme.com" })
      assert.are.equal(first.id, assert(client:generate_signal_summary{ domain = "acme.com" }).id)
      mock:seed{ count = 1, domain = "acme.com" }
      local second = assert(client:generate_signal_summary{ domain = "acme.com" })
      assert.are_not.equal(first.id, second.id)
      assert.are.equal(3, second.signalsCount)
    end)

    it("answers 409 to a second request while the first is generating", function()
      mock:seed{ count = 2, domain = "acme.com" }
      mock:config{ delay_ms = 600 }
      local results = client:all({ { "generate_signal_summary", { domain = "acme.com" } },
                                   { "generate_signal_summary", { domain = "acme.com" } } },
                                 { concurrency = 2 })
      local kinds = { signals.kind(results[1]), signals.kind(results[2]) }
      table.sort(kinds)
      assert.are.same({ "error", "object" }, kinds)
      local err = signals.kind(results[1]) == "error" and results[1] or results[2]
      local summary = signals.kind(results[1]) == "object" and results[1] or results[2]
      failed(409, "CONFLICT", nil, err)
      assert.are.equal("completed", summary.status)
    end)
  end)

  describe("get_signal_summaries", function()
    it("is a style A page of the domain's summaries, newest first", function()
      mock:seed{ count = 1, domain = "acme.com" }
      local first = assert(client:generate_signal_summary{ domain = "acme.com" })
      mock:seed{ count = 1, domain = "acme.com" }
      local second = assert(client:generate_signal_summary{ domain = "acme.com" })
      mock:seed{ count = 1, domain = "globex.com" }
      assert(client:generate_signal_summary{ domain = "globex.com" })
      local page = assert(client:get_signal_summaries{ domain = "acme.com" })
      assert.are.equal("page", signals.kind(page))
      assert.are.same({ second.id, first.id }, { page.items[1].id, page.items[2].id })
      assert.are.equal(2, page.total)
      assert.are.equal(2, page.count)
      assert.are.equal(20, page.limit)
      local raw = page:totable()
      assert.is_table(raw.results)
      assert.is_nil(raw.items)
      assert.is_nil(raw.hasMore)
    end)

    it("answers an empty page for a domain without summaries", function()
      local page = assert(client:get_signal_summaries{ domain = "nobody.example" })
      assert.are.equal(0, #page)
      assert.are.equal(0, page.total)
    end)

    it("answers 400 for a limit outside 1-100", function()
      local err = failed(400, "VALIDATION_ERROR",
        client:get_signal_summaries({ domain = "acme.com" }, { extra = { limit = 0 } }))
      assert.are.equal("limit", err.fields[1].field)
    end)
  end)
end)

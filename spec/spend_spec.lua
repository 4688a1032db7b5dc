-- The runaway guard (client option `spend_limit`): the calls that spend
-- credits are counted in a store, and one over the limit is refused with
-- an error of kind "spend_limit" before anything is sent.
local helper = require("helper")
local signals = require("signals")
local operations = require("signals.operations")

local ASK = { domain = "acme.com", question = "Hiring?" }

describe("spend limit", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:config{ delay_ms = 0 }
  end)

  it("refuses the call over the limit before sending anything", function()
    local sent = 0
    local client = helper.client(mock, { spend_limit = { calls = 2, per = 60 },
      on_request = function() sent = sent + 1 end })
    assert(client:create_signal(ASK))
    assert(client:create_contact_research{ firstName = "Jane", lastName = "Doe", companyName = "Acme",
                                           companyDomain = "acme.com" })
    local value, err = client:create_signal(ASK)
    assert.is_nil(value)
    assert.are.equal("error", signals.kind(err))
    assert.are.equal("spend_limit", err.kind)
    assert.is_false(err.retryable)
    assert.is_near(30, err.retry_after, 1)
    assert.are.same({ "POST", "/v1/companies/signals" }, { err.method, err.path })
    assert.matches("^spend_limit: spend_limit: 2 credit%-spending calls per 60 s reached; create_signal refused "
      .. "before sending %(room again in 3%d%.%d s%)$", tostring(err))
    assert.are.equal(2, sent)
    assert.are.equal(2, #mock:requests())
  end)

  it("counts only the operations that spend credits, once per call whatever its retries", function()
    local client = helper.client(mock, { spend_limit = { calls = 1, per = 60 } })
    for _ = 1, 5 do assert(client:get_credits()) end
    assert(client:list_signals{ domain = "acme.com" })
    assert(client:create_signal_template{ name = "t", question = "q?" })
    mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "status", status = 503,
                headers = { ["Retry-After"] = "0" }, body = { error = { code = "DOWN", message = "down" } } }
    assert(client:create_signal(ASK))
    assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals"))
    -- A call refused by validation counted nothing either.
    local _, invalid = helper.client(mock, { spend_limit = { calls = 1, per = 60 } })
      :create_signal{ domain = "not a domain", question = "?" }
    assert.are.equal("invalid_request", invalid.kind)
  end)

  it("counts a batch as its signals times its domains", function()
    local client = helper.client(mock, { spend_limit = { calls = 5, per = 60 } })
    local two_by_two = { signals = { { question = "a?" }, { question = "b?" } }, domains = { "a.com", "b.com" } }
    assert(client:create_signal_batch(two_by_two))
    local _, err = client:create_signal_batch{ signals = { { question = "a?" } }, domains = { "a.com", "b.com" } }
    assert.are.equal("spend_limit", err.kind)
    assert(client:create_signal(ASK))
    local fresh = helper.client(mock, { spend_limit = { calls = 5, per = 60 } })
    _, err = fresh:create_signal_batch{ signals = { { question = "a?" }, { question = "b?" }, { question = "c?" } },
                                        domains = { "a.com", "b.com" } }
    assert.are.equal("spend_limit: this call counts 6 credit-spending calls, more than the 5 allowed per 60 s",
      err.message)
    assert.is_nil(err.retry_after)
    assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/batch"))
  end)

  it("stops every client sharing its store", function()
    local store = signals.store.memory()
    local a = helper.client(mock, { spend_limit = { calls = 3, per = 3600, store = store } })
    local b = helper.client(mock, { spend_limit = { calls = 3, per = 3600, store = store } })
    assert(a:create_signal(ASK))
    assert(b:create_signal(ASK))
    assert(a:create_signal(ASK))
    local _, err = b:create_signal(ASK)
    assert.are.equal("spend_limit", err.kind)
    _, err = a:run_signal(ASK)
    assert.are.equal("spend_limit", err.kind)
    assert.are.equal(3, #mock:requests())
  end)

  it("counts the re-creates run_signal makes and not the answers the cache gives", function()
    local client = helper.client(mock, { spend_limit = { calls = 2, per = 60 },
      cache = { store = signals.store.memory() } })
    local flaky = { domain = "acme.com", question = "Hiring? [flaky:1]" }
    assert.are.equal("completed", assert(client:run_signal(flaky)).status)
    assert.are.equal("completed", assert(client:run_signal(flaky)).status)
    local _, err = client:run_signal(ASK)
    assert.are.equal("spend_limit", err.kind)
    assert.are.equal(2, #mock:requests())
  end)

  it("marks the operations that spend credits", function()
    local spending = {}
    for _, op in ipairs(operations) do
      if op.spends then spending[#spending + 1] = op.name .. (op.spends == "items" and "*" or "") end
    end
    table.sort(spending)
    assert.are.same({ "create_company_list", "create_company_signal_sync", "create_contact_list",
      "create_contact_research", "create_contact_signal", "create_contact_signal_sync", "create_signal",
      "create_signal_batch*", "find_email", "import_company_list", "search_contacts",
      "trigger_market_signal_subscription", "trigger_signal_subscription" }, spending)
  end)
end)

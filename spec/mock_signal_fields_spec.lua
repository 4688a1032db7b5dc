-- signals-mock: a signal's members by state (API-NOTES §4, the "Using
-- Signals API" page): completedAt, answer, reasoning, confidence and
-- sources only when completed; a failed signal carries retryable, error
-- and errorCode instead, and no completedAt.
local helper = require("helper")

describe("signals-mock: signal members by state", function()
  local mock

  before_each(function()
    mock = helper.api{ delay_ms = 150 }
  end)

  local COMPLETED_ONLY = { "completedAt", "answer", "reasoning", "confidence", "sources" }
  local FAILED_ONLY = { "retryable", "error", "errorCode" }

  local function get(id)
    local status, sig = mock:api("GET", "/v1/companies/signals/" .. id)
    assert.are.equal(200, status)
    return sig
  end

  local function has(sig, names, present)
    for _, name in ipairs(names) do
      if present then
        assert.is_not_nil(sig[name], name .. " missing from " .. helper.json.encode(sig))
      else
        assert.is_nil(sig[name], name .. " present in " .. helper.json.encode(sig))
      end
    end
  end

  it("shows only the common members while processing", function()
    local _, sig = mock:api("POST", "/v1/companies/signals", { domain = "acme.com", question = "Q?" })
    assert.are.equal("processing", sig.status)
    has(sig, COMPLETED_ONLY, false)
    has(sig, FAILED_ONLY, false)
    has(get(sig.id), COMPLETED_ONLY, false)
  end)

  it("adds the answer members when completed, and the failure members (no completedAt) when failed", function()
    local _, ok = mock:api("POST", "/v1/companies/signals", { domain = "acme.com", question = "Q?" })
    local _, bad = mock:api("POST", "/v1/companies/signals",
                            { domain = "acme.com", question = "Q? [fail:permanent]" })
    helper.sleep(0.25)
    local done, failed = get(ok.id), get(bad.id)
    assert.are.equal("completed", done.status)
    has(done, COMPLETED_ONLY, true)
    has(done, FAILED_ONLY, false)
    assert.are.equal("failed", failed.status)
    has(failed, FAILED_ONLY, true)
    has(failed, COMPLETED_ONLY, false)
  end)

  it("holds for seeded and listed signals too; a date bound matches completed signals only", function()
    mock:seed{ status = "failed", domain = "seed.example" }
    local _, page = mock:api("GET", "/v1/companies/signals?domain=seed.example")
    has(page.results[1], COMPLETED_ONLY, false)
    has(page.results[1], FAILED_ONLY, true)
    _, page = mock:api("GET", "/v1/companies/signals?domain=seed.example&fromDate=2000-01-01")
    assert.are.equal(0, page.total)
    mock:seed{ status = "completed", domain = "seed.example" }
    _, page = mock:api("GET", "/v1/companies/signals?domain=seed.example&fromDate=2000-01-01")
    assert.are.equal(1, page.total)
    has(page.results[1], COMPLETED_ONLY, true)
  end)
end)

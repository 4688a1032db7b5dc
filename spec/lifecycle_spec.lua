-- The signal lifecycle (CONTRACT §6, §9): wait polls until a signal leaves
-- "processing" or the timeout passes; run_signal / run_contact_signal create
-- through the sync endpoint, wait, and re-create after a retryable failure.
-- The mock's question markers script the outcome: [delay:MS],
-- [fail:retryable], [fail:permanent], [flaky:N].
local helper = require("helper")
local signals = require("signals")

local PROFILE = "https://www.linkedin.com/in/jane-example"

local real_sleep = helper.real_sleep

describe("lifecycle", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("wait", function()
    it("polls a processing signal until it completes", function()
      local sleep, slept = real_sleep()
      local client = helper.client(mock, { sleep = sleep })
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring? [delay:300]" })
      assert.are.equal("processing", sig.status)
      local done, err = client:wait(sig, { interval = 0.1, timeout = 10 })
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("signal", signals.kind(done))
      assert.are.equal("completed", done.status)
      assert.are.equal(sig.id, done.id)
      assert.is_true(#slept >= 1)
      for _, s in ipairs(slept) do assert.is_true(s <= 0.1) end
      assert.is_true(#mock:requests_to("GET", "/v1/companies/signals/" .. sig.id) >= 1)
    end)

    it("takes an id and fetches it at once", function()
      local client, slept = helper.client(mock)
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring? [delay:0]" })
      local done = assert(client:wait(sig.id))
      assert.are.equal("completed", done.status)
      assert.are.same({}, slept)
      assert.are.equal(1, #mock:requests_to("GET", "/v1/companies/signals/" .. sig.id))
    end)

    it("returns a finished signal without a request", function()
      local client = helper.client(mock)
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring? [delay:0]" })
      local done = assert(client:get_signal(sig.id))
      local before = #mock:requests()
      assert.are.equal(done, client:wait(done))
      assert.are.equal(before, #mock:requests())
    end)

    it("returns a failed signal as data", function()
      local client = helper.client(mock)
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Hiring? [fail:permanent] [delay:0]" })
      local done, err = client:wait(sig.id)
      assert.is_nil(err)
      assert.are.equal("failed", done.status)
      assert.is_false(done.retryable)
    end)

    it("polls a contact signal through the contact endpoint", function()
      local client = helper.client(mock)
      local sig = assert(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Active? [delay:0]" })
      local done = assert(client:wait(sig))
      assert.are.equal("completed", done.status)
      assert.are.equal(1, #mock:requests_to("GET", "/v1/contacts/signals/" .. sig.id))
    end)

    it("polls a contact signal by id with opts.contact", function()
      local client = helper.client(mock)
      local sig = assert(client:create_contact_signal{ contactProfileUrl = PROFILE, question = "Active? [delay:0]" })
      assert(client:wait(sig.id, { contact = true }))
      assert.are.equal(1, #mock:requests_to("GET", "/v1/contacts/signals/" .. sig.id))
    end)

    it("gives up after opts.timeout with a timeout error carrying the last state", function()
      local client, slept = helper.client(mock)
      local sig = assert(client:create_signal{ domain = "acme.com", question = "Slow? [delay:600000]" })
      local done, err = client:wait(sig, { timeout = 5, interval = 2 })
      assert.is_nil(done)
      assert.are.equal("error", signals.kind(err))
      assert.are.equal("timeout", err.kind)
      assert.is_true(#err.message > 0)
      assert.are.equal("signal", signals.kind(err.signal))
      assert.are.equal(sig.id, err.signal.id)
      assert.are.equal("processing", err.signal.status)
      assert.are.same({ 2, 2, 1 }, slept)
      assert.are.equal(3, #mock:requests_to("GET", "/v1/companies/signals/" .. sig.id))
    end)

    it("returns an HTTP failure while polling as nil, err", function()
      local client = helper.client(mock, { max_retries = 0 })
      local done, err = client:wait("00000000-0000-4000-8000-000000000000")
      assert.is_nil(done)
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
    end)

    it("refuses what is neither a signal nor an id", function()
      local client = helper.client(mock)
      local done, err = client:wait(42)
      assert.is_nil(done)
      assert.are.equal("invalid_request", err.kind)
      done, err = client:wait("x", { interval = -1 })
      assert.is_nil(done)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(0, #mock:requests())
    end)
  end)

  describe("run_signal", function()
    it("creates through the sync endpoint and returns the completed signal", function()
      local client, slept = helper.client(mock)
      local sig, err = client:run_signal{ domain = "acme.com", question = "Hiring? [delay:50]" }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("completed", sig.status)
      local req = mock:last_request()
      assert.are.equal("/v1/companies/signals/sync", req.path)
      assert.are.equal("120", req.headers["x-sbr-timeout-sec"])
      assert.are.same({}, slept)
    end)

    it("passes opts.wait to the sync endpoint and polls what is still processing", function()
      local sleep = real_sleep()
      local client = helper.client(mock, { sleep = sleep })
      local sig, err = client:run_signal({ domain = "acme.com", question = "Slow? [delay:1300]" },
        { wait = 1, interval = 0.1 })
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("completed", sig.status)
      assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/sync"))
      assert.are.equal("1", mock:requests()[1].headers["x-sbr-timeout-sec"])
      assert.is_true(#mock:requests_to("GET", "/v1/companies/signals/" .. sig.id) >= 1)
    end)

    it("re-creates a signal that failed retryably, then succeeds ([flaky:1])", function()
      local client, slept = helper.client(mock)
      local sig, err = client:run_signal{ domain = "acme.com", question = "Flaky? [flaky:1] [delay:0]" }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("completed", sig.status)
      assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals/sync"))
      assert.are.equal(1, #slept)
      assert.is_true(slept[1] >= 0 and slept[1] <= 0.5)
    end)

    it("returns a permanent failure at once as a signal error", function()
      local client, slept = helper.client(mock)
      local sig, err = client:run_signal{ domain = "acme.com", question = "No? [fail:permanent] [delay:0]" }
      assert.is_nil(sig)
      assert.are.equal("error", signals.kind(err))
      assert.are.equal("signal", err.kind)
      assert.are.equal("LINKEDIN_RATE_LIMIT_EXCEEDED", err.code)
      assert.is_false(err.retryable)
      assert.is_true(#err.message > 0)
      assert.are.equal("signal", signals.kind(err.signal))
      assert.are.equal("failed", err.signal.status)
      assert.are.equal(1, #mock:requests_to("POST", "/v1/companies/signals/sync"))
      assert.are.same({}, slept)
    end)

    it("returns the last failure when the attempts are exhausted", function()
      local client, slept = helper.client(mock)
      local sig, err = client:run_signal({ domain = "acme.com", question = "Never? [fail:retryable] [delay:0]" },
        { max_attempts = 2 })
      assert.is_nil(sig)
      assert.are.equal("signal", err.kind)
      assert.are.equal("INTERNAL_ERROR", err.code)
      assert.is_true(err.retryable)
      assert.are.equal("failed", err.signal.status)
      assert.are.equal(2, #mock:requests_to("POST", "/v1/companies/signals/sync"))
      assert.are.equal(1, #slept)
    end)

    it("makes three attempts by default", function()
      local client = helper.client(mock)
      local _, err = client:run_signal{ domain = "acme.com", question = "Never? [fail:retryable] [delay:0]" }
      assert.are.equal("signal", err.kind)
      assert.are.equal(3, #mock:requests_to("POST", "/v1/companies/signals/sync"))
    end)

    it("returns a refused call as invalid_request without a request", function()
      local client = helper.client(mock)
      local sig, err = client:run_signal{ domain = "not a domain", question = "q" }
      assert.is_nil(sig)
      assert.are.equal("invalid_request", err.kind)
      assert.are.equal(0, #mock:requests())
    end)

    it("says the signal exists when what fails comes after its create (a poll, the timeout)", function()
      local client = helper.client(mock, { sleep = real_sleep(), max_retries = 0 })
      mock:fault{ method = "GET", path = "/v1/companies/signals/*", fault = "status", status = 500, times = 1 }
      local sig, err = client:run_signal({ domain = "acme.com", question = "Slow? [delay:3000]" },
        { wait = 1, interval = 0.1 })
      assert.is_nil(sig)
      assert.are.equal(500, err.status)
      assert.is_true(err.maybe_processed)
      assert.are.equal("signal", signals.kind(err.signal))
      assert.are.equal("processing", err.signal.status)
      local created = assert(client:get_signal(err.signal.id))
      assert.are.equal("acme.com", created.domain)
      -- and the timeout of the wait, with its last state seen
      sig, err = client:run_signal({ domain = "acme.com", question = "Slower? [delay:60000]" },
        { wait = 1, interval = 0.1, timeout = 0.3 })
      assert.is_nil(sig)
      assert.are.equal("timeout", err.kind)
      assert.is_true(err.maybe_processed)
      assert.are.equal("processing", err.signal.status)
    end)

    it("returns an HTTP failure of the create as nil, err", function()
      mock:fault{ method = "POST", path = "/v1/companies/signals/sync", fault = "status", status = 400,
                  body = '{"error":{"type":"VALIDATION","code":"VALIDATION_ERROR","message":"bad"}}' }
      local client = helper.client(mock)
      local sig, err = client:run_signal{ domain = "acme.com", question = "q" }
      assert.is_nil(sig)
      assert.are.equal("http", err.kind)
      assert.are.equal(400, err.status)
    end)
  end)

  describe("run_contact_signal", function()
    it("creates through the contact sync endpoint", function()
      local client = helper.client(mock)
      local sig, err = client:run_contact_signal{ contactProfileUrl = PROFILE, question = "Active? [delay:0]" }
      assert.is_nil(err, err and tostring(err))
      assert.are.equal("completed", sig.status)
      assert.are.equal(PROFILE, sig.contactProfileUrl)
      assert.are.equal("/v1/contacts/signals/sync", mock:last_request().path)
    end)

    it("polls the contact endpoint when the sync wait runs out", function()
      local sleep = real_sleep()
      local client = helper.client(mock, { sleep = sleep })
      local sig = assert(client:run_contact_signal({ contactProfileUrl = PROFILE, question = "Slow? [delay:1200]" },
        { wait = 1, interval = 0.1 }))
      assert.are.equal("completed", sig.status)
      assert.is_true(#mock:requests_to("GET", "/v1/contacts/signals/" .. sig.id) >= 1)
      assert.are.equal(0, #mock:requests_to("GET", "/v1/companies/signals/" .. sig.id))
    end)

    it("re-creates after a retryable failure", function()
      local client = helper.client(mock)
      local sig = assert(client:run_contact_signal{ contactProfileUrl = PROFILE,
                                                    question = "Flaky? [flaky:2] [delay:0]" })
      assert.are.equal("completed", sig.status)
      assert.are.equal(3, #mock:requests_to("POST", "/v1/contacts/signals/sync"))
    end)
  end)
end)

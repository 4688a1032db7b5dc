-- The whole signal workflow in one script: ask a question about a company,
-- wait for the answer, list what was asked, and see how failures behave.
--
--   SABER_API_KEY=sk_live_... lua5.4 examples/quickstart.lua   (the real API)
--   make demo                                                  (signals-mock)
--
-- Against signals-mock (SIGNALS_MOCK_SCENARIOS=1, set by `make demo`) the
-- failure section adds the mock's markers to the question so that one signal
-- fails retryably once and one fails for good; the real API ignores them.
local signals = require("signals")

local client = signals.new{ timeout = 150 }   -- api_key, base_url from the environment
local scenarios = os.getenv("SIGNALS_MOCK_SCENARIOS") == "1"

local function marker(text)
  return scenarios and (" " .. text) or ""
end

print("signals " .. signals.VERSION .. " against " .. (os.getenv("SABER_BASE_URL") or "https://api.saber.app"))

-- 1. Ask, wait, answer. run_signal uses the sync endpoint and polls when the
--    server-side wait runs out.
local sig, err = client:run_signal{
  domain = "acme.com",
  question = "Are they hiring engineers?",
  answerType = "boolean",
}
if not sig then
  print("run_signal failed: " .. tostring(err))
  os.exit(1)
end
print(string.format("1. %s -> %s (confidence %s)", sig.question, tostring(sig:value()), tostring(sig.confidence)))

-- 2. The same as two calls: create asynchronously, then wait for it.
local created = assert(client:create_signal{
  domain = "acme.com", question = "What is their main product?", answerType = "open_text" })
print("2. created " .. created.id .. " (" .. created.status .. ")")
local done = assert(client:wait(created, { timeout = 120 }))
print("   answer: " .. tostring(done:value()))

-- 3. Every signal asked about acme.com, page after page.
local count = 0
for item in client:paginate("list_signals", { domain = "acme.com", limit = 25 }) do
  count = count + 1
  if count <= 5 then
    print(string.format("3. %-36s %-10s %s", item.id, item.status, item.question))
  end
end
print("   " .. count .. " signals listed")

-- 4. A failed signal is data, not an error: the API answered. run_signal
--    retries it when the API says it is retryable...
local flaky, flaky_err = client:run_signal{
  domain = "acme.com",
  question = "Which cloud do they run on?" .. marker("[flaky:1]"),
}
if flaky then
  print("4. completed: " .. tostring(flaky:value()))
  -- The attempts that failed on the way are still there, as failed signals.
  for failed in client:paginate("list_signals", { domain = "acme.com", status = "failed" }) do
    if failed.question == flaky.question then
      print("   earlier attempt " .. failed.id .. " failed (retryable=" .. tostring(failed.retryable)
            .. "): " .. tostring(failed.error))
    end
  end
else
  print("4. gave up: " .. tostring(flaky_err))
end

-- ...and reports it at once when it is not.
local _, permanent = client:run_signal{
  domain = "acme.com",
  question = "How many followers does their CEO have?" .. marker("[fail:permanent]"),
}
if permanent then
  print("5. not retried: " .. tostring(permanent))
  print("   kind=" .. permanent.kind .. " retryable=" .. tostring(permanent.retryable)
        .. " code=" .. tostring(permanent.code))
else
  print("5. that one succeeded")
end

-- 6. Request errors come back as error objects too, never as a raised error.
local _, invalid = client:create_signal{ domain = "https://acme.com/about", question = "?" }
print("6. refused before sending: " .. tostring(invalid))

local credits = client:get_credits()
if credits then print("7. credits left: " .. tostring(credits.remainingCredits)) end
client:close()

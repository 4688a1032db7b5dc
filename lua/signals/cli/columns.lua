--- The columns the command-line tool shows of each kind of object (see
-- signals.cli.output for what a column is). `--json` shows everything.
-- @module signals.cli.columns
local type, ipairs = type, ipairs

local columns = {}

local function subject(s)
  return s.domain or s.contactProfileUrl
end

local function answer(s)
  return s:value()
end

local function source_urls(s)
  local urls = {}
  if type(s.sources) == "table" then
    for i, source in ipairs(s.sources) do urls[i] = type(source) == "table" and source.url or nil end
  end
  return urls
end

--- A signal in a list.
columns.signal_row = {
  { "id" }, { "status" }, { "subject", get = subject }, { "question" },
  { "answer", get = answer }, { "createdAt" },
}

--- One signal, every field a person reads.
columns.signal = {
  { "id" }, { "status" }, { "domain" }, { "contactProfileUrl" }, { "question" }, { "answerType" },
  { "answer", get = answer }, { "confidence" }, { "reasoning" }, { "sources", get = source_urls },
  { "createdAt" }, { "completedAt" }, { "retryable" }, { "errorCode" }, { "error" },
}

--- One contact research.
columns.research = {
  { "id" }, { "status" }, { "firstName" }, { "lastName" }, { "companyName" }, { "companyDomain" },
  { "jobTitle" }, { "contactProfileUrl" }, { "interests" }, { "challenges" }, { "createdAt" },
  { "completedAt" }, { "errorCode" }, { "error" },
}

--- A contact found by search.
columns.contact = {
  { "fullName" }, { "role" }, { "companyName" }, { "location" }, { "linkedInProfileUrl" },
}

--- A signal subscription in a list.
columns.subscription_row = {
  { "id" }, { "name" }, { "status" },
  { "schedule", get = function(s) return s.frequency or s.cronExpression end },
  { "listId" }, { "createdAt" },
}

return columns

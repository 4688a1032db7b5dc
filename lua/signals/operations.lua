-- Every operation of the Saber API, one row each: the method's name, the
-- operationId it comes from, the HTTP method and path, and the fields with
-- where they travel. Transcribed from the operation registry generated from
-- the official OpenAPI spec (api.saber.app/v1/openapi.yaml); this file is the
-- project's own copy, so nothing reads the spec at build or run time. The
-- two template-extract operations, which the registry lacks, come from
-- Saber's CLI.
--
-- `result` names the object kind the answer decodes into ("text" for the CSV
-- export, which is not JSON); list operations
-- have `page` instead, naming the kind of their items. Path parameters are
-- listed as fields even where the registry left them out (seven scoring
-- operations), because CONTRACT §9 makes every {name} in a path required.
--
-- Beyond the registry, fields carry the constraints docs/API-NOTES.md documents, so that
-- validate.lua can refuse a bad call before it is sent: `enum` (allowed
-- values), `pattern` (a named check in validate.lua), `integer`, `min`/`max`
-- (numbers), `min_length`/`max_length` (characters), and for arrays `items`
-- (the rule every element follows) and `max_items`. `required_unless` names
-- the field whose presence makes this one optional (a signal's question
-- comes from its template when signalTemplateId is given: API-NOTES §16a).
--
-- `spends` marks the operations that spend credits, which the client's
-- `spend_limit` counts: `true` one per call, `"items"` one per signal and
-- domain (the batch create). The API documents no cost per operation
-- (API-NOTES §11.1, §16); marked are those it names as paid: signal creates,
-- contact research, the contact search and the email finder, list creation
-- and import, and subscription runs ("consumes credits", API-NOTES §8.9).

local ANSWER_TYPES = { "open_text", "boolean", "number", "list", "percentage", "currency", "url",
  "json_schema", "contacts", "contact_posts", "contact_engagements", "contacts_generation" }
-- Template update and subscription create/update do not offer contacts_generation.
local SUBSCRIPTION_ANSWER_TYPES = { "open_text", "boolean", "number", "list", "percentage", "currency",
  "url", "json_schema", "contacts", "contact_posts", "contact_engagements" }
local SCORING_ANSWER_TYPES = { "boolean", "number", "percentage", "currency", "list" }
local WEIGHTS = { "important", "nice_to_have", "not_important" }
local VERIFICATION_MODES = { "strict", "lenient" }
local FREQUENCIES = { "daily", "weekly", "monthly" }
local ACTION_TYPES = { "webhook" }
local MARKET_TYPES = { "JOB_POSTS", "LINKEDIN_POST", "FUND_RAISED", "RECENT_INVESTMENT", "IPO" }
local MARKET_INTERVALS = { "daily", "weekly" }
local DIMENSIONS = { "fit", "urgency" }
local OBJECT_TYPES = { "company", "contact" }
local BOOLEAN_TEXT = { "true", "false" }

local STRING = { type = "string" }
local OBJECT = { type = "object" }
local SIGNAL_STATUS = { type = "options", enum = { "processing", "completed", "failed" } }

return {
  -- contact
  { name = "find_email", id = "findEmail", method = "POST", path = "/v1/contacts/find-email", result = "object", spends = true,
    fields = {
      { name = "full_name", location = "body", type = "string", required = true, min_length = 1, max_length = 200 },
      { name = "domain", location = "body", type = "string", required = true, pattern = "mail_domain" },
    } },
  { name = "get_contact_research_by_external_id", id = "getContactResearchByExternalID", method = "GET", path = "/v1/contacts/research", result = "contact_research",
    fields = {
      { name = "externalId", location = "query", type = "string", required = true },
      { name = "externalSource", location = "query", type = "string", required = true },
    } },
  { name = "create_contact_research", id = "createContactResearch", method = "POST", path = "/v1/contacts/research", result = "contact_research", spends = true,
    fields = {
      { name = "firstName", location = "body", type = "string", required = true },
      { name = "lastName", location = "body", type = "string", required = true },
      { name = "companyName", location = "body", type = "string", required = true },
      { name = "companyDomain", location = "body", type = "string", required = true, pattern = "domain" },
      { name = "contactProfileUrl", location = "body", type = "string" },
      { name = "linkedInSalesNavigatorUrl", location = "body", type = "string" },
      { name = "jobTitle", location = "body", type = "string" },
      { name = "webhookUrl", location = "body", type = "string" },
    } },
  { name = "get_contact_research", id = "getContactResearch", method = "GET", path = "/v1/contacts/research/{id}", result = "contact_research",
    fields = {
      { name = "id", location = "path", type = "string", required = true },
    } },
  { name = "search_contacts", id = "searchContacts", method = "POST", path = "/v1/contacts/search", page = "contact", spends = true,
    fields = {
      { name = "companyLinkedInUrls", location = "body", type = "json", items = STRING },
      { name = "firstName", location = "body", type = "string" },
      { name = "lastName", location = "body", type = "string" },
      { name = "jobTitles", location = "body", type = "json", items = STRING },
      { name = "keywords", location = "body", type = "string" },
      { name = "countries", location = "body", type = "json", items = STRING },
      { name = "departments", location = "body", type = "json", items = STRING },
      { name = "seniorityLevels", location = "body", type = "json", items = STRING },
      { name = "limit", location = "body", type = "number", integer = true, min = 1 },
      { name = "offset", location = "body", type = "number", integer = true, min = 0 },
    } },
  -- companySignal
  { name = "create_company_signal_sync", id = "createCompanySignalSync", method = "POST", path = "/v1/companies/signals/sync", result = "signal", spends = true,
    fields = {
      { name = "X-Sbr-Timeout-Sec", location = "header", type = "number", integer = true, min = 1, max = 900 },
      { name = "X-Sbr-Timeout-Error", location = "header", type = "options", enum = BOOLEAN_TEXT },
      { name = "domain", location = "body", type = "string", required = true, pattern = "domain" },
      { name = "question", location = "body", type = "string", required_unless = "signalTemplateId" },
      { name = "answerType", location = "body", type = "options", enum = ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
      { name = "signalTemplateId", location = "body", type = "string" },
      { name = "forceRefresh", location = "body", type = "boolean" },
      { name = "connectors", location = "body", type = "json" },
      { name = "verificationMode", location = "body", type = "options", enum = VERIFICATION_MODES },
    } },
  { name = "list_signals", id = "listSignals", method = "GET", path = "/v1/companies/signals", page = "signal",
    fields = {
      { name = "domain", location = "query", type = "string", pattern = "domain" },
      { name = "companyId", location = "query", type = "string" },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 25 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
      { name = "fromDate", location = "query", type = "dateTime" },
      { name = "toDate", location = "query", type = "dateTime" },
      { name = "status", location = "query", type = "json", items = SIGNAL_STATUS },
      { name = "subscriptionId", location = "query", type = "string" },
    } },
  { name = "create_signal", id = "createSignal", method = "POST", path = "/v1/companies/signals", result = "signal", spends = true,
    fields = {
      { name = "domain", location = "body", type = "string", required = true, pattern = "domain" },
      { name = "question", location = "body", type = "string", required_unless = "signalTemplateId" },
      { name = "answerType", location = "body", type = "options", enum = ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
      { name = "signalTemplateId", location = "body", type = "string" },
      { name = "forceRefresh", location = "body", type = "boolean" },
      { name = "connectors", location = "body", type = "json" },
      { name = "verificationMode", location = "body", type = "options", enum = VERIFICATION_MODES },
    } },
  { name = "create_signal_batch", id = "createSignalBatch", method = "POST", path = "/v1/companies/signals/batch", result = "object", spends = "items",
    fields = {
      { name = "signals", location = "body", type = "json", required = true, items = OBJECT },
      -- Judged per item by the API (API-NOTES §16a): a malformed domain is
      -- one rejected result, not a refused batch.
      { name = "domains", location = "body", type = "json", required = true, items = STRING },
      { name = "generateSummaryOnComplete", location = "body", type = "boolean" },
      { name = "async", location = "body", type = "boolean" },
    } },
  { name = "get_signal", id = "getSignal", method = "GET", path = "/v1/companies/signals/{signalId}", result = "signal",
    fields = {
      { name = "signalId", location = "path", type = "string", required = true, pattern = "uuid" },
    } },
  -- companySignalSubscription
  { name = "list_subscription_logs", id = "listSubscriptionLogs", method = "GET", path = "/v1/companies/signals/subscriptions/{subscriptionId}/logs", page = "signal",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "domain", location = "query", type = "string", pattern = "domain" },
      { name = "companyId", location = "query", type = "string" },
      { name = "limit", location = "query", type = "number", integer = true, min = 1 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
      { name = "fromDate", location = "query", type = "dateTime" },
      { name = "toDate", location = "query", type = "dateTime" },
      { name = "status", location = "query", type = "json", items = SIGNAL_STATUS },
    } },
  { name = "list_signal_subscriptions", id = "listSignalSubscriptions", method = "GET", path = "/v1/companies/signals/subscriptions", page = "object",
    fields = {
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "create_signal_subscription", id = "createSignalSubscription", method = "POST", path = "/v1/companies/signals/subscriptions", result = "object",
    fields = {
      { name = "signalTemplateId", location = "body", type = "string" },
      { name = "name", location = "body", type = "string" },
      { name = "description", location = "body", type = "string" },
      { name = "question", location = "body", type = "string" },
      { name = "answerType", location = "body", type = "options", enum = SUBSCRIPTION_ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
      { name = "frequency", location = "body", type = "options", enum = FREQUENCIES },
      { name = "cronExpression", location = "body", type = "string" },
      { name = "timezone", location = "body", type = "string" },
      { name = "listId", location = "body", type = "string", required = true },
    } },
  { name = "get_signal_subscription", id = "getSignalSubscription", method = "GET", path = "/v1/companies/signals/subscriptions/{subscriptionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "update_signal_subscription", id = "updateSignalSubscription", method = "PUT", path = "/v1/companies/signals/subscriptions/{subscriptionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "frequency", location = "body", type = "options", enum = FREQUENCIES },
      { name = "cronExpression", location = "body", type = "string" },
      { name = "timezone", location = "body", type = "string", required = true },
      { name = "name", location = "body", type = "string", required = true },
      { name = "question", location = "body", type = "string", required = true },
      { name = "answerType", location = "body", type = "options", required = true, enum = SUBSCRIPTION_ANSWER_TYPES },
      { name = "description", location = "body", type = "string" },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
    } },
  { name = "start_signal_subscription", id = "startSignalSubscription", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/start", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "stop_signal_subscription", id = "stopSignalSubscription", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/stop", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "trigger_signal_subscription", id = "triggerSignalSubscription", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/trigger", result = "object", spends = true,
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "list_subscription_actions", id = "listSubscriptionActions", method = "GET", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions", page = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "create_subscription_action", id = "createSubscriptionAction", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "type", location = "body", type = "options", required = true, enum = ACTION_TYPES },
      { name = "webhook", location = "body", type = "json" },
    } },
  { name = "get_subscription_action", id = "getSubscriptionAction", method = "GET", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "actionId", location = "path", type = "string", required = true },
    } },
  { name = "update_subscription_action", id = "updateSubscriptionAction", method = "PUT", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "actionId", location = "path", type = "string", required = true },
      { name = "webhook", location = "body", type = "json" },
    } },
  { name = "delete_subscription_action", id = "deleteSubscriptionAction", method = "DELETE", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "actionId", location = "path", type = "string", required = true },
    } },
  { name = "pause_subscription_action", id = "pauseSubscriptionAction", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}/pause", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "actionId", location = "path", type = "string", required = true },
    } },
  { name = "unpause_subscription_action", id = "unpauseSubscriptionAction", method = "POST", path = "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}/unpause", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "actionId", location = "path", type = "string", required = true },
    } },
  -- contactSignal
  { name = "create_contact_signal_sync", id = "createContactSignalSync", method = "POST", path = "/v1/contacts/signals/sync", result = "signal", spends = true,
    fields = {
      { name = "X-Sbr-Timeout-Sec", location = "header", type = "number", integer = true, min = 1, max = 900 },
      { name = "X-Sbr-Timeout-Error", location = "header", type = "options", enum = BOOLEAN_TEXT },
      { name = "contactProfileUrl", location = "body", type = "string", required = true },
      { name = "question", location = "body", type = "string", required_unless = "signalTemplateId" },
      { name = "answerType", location = "body", type = "options", enum = ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
      { name = "signalTemplateId", location = "body", type = "string" },
      { name = "connectors", location = "body", type = "json" },
      { name = "verificationMode", location = "body", type = "options", enum = VERIFICATION_MODES },
      { name = "forceRefresh", location = "body", type = "boolean" },
    } },
  { name = "list_contact_signals", id = "listContactSignals", method = "GET", path = "/v1/contacts/signals", page = "signal",
    fields = {
      { name = "contactProfileUrl", location = "query", type = "string" },
      { name = "limit", location = "query", type = "number", integer = true, min = 1 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "create_contact_signal", id = "createContactSignal", method = "POST", path = "/v1/contacts/signals", result = "signal", spends = true,
    fields = {
      { name = "contactProfileUrl", location = "body", type = "string", required = true },
      { name = "question", location = "body", type = "string", required_unless = "signalTemplateId" },
      { name = "answerType", location = "body", type = "options", enum = ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
      { name = "signalTemplateId", location = "body", type = "string" },
      { name = "connectors", location = "body", type = "json" },
      { name = "verificationMode", location = "body", type = "options", enum = VERIFICATION_MODES },
      { name = "forceRefresh", location = "body", type = "boolean" },
    } },
  { name = "get_contact_signal", id = "getContactSignal", method = "GET", path = "/v1/contacts/signals/{signalId}", result = "signal",
    fields = {
      { name = "signalId", location = "path", type = "string", required = true, pattern = "uuid" },
    } },
  -- contactList
  { name = "list_contact_lists", id = "listContactLists", method = "GET", path = "/v1/contacts/lists", page = "object",
    fields = {
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "create_contact_list", id = "createContactList", method = "POST", path = "/v1/contacts/lists", result = "object", spends = true,
    fields = {
      { name = "name", location = "body", type = "string", required = true },
      { name = "filters", location = "body", type = "json", required = true },
    } },
  { name = "get_contact_list", id = "getContactList", method = "GET", path = "/v1/contacts/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
    } },
  { name = "update_contact_list", id = "updateContactList", method = "PUT", path = "/v1/contacts/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
      { name = "name", location = "body", type = "string", required = true },
    } },
  { name = "delete_contact_list", id = "deleteContactList", method = "DELETE", path = "/v1/contacts/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
    } },
  { name = "get_contact_list_contacts", id = "getContactListContacts", method = "GET", path = "/v1/contacts/lists/{listId}/contacts", page = "contact",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  -- companySignalTemplate
  { name = "list_signal_templates", id = "listSignalTemplates", method = "GET", path = "/v1/companies/signals/templates", page = "object",
    fields = {
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
      { name = "includeDeleted", location = "query", type = "boolean" },
    } },
  { name = "create_signal_template", id = "createSignalTemplate", method = "POST", path = "/v1/companies/signals/templates", result = "object",
    fields = {
      { name = "name", location = "body", type = "string", required = true, min_length = 1, max_length = 200 },
      { name = "description", location = "body", type = "string", max_length = 1000 },
      { name = "question", location = "body", type = "string", required = true },
      { name = "answerType", location = "body", type = "options", enum = ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
    } },
  { name = "get_signal_template", id = "getSignalTemplate", method = "GET", path = "/v1/companies/signals/templates/{templateId}", result = "object",
    fields = {
      { name = "templateId", location = "path", type = "string", required = true },
    } },
  { name = "update_signal_template", id = "updateSignalTemplate", method = "PATCH", path = "/v1/companies/signals/templates/{templateId}", result = "object",
    fields = {
      { name = "templateId", location = "path", type = "string", required = true },
      { name = "name", location = "body", type = "string", min_length = 1, max_length = 200 },
      { name = "description", location = "body", type = "string", max_length = 1000 },
      { name = "question", location = "body", type = "string" },
      { name = "answerType", location = "body", type = "options", enum = SUBSCRIPTION_ANSWER_TYPES },
      { name = "outputSchema", location = "body", type = "json" },
      { name = "weight", location = "body", type = "options", enum = WEIGHTS },
      { name = "qualificationCriteria", location = "body", type = "json" },
    } },
  { name = "delete_signal_template", id = "deleteSignalTemplate", method = "DELETE", path = "/v1/companies/signals/templates/{templateId}", result = "object",
    fields = {
      { name = "templateId", location = "path", type = "string", required = true },
    } },
  -- companySignalSummary
  { name = "get_signal_summaries", id = "getSignalSummaries", method = "GET", path = "/v1/companies/signals/summaries", page = "object",
    fields = {
      { name = "domain", location = "query", type = "string", required = true, pattern = "domain" },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "generate_signal_summary", id = "generateSignalSummary", method = "POST", path = "/v1/companies/signals/summaries", result = "object",
    fields = {
      { name = "domain", location = "body", type = "string", required = true, pattern = "domain" },
    } },
  -- marketSignalSubscription
  { name = "list_market_signal_subscriptions", id = "listMarketSignalSubscriptions", method = "GET", path = "/v1/market-signals/subscriptions", page = "object",
    fields = {
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
      { name = "includeDeleted", location = "query", type = "boolean" },
    } },
  { name = "create_market_signal_subscription", id = "createMarketSignalSubscription", method = "POST", path = "/v1/market-signals/subscriptions", result = "object",
    fields = {
      { name = "type", location = "body", type = "options", required = true, enum = MARKET_TYPES },
      { name = "name", location = "body", type = "string", max_length = 200 },
      { name = "prompt", location = "body", type = "string" },
      { name = "filters", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string", required = true },
      { name = "webhookSecret", location = "body", type = "string" },
      { name = "intervalSignalLimit", location = "body", type = "number", integer = true, min = 1, max = 10000 },
      { name = "interval", location = "body", type = "options", enum = MARKET_INTERVALS },
    } },
  { name = "get_market_signal_subscription", id = "getMarketSignalSubscription", method = "GET", path = "/v1/market-signals/subscriptions/{subscriptionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "update_market_signal_subscription", id = "updateMarketSignalSubscription", method = "PATCH", path = "/v1/market-signals/subscriptions/{subscriptionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "name", location = "body", type = "string", max_length = 200 },
      { name = "prompt", location = "body", type = "string" },
      { name = "filters", location = "body", type = "json" },
      { name = "webhookUrl", location = "body", type = "string" },
      { name = "webhookSecret", location = "body", type = "string" },
      { name = "intervalSignalLimit", location = "body", type = "number", integer = true, min = 1, max = 10000 },
      { name = "interval", location = "body", type = "options", enum = MARKET_INTERVALS },
    } },
  { name = "delete_market_signal_subscription", id = "deleteMarketSignalSubscription", method = "DELETE", path = "/v1/market-signals/subscriptions/{subscriptionId}", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "pause_market_signal_subscription", id = "pauseMarketSignalSubscription", method = "POST", path = "/v1/market-signals/subscriptions/{subscriptionId}/pause", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "resume_market_signal_subscription", id = "resumeMarketSignalSubscription", method = "POST", path = "/v1/market-signals/subscriptions/{subscriptionId}/resume", result = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "trigger_market_signal_subscription", id = "triggerMarketSignalSubscription", method = "POST", path = "/v1/market-signals/subscriptions/{subscriptionId}/trigger", result = "object", spends = true,
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
    } },
  { name = "list_market_signal_subscription_signals", id = "listMarketSignalSubscriptionSignals", method = "GET", path = "/v1/market-signals/subscriptions/{subscriptionId}/signals", page = "object",
    fields = {
      { name = "subscriptionId", location = "path", type = "string", required = true },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  -- signalTemplateExtraction: in Saber's CLI, not in the OpenAPI registry
  -- (API-NOTES §8.7, §8.8); the operation ids are ours.
  -- A proposal runs a language model: the API gives it a bucket of its own
  -- (`rate_limit`, a bucket of ratelimit.lua) besides the write bucket.
  { name = "propose_template_extraction", id = "proposeTemplateExtraction", method = "POST", path = "/v1/signal-templates/extract/propose", result = "object", rate_limit = "extract",
    fields = {
      { name = "signalType", location = "body", type = "string", required = true },
      { name = "maxCandidates", location = "body", type = "number", integer = true, min = 1 },
    } },
  { name = "apply_template_extraction", id = "applyTemplateExtraction", method = "POST", path = "/v1/signal-templates/extract/apply", result = "object",
    fields = {
      { name = "clusters", location = "body", type = "json", required = true, items = OBJECT },
    } },
  -- account
  { name = "list_connectors", id = "listConnectors", method = "GET", path = "/v1/connectors", result = "object",
    fields = {} },
  { name = "get_credits", id = "getCredits", method = "GET", path = "/v1/credits", result = "object",
    fields = {} },
  { name = "get_organisation", id = "getOrganisation", method = "GET", path = "/v1/organisation", result = "object",
    fields = {} },
  { name = "update_organisation", id = "updateOrganisation", method = "PUT", path = "/v1/organisation", result = "object",
    fields = {
      { name = "name", location = "body", type = "string" },
      { name = "website", location = "body", type = "string" },
      { name = "description", location = "body", type = "json" },
    } },
  -- companyList
  { name = "import_company_list", id = "importCompanyList", method = "POST", path = "/v1/companies/lists/import", result = "object", spends = true,
    fields = {
      { name = "name", location = "body", type = "string", required = true, min_length = 1, max_length = 200 },
      { name = "source", location = "body", type = "json", required = true },
    } },
  { name = "count_preview_company_list", id = "countPreviewCompanyList", method = "POST", path = "/v1/companies/lists/count-preview", result = "object",
    fields = {
      { name = "filter", location = "body", type = "json", required = true },
    } },
  { name = "list_company_lists", id = "listCompanyLists", method = "GET", path = "/v1/companies/lists", page = "object",
    fields = {
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "create_company_list", id = "createCompanyList", method = "POST", path = "/v1/companies/lists", result = "object", spends = true,
    fields = {
      { name = "name", location = "body", type = "string", required = true, min_length = 1, max_length = 200 },
      { name = "filter", location = "body", type = "json", required = true },
    } },
  { name = "get_company_list", id = "getCompanyList", method = "GET", path = "/v1/companies/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
    } },
  { name = "update_company_list", id = "updateCompanyList", method = "PUT", path = "/v1/companies/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
      { name = "name", location = "body", type = "string", required = true, min_length = 1, max_length = 200 },
      { name = "filter", location = "body", type = "json", required = true },
    } },
  { name = "delete_company_list", id = "deleteCompanyList", method = "DELETE", path = "/v1/companies/lists/{listId}", result = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
    } },
  { name = "get_company_list_companies", id = "getCompanyListCompanies", method = "GET", path = "/v1/companies/lists/{listId}/companies", page = "object",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
      { name = "limit", location = "query", type = "number", integer = true, min = 1, max = 100 },
      { name = "offset", location = "query", type = "number", integer = true, min = 0 },
    } },
  { name = "export_company_list", id = "exportCompanyList", method = "POST", path = "/v1/companies/lists/{listId}/export", result = "text",
    fields = {
      { name = "listId", location = "path", type = "string", required = true },
      { name = "fields", location = "body", type = "json", items = STRING },
      { name = "signalTemplateIds", location = "body", type = "json", items = STRING },
    } },
  { name = "search_companies", id = "searchCompanies", method = "POST", path = "/v1/companies/search", result = "object",
    fields = {
      { name = "filter", location = "body", type = "json", required = true },
    } },
  -- scoring
  { name = "list_scoring_profiles", id = "listScoringProfiles", method = "GET", path = "/v1/scoring/profiles", page = "object",
    fields = {} },
  { name = "create_scoring_profile", id = "createScoringProfile", method = "POST", path = "/v1/scoring/profiles", result = "object",
    fields = {
      { name = "profileType", location = "body", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "name", location = "body", type = "string", required = true },
      { name = "description", location = "body", type = "string" },
    } },
  { name = "get_scoring_profile", id = "getScoringProfile", method = "GET", path = "/v1/scoring/profiles/{profileId}", result = "object",
    fields = {
      { name = "profileId", location = "path", type = "string", required = true },
    } },
  { name = "update_scoring_profile", id = "updateScoringProfile", method = "PUT", path = "/v1/scoring/profiles/{profileId}", result = "object",
    fields = {
      { name = "profileId", location = "path", type = "string", required = true },
      { name = "name", location = "body", type = "string", required = true },
      { name = "description", location = "body", type = "string" },
    } },
  { name = "delete_scoring_profile", id = "deleteScoringProfile", method = "DELETE", path = "/v1/scoring/profiles/{profileId}", result = "object",
    fields = {
      { name = "profileId", location = "path", type = "string", required = true },
    } },
  { name = "list_scoring_rules", id = "listScoringRules", method = "GET", path = "/v1/scoring/profiles/{profileId}/rules", page = "object",
    fields = {
      { name = "profileId", location = "path", type = "string", required = true },
    } },
  { name = "upsert_scoring_rule", id = "upsertScoringRule", method = "PUT", path = "/v1/scoring/profiles/{profileId}/rules", result = "object",
    fields = {
      { name = "profileId", location = "path", type = "string", required = true },
      { name = "signalTemplateId", location = "body", type = "string", required = true },
      { name = "dimension", location = "body", type = "options", required = true, enum = DIMENSIONS },
      { name = "answerType", location = "body", type = "options", required = true, enum = SCORING_ANSWER_TYPES },
      { name = "pointValues", location = "body", type = "json", required = true },
    } },
  { name = "delete_scoring_rule", id = "deleteScoringRule", method = "DELETE", path = "/v1/scoring/profiles/{profileId}/rules/{ruleId}", result = "object",
    fields = {
      { name = "ruleId", location = "path", type = "string", required = true },
      { name = "profileId", location = "path", type = "string", required = true },
    } },
  { name = "list_profile_assignments", id = "listProfileAssignments", method = "GET", path = "/v1/scoring/assignments", page = "object",
    fields = {
      { name = "objectType", location = "query", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "objectId", location = "query", type = "string", required = true },
    } },
  { name = "create_profile_assignment", id = "createProfileAssignment", method = "POST", path = "/v1/scoring/assignments", result = "object",
    fields = {
      { name = "profileId", location = "body", type = "string", required = true },
      { name = "objectType", location = "body", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "objectId", location = "body", type = "string", required = true },
    } },
  { name = "bulk_create_profile_assignments", id = "bulkCreateProfileAssignments", method = "POST", path = "/v1/scoring/assignments/bulk", result = "object",
    fields = {
      { name = "profileId", location = "body", type = "string", required = true },
      { name = "objectType", location = "body", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "objectIds", location = "body", type = "json", required = true, items = STRING, max_items = 500 },
    } },
  { name = "delete_profile_assignment", id = "deleteProfileAssignment", method = "DELETE", path = "/v1/scoring/assignments/{assignmentId}", result = "object",
    fields = {
      { name = "assignmentId", location = "path", type = "string", required = true },
    } },
  { name = "get_scores", id = "getScores", method = "GET", path = "/v1/scoring/scores", page = "object",
    fields = {
      { name = "objectType", location = "query", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "objectId", location = "query", type = "json", required = true, items = STRING },
    } },
  { name = "trigger_score_compute", id = "triggerScoreCompute", method = "POST", path = "/v1/scoring/compute", result = "object",
    fields = {
      { name = "objectType", location = "body", type = "options", required = true, enum = OBJECT_TYPES },
      { name = "objectIds", location = "body", type = "json", required = true, items = STRING },
    } },
}

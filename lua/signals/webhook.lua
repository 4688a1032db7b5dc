--- Webhook deliveries: check their signature, turn their body into objects.
--
-- Saber POSTs a signal to the `webhookUrl` given when it was created, and a
-- batch of market signals (a JSON object with a `signals` array) to a
-- market-signal subscription's `webhookUrl`. Deliveries of a subscription
-- created with a `webhookSecret` are signed with HMAC-SHA256 of the body
-- under that secret (API-NOTES §14; the header's name is not documented).
--
--    local signals = require("signals")
--    local ok, why = signals.webhook.verify(body, headers["x-saber-signature"], secret)
--    if not ok then return 401 end
--    local delivery, err = signals.webhook.parse(body)
--
-- Also reachable as `require("signals").webhook`.
-- @module signals.webhook
local core = require("signals.core")

local type, error = type, error
local byte, format, gsub = string.byte, string.format, string.gsub

local webhook = {}

--- Checks a delivery's HMAC-SHA256 signature, in constant time.
-- The digest is computed by OpenSSL's libcrypto and compared with
-- `CRYPTO_memcmp`, so the time taken does not tell a forger how much of a
-- guess was right.
-- @function verify
-- @tparam string body the request body exactly as received, before any decoding
-- @tparam ?string signature the signature header's value: the digest in hex
--   (either case) or base64 (standard or URL-safe alphabet, padding optional),
--   optionally prefixed with `sha256=`; nil when the header is missing
-- @tparam string secret the subscription's `webhookSecret` (not empty)
-- @treturn boolean `true` when the signature is the body's under the secret
-- @treturn ?string when `false`, why: `"no signature"`, `"malformed signature: …"`
--   or `"signature mismatch"`
-- @raise when body or secret is not a string, signature is neither a string
--   nor nil, or the secret is empty (a receiver without its secret is misconfigured)
webhook.verify = core.webhook_verify

--- Signs a body as a sender would: for tests and for relaying deliveries.
-- @tparam string body the request body
-- @tparam string secret the secret (not empty)
-- @treturn string `"sha256="` followed by the lower-case hex HMAC-SHA256 of body
-- @raise when body or secret is not a string, or the secret is empty
function webhook.sign(body, secret)
  return "sha256=" .. gsub(core.hmac_sha256(secret, body), ".",
    function(c) return format("%02x", byte(c)) end)
end

--- Turns a delivery's body into objects.
--
-- - A body with a `signals` array (a market-signal batch) gives a plain
--   table holding the body's members (`subscriptionId`, `type`, ...) as plain
--   values, except `signals`: an array of objects (`signals.kind(x) ==
--   "object"`), read by the API's names (`s.id`, `s.payload`, `s.confidenceScore`).
-- - A body with a `question` is a signal object (`sig:value()`, `sig:failure()`).
-- - A body with a `firstName` is a contact research object.
-- - Any other JSON object is an object of kind `"object"`.
-- @tparam string body the request body
-- @treturn[1] table|userdata the delivery
-- @treturn[2] nil when the body is not a JSON object
-- @treturn[2] userdata an error object of kind `"decode"`
-- @raise when body is not a string
function webhook.parse(body)
  if type(body) ~= "string" then
    error("signals.webhook.parse: 'body' must be a string, got " .. type(body), 2)
  end
  local delivery, problem = core.webhook_parse(body)
  if delivery == nil then
    return nil, core.error{ kind = "decode", message = "cannot decode the webhook delivery: " .. problem }
  end
  return delivery
end

return webhook

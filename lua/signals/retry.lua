-- The retry policy (DESIGN §6, §9): which failed attempts are tried again,
-- and how long to wait before the next one. request.lua runs the loop.
local min, random = math.min, math.random

local retry = {}

local RETRIED_STATUSES = { [408] = true, [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }

-- POST and PATCH spend credits: without opts.retry_unsafe they are retried
-- only when the server cannot have processed them.
local UNSAFE_METHODS = { POST = true, PATCH = true }
local UNPROCESSED_STATUSES = { [429] = true, [503] = true }

-- Transport failures that the next attempt would meet again: the same
-- oversized body, the same certificate that does not verify, the same
-- local TLS set-up that does not load. (SSL_CONNECT_ERROR is not here: a
-- handshake cut short by the network may well succeed the next time.)
local FINAL_TRANSPORT_CODES = {
  RESPONSE_TOO_LARGE = true,
  PEER_FAILED_VERIFICATION = true, SSL_ISSUER_ERROR = true, SSL_PINNEDPUBKEYNOTMATCH = true,
  SSL_INVALIDCERTSTATUS = true, SSL_CACERT_BADFILE = true, SSL_CRL_BADFILE = true,
  SSL_CERTPROBLEM = true, SSL_CLIENTCERT = true, SSL_CIPHER = true,
}

-- Whether the client retries after `err` (a plain error table, with the
-- transport's `connected` flag for network and timeout errors).
function retry.should_retry(err, method, retry_unsafe)
  local careful = UNSAFE_METHODS[method] and not retry_unsafe
  if err.kind == "network" or err.kind == "timeout" then
    if FINAL_TRANSPORT_CODES[err.code] then return false end
    return not careful or err.connected == false
  elseif err.kind == "http" then
    if careful then return UNPROCESSED_STATUSES[err.status] == true end
    return RETRIED_STATUSES[err.status] == true
  end
  return false
end

-- Full jitter: the n-th retry waits a random time in
-- [0, min(retry_max_delay, retry_base_delay * 2^(n-1))].
function retry.backoff(attempt, options)
  return random() * min(options.retry_max_delay, options.retry_base_delay * 2 ^ (attempt - 1))
end

-- Seconds to wait before retry number `attempt`, or nil when the server asked
-- for longer than max_retry_after (the error is then returned at once).
function retry.delay(err, attempt, options)
  local hint = err.retry_after
  if hint then
    if hint > options.max_retry_after then return nil end
    return hint
  end
  return retry.backoff(attempt, options)
end

return retry

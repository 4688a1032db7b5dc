-- The retry policy (CONTRACT §6, §9): which failed attempts are tried again,
-- and how long to wait before the next one. request.lua runs the HTTP loop;
-- run_signal (lifecycle.lua) and ask_many ask `retry.again` about signals.
local min, max, random = math.min, math.max, math.random

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

-- Whether a failed POST or PATCH may have been processed by the server (and
-- so have spent credits): it was sent and nothing proves it was refused.
-- Refusals that prove it: an answer of 4xx other than 408 (a sync call that
-- timed out on the server has created its signal), 503, or a connection
-- that was never made. A 2xx that does not decode was processed.
function retry.maybe_processed(err, method)
  if not UNSAFE_METHODS[method] then return false end
  local kind = err.kind
  if kind == "network" or kind == "timeout" then return err.connected ~= false end
  if kind == "decode" then return true end
  if kind == "http" then
    local status = err.status
    return status == 408 or (status >= 500 and status ~= 503)
  end
  return false
end

-- Full jitter: the n-th retry waits a random time in
-- [0, min(retry_max_delay, retry_base_delay * 2^(n-1))].
function retry.backoff(attempt, options)
  return random() * min(options.retry_max_delay, options.retry_base_delay * 2 ^ (attempt - 1))
end

-- The signal level (CONTRACT §6): a signal that ended after `attempt`
-- creates is asked again only when it failed with retryable = true and
-- fewer than `max_attempts` were made. Returns the seconds to wait before
-- asking again (the backoff), or nil when it is not asked again.
function retry.again(signal, attempt, max_attempts, options)
  if signal.status ~= "failed" or signal.retryable ~= true or attempt >= max_attempts then return nil end
  return retry.backoff(attempt, options)
end

-- Seconds to wait before retry number `attempt`, or nil when the server asked
-- for longer than max_retry_after (the error is then returned at once). A
-- 429 without a hint waits at least rate_limit_floor: a backoff of a
-- fraction of a second would meet the same limit again (Saber's CLI waits a
-- minute, API-NOTES §12.3).
function retry.delay(err, attempt, options)
  local hint = err.retry_after
  if hint then
    if hint > options.max_retry_after then return nil end
    return hint
  end
  local delay = retry.backoff(attempt, options)
  if err.status == 429 then
    delay = max(delay, min(options.rate_limit_floor, options.max_retry_after))
  end
  return delay
end

return retry

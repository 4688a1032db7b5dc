--- The default transport: one libcurl easy handle of signals.core per client,
-- reused across requests (keep-alive). Redirects are left to the Lua layer.
-- Concurrent calls (client:all) go through a libcurl multi handle of the
-- same options, opened on first use and kept with its connections.
-- @module signals.transports.curl
local core = require("signals.core")

local pairs = pairs

local curl = {}

--- The User-Agent of a transport made without `user_agent` (a client
-- sends its own `user_agent` option with every request).
curl.USER_AGENT = "signals-lua/" .. core.VERSION .. " (" .. _VERSION .. ")"

--- Makes a transport for @{signals.new}'s `transport` option (what a client
-- makes for itself outside nginx). TLS peer and host verification are always on.
-- @tparam[opt] table options `ca_file`, `ca_path`, `proxy`, `user_agent` (default
--   @{USER_AGENT}), `max_response_bytes`
-- @treturn table the transport: `request(req)`, `submit`, `poll`, `cancel` (for
--   @{signals.Client:all}) and `close`
function curl.new(options)
  if options == nil or options.user_agent == nil then
    local given = options or {}
    options = { user_agent = curl.USER_AGENT }
    for k, v in pairs(given) do options[k] = v end
  end
  local handle = core.http(options)
  local multi
  local function concurrent()
    if not multi then multi = core.multi(options) end
    return multi
  end
  return {
    request = function(req) return handle:request(req) end,
    -- Internal: request, with the body lent to core.decode as
    -- res.payload until the next request (request.lua's own path).
    fetch = function(req) return handle:fetch(req) end,
    submit = function(req) return concurrent():submit(req) end,
    poll = function(timeout) return concurrent():poll(timeout) end,
    cancel = function(key) concurrent():cancel(key) end,
    close = function()
      handle:close()
      -- Opened here if need be, so that a later submit is refused as closed.
      concurrent():close()
    end,
  }
end

return curl

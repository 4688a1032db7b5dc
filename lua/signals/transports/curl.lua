-- The default transport: one libcurl easy handle of signals.core per client,
-- reused across requests (keep-alive). Redirects are left to the Lua layer.
local core = require("signals.core")

local curl = {}

-- options: ca_file, ca_path, proxy, user_agent, max_response_bytes.
function curl.new(options)
  local handle = core.http(options or {})
  return {
    request = function(req) return handle:request(req) end,
    close = function() handle:close() end,
  }
end

return curl

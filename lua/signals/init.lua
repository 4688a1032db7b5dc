-- require("signals"): the client of the Saber Signals API (DESIGN.md).
-- signals.new builds a client; every operation of operations.lua becomes a
-- method of it, and the helpers (pages, paginate, wait, run_signal) sit
-- beside them.
local core = require("signals.core")
local operations = require("signals.operations")
local validate = require("signals.validate")
local request = require("signals.request")
local paging = require("signals.paging")
local lifecycle = require("signals.lifecycle")

local type, pairs, ipairs, tostring, error, require, setmetatable, rawget, pcall =
  type, pairs, ipairs, tostring, error, require, setmetatable, rawget, pcall
local format, gsub, find = string.format, string.gsub, string.find
local getenv, execute = os.getenv, os.execute

local signals = {}

signals.VERSION = "0.1.0"
signals.null = core.null
signals.kind = core.kind

function signals.object(t) return core.mark(t, "object") end
function signals.array(t) return core.mark(t, "array") end

-- signals.transports.curl, .ngx, ...: loaded on first use, so that a host
-- without OpenResty never loads the ngx transport.
signals.transports = setmetatable({}, { __index = function(transports, name)
  local transport = require("signals.transports." .. tostring(name))
  transports[name] = transport
  return transport
end })

local DEFAULT_BASE_URL = "https://api.saber.app"

local DEFAULTS = {
  timeout = 60, connect_timeout = 10,
  max_retries = 2, retry_base_delay = 0.5, retry_max_delay = 8, max_retry_after = 60,
  max_response_bytes = 32 * 1024 * 1024,
  user_agent = "signals-lua/" .. signals.VERSION .. " (" .. _VERSION .. ")",
}

local CLIENT_OPTIONS = {
  api_key = "string", base_url = "string",
  timeout = "positive", connect_timeout = "positive",
  max_retries = "count", retry_base_delay = "duration", retry_max_delay = "duration",
  max_retry_after = "duration", max_response_bytes = "positive_integer",
  ca_file = "string", ca_path = "string", proxy = "string", user_agent = "string",
  transport = "transport",
  on_request = "function", on_response = "function", on_retry = "function",
  sleep = "function",
}

-- The default `sleep`: it blocks the caller, except in OpenResty where
-- ngx.sleep yields to the event loop.
local blocking_sleep
local function default_sleep(seconds)
  if not blocking_sleep then
    local ngx = rawget(_G, "ngx")
    if ngx and ngx.sleep then
      blocking_sleep = ngx.sleep
    else
      local has_socket, socket = pcall(require, "socket")
      blocking_sleep = has_socket and socket.sleep
        or function(s) execute(format("sleep %.3f", s)) end
    end
  end
  if seconds > 0 then blocking_sleep(seconds) end
end

local function env(name)
  local value = getenv(name)
  return value ~= "" and value or nil
end

local Client = {}
Client.__index = Client

local operation_by_name = {}
for _, op in ipairs(operations) do
  operation_by_name[op.name] = op
  Client[op.name] = function(self, params, opts)
    return request.call(self, op, params, opts)
  end
end

-- Misuse of the iterators raises (DESIGN §4), at the caller's line.
local function list_operation(name, params)
  local op = operation_by_name[name]
  if not op then error(format("signals: unknown operation '%s'", tostring(name)), 3) end
  if not op.page then error(format("signals: %s is not a list operation", name), 3) end
  if params ~= nil and type(params) ~= "table" then
    error(format("signals: the parameters of %s must be a table", name), 3)
  end
  return op
end

function Client:pages(name, params, opts)
  return paging.pages(self, list_operation(name, params), params, opts)
end

function Client:paginate(name, params, opts)
  return paging.paginate(self, list_operation(name, params), params, opts)
end

Client.wait = lifecycle.wait
Client.run_signal = lifecycle.run_signal
Client.run_contact_signal = lifecycle.run_contact_signal

-- Closes the transport the client opened itself; a transport passed in
-- belongs to the caller. Later calls return an invalid_request error.
function Client:close()
  if not self.closed then
    self.closed = true
    if self.owns_transport and self.transport.close then self.transport.close() end
  end
end

function Client:__tostring()
  return "signals client " .. self.options.base_url
end

function signals.new(opts)
  if opts == nil then opts = {} end
  local problems = validate.settings(CLIENT_OPTIONS, opts)
  if #problems > 0 then error("signals.new: " .. validate.message(problems), 2) end

  local options = {}
  for name, value in pairs(DEFAULTS) do options[name] = value end
  for name, value in pairs(opts) do options[name] = value end
  if opts.api_key == nil then options.api_key = env("SABER_API_KEY") end
  -- No key at all: no Authorization header, and the API's 401 says why.
  if options.api_key == "" then options.api_key = nil end
  local base_url = opts.base_url or env("SABER_BASE_URL") or DEFAULT_BASE_URL
  if not find(base_url, "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+") or find(base_url, "[?#]") then
    error(format("signals.new: 'base_url' must be an http(s) URL without query or fragment, got '%s'",
      base_url), 2)
  end
  options.base_url = gsub(base_url, "/+$", "")
  options.sleep = opts.sleep or default_sleep

  local transport = opts.transport or require("signals.transports.curl").new{
    ca_file = options.ca_file, ca_path = options.ca_path, proxy = options.proxy,
    max_response_bytes = options.max_response_bytes,
  }
  return setmetatable({ options = options, transport = transport, owns_transport = opts.transport == nil,
                        closed = false }, Client)
end

return signals

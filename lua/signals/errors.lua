-- The one internal form of an error. Inside the library an error is a plain
-- table of the fields of CONTRACT §5 (a transport's answer, a classified
-- body, a refusal), completed as it travels; it becomes the public error
-- object (core.error's userdata) once, where a call ends. What a custom
-- transport returns or raises instead of an answer, whatever its type,
-- comes in through errors.transport.
local core = require("signals.core")
local validate = require("signals.validate")

local type, tostring, pairs = type, tostring, pairs
local gsub = string.gsub

local errors = {}

local TRANSPORT_KINDS = { network = true, timeout = true, invalid_request = true }

--- A text as one line (a message may quote what a server sent).
function errors.one_line(s)
  return (gsub(s, "[\r\n]+", " "))
end

--- The error object of a call refused before anything was sent: its
-- message, the problems (`{ field =, message = }`, may be nil) and the
-- operation when there is one (its method and path are shown).
function errors.invalid(message, fields, op)
  return core.error{ kind = "invalid_request", message = message, fields = fields,
                     method = op and op.method, path = op and op.path }
end

--- errors.invalid for the problems validate.lua found, named in the message.
function errors.refused(problems, op)
  return errors.invalid(validate.message(problems), problems, op)
end

--- A copy of the error object `err` with `fields` set over its own.
function errors.with(err, fields)
  local t = err:totable()
  for name, value in pairs(fields) do t[name] = value end
  return core.error(t)
end

--- What a transport gave instead of an answer (its error table, or for a
-- custom transport anything it returned or raised) as an error table of
-- kind network, timeout or invalid_request, `connected` kept for the
-- retry policy.
function errors.transport(problem)
  if type(problem) == "table" then
    local kind = TRANSPORT_KINDS[problem.kind] and problem.kind or "network"
    local message = type(problem.message) == "string" and problem.message ~= "" and problem.message
      or kind .. " error"
    return { kind = kind, message = errors.one_line(message), code = problem.code, connected = problem.connected }
  end
  local message = problem ~= nil and tostring(problem) or ""
  return { kind = "network", message = message ~= "" and errors.one_line(message) or "the transport failed" }
end

return errors

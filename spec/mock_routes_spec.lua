-- signals-mock serves every operation of lua/signals/operations.lua, so that
-- an operation added there without its route (or with a route that still
-- answers 501) fails here rather than in a user's offline run. Each
-- operation is asked once, with placeholder ids and an empty body: whatever
-- its handler answers (a 400 for the empty body, a 404 for the unknown id)
-- shows that a handler exists.
local helper = require("helper")
local operations = require("signals.operations")

local UUID = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"

local function path_of(op)
  return (op.path:gsub("{([^}]+)}", function(name) return name == "signalId" and UUID or "x1" end))
end

local function has_body(op)
  for _, field in ipairs(op.fields) do
    if field.location == "body" then return true end
  end
  return false
end

-- Why the mock did not answer the request with a handler, or nil.
local function unserved(status, body)
  local message = type(body) == "table" and type(body.error) == "table" and body.error.message
  if status == 404 and type(message) == "string" and message:find("^no route ") then
    return "no route"
  end
  if status == 501 then return "answered 501 (not emulated)" end
  return nil
end

describe("signals-mock's routes", function()
  local mock

  before_each(function()
    mock = helper.mock()
    mock:reset()
  end)

  it("tell a request for no operation from one for an unknown id", function()
    assert.are.equal("no route", unserved(mock:api("DELETE", "/v1/credits")))
    assert.is_nil(unserved(mock:api("GET", "/v1/companies/signals/" .. UUID)))
  end)

  it("serve every operation of operations.lua with a handler", function()
    local problems = {}
    for _, op in ipairs(operations) do
      local status, body = mock:api(op.method, path_of(op), has_body(op) and {} or nil)
      local why = unserved(status, body)
      if why then problems[#problems + 1] = op.name .. " (" .. op.method .. " " .. op.path .. "): " .. why end
    end
    assert.are.same({}, problems)
  end)
end)

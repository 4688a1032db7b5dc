-- signals-mock's route table against the client's operations: every
-- operation of lua/signals/operations.lua has a route in the mock and every
-- API route of the mock is an operation, so that an operation added on one
-- side only fails here rather than in a user's offline run. GET
-- /_mock/routes lists the table; path parameters compare by position
-- ({id} and {researchId} are the same route).
local helper = require("helper")
local operations = require("signals.operations")

local function key(method, path)
  return method .. " " .. path:gsub("{[^}]*}", "{}")
end

describe("signals-mock: routes", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  local function mock_routes()
    local status, routes = mock:control("GET", "/_mock/routes")
    assert.are.equal(200, status)
    local set, n = {}, 0
    for _, r in ipairs(routes) do
      local k = key(r.method, r.path)
      assert.is_nil(set[k], "listed twice: " .. k)
      set[k], n = true, n + 1
    end
    return set, n
  end

  local function operation_routes()
    local set, n = {}, 0
    for _, op in ipairs(operations) do
      set[key(op.method, op.path)], n = true, n + 1
    end
    return set, n
  end

  it("has a route for every operation of operations.lua and no other API route", function()
    local routes, n_routes = mock_routes()
    local ops, n_ops = operation_routes()
    for k in pairs(ops) do assert.is_true(routes[k], "no mock route for " .. k) end
    for k in pairs(routes) do assert.is_true(ops[k], "the mock has a route no operation has: " .. k) end
    assert.are.equal(81, n_ops)
    assert.are.equal(81, n_routes)
  end)

  it("lists only /v1 routes, each answered by a handler (no 501, no 404 from the router)", function()
    local status, routes = mock:control("GET", "/_mock/routes")
    assert.are.equal(200, status)
    for _, r in ipairs(routes) do
      assert.truthy(r.path:match("^/v1/"), r.path)
      local path = r.path:gsub("{[^}]*}", "x")
      local st, body = mock:api(r.method, path)
      assert.is_true(st ~= 501 and st ~= 405, r.method .. " " .. path .. ": " .. tostring(st))
      if st == 404 then
        assert.is_nil(body.error.message:find("^no route"), r.method .. " " .. path)
      end
    end
  end)
end)

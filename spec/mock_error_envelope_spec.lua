-- signals-mock: every API route answers its errors in the API's envelope
-- {"error":{type,code,message,requestId,...}} (API-NOTES §12.1) — the
-- find-email 422 included. Other shapes (FastAPI's `detail`, `ok:false`)
-- exist only as injected faults. Each route of GET /_mock/routes is sent a
-- request it must refuse: an unknown id, a body that is not an object, a
-- limit of 0, and no key at all.
local helper = require("helper")
local http = require("socket.http")
local ltn12 = require("ltn12")

describe("signals-mock: error envelope", function()
  local mock

  before_each(function()
    mock = helper.api()
  end)

  local function raw(method, path, body, key)
    local chunks = {}
    local _, status = http.request{ url = mock.url .. path, method = method,
      headers = { authorization = key and ("Bearer " .. key) or nil, ["content-type"] = "application/json",
                  ["content-length"] = body and tostring(#body) or nil },
      source = body and ltn12.source.string(body) or nil, sink = ltn12.sink.table(chunks) }
    return status, table.concat(chunks)
  end

  local function assert_envelope(what, status, text)
    local body = helper.json.decode(text, 1, helper.json.null)
    assert.is_table(body, what .. ": not JSON: " .. text)
    assert.is_table(body.error, what .. ": " .. text)
    for _, member in ipairs{ "type", "code", "message", "requestId" } do
      assert.is_string(body.error[member], what .. " lacks error." .. member .. ": " .. text)
    end
    assert.is_nil(body.detail, what)
    assert.is_nil(body.ok, what)
    assert.truthy(body.error.requestId:match("^%x+%-%x+%-%x+%-%x+%-%x+$"), what)
    return status
  end

  it("answers every route's errors in the envelope", function()
    local _, routes = mock:control("GET", "/_mock/routes")
    local refused = 0
    for _, r in ipairs(routes) do
      local has_params = r.path:find("{", 1, true) ~= nil
      local path = r.path:gsub("{[^}]*}", "no-such-id")
      local what = r.method .. " " .. path
      assert.are.equal(401, assert_envelope(what .. " without a key", raw(r.method, path, nil, nil)))
      local status, text
      if r.method == "GET" then
        status, text = raw("GET", path .. "?limit=0", nil, helper.API_KEY)
      else
        status, text = raw(r.method, path, "[1]", helper.API_KEY)
      end
      if status >= 400 then
        assert_envelope(what, status, text)
        refused = refused + 1
      else
        -- only reads of one fixed thing have nothing to refuse
        assert.is_false(has_params, what .. " answered " .. status)
        assert.are.equal("GET", r.method, what .. " answered " .. status)
      end
    end
    assert.is_true(refused >= 75, "routes that refused: " .. refused)
  end)

  it("answers find-email's 422 in the envelope, naming full_name and domain", function()
    local status, text = raw("POST", "/v1/contacts/find-email",
      '{"full_name":"Madonna","domain":"https://acme.com/"}', helper.API_KEY)
    assert.are.equal(422, assert_envelope("find-email", status, text))
    local err = helper.json.decode(text).error
    assert.are.equal("VALIDATION", err.type)
    assert.are.equal("full_name", err.fields[1].field)
    assert.are.equal("domain", err.fields[2].field)
  end)

  it("keeps the foreign shapes as faults only", function()
    mock:fault{ path = "/v1/contacts/find-email", fault = "status", status = 422,
                body = { detail = { { loc = { "body", "full_name" }, msg = "Field required", type = "missing" } } } }
    local status, text = raw("POST", "/v1/contacts/find-email", "{}", helper.API_KEY)
    assert.are.equal(422, status)
    assert.are.equal("missing", helper.json.decode(text).detail[1].type)
    mock:fault{ path = "/v1/credits", fault = "status", status = 500, body = { ok = false, error = "boom" } }
    status, text = raw("GET", "/v1/credits", nil, helper.API_KEY)
    assert.are.equal(500, status)
    assert.is_false(helper.json.decode(text).ok)
  end)
end)

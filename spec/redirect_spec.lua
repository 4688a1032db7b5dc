-- Redirects: at most 5 same-origin redirects are followed (303 and a
-- 301/302 of a non-GET turn into a GET, 307/308 repeat the request); a
-- redirect to another origin (scheme, host or port) is not followed, so the
-- key never travels there.
local helper = require("helper")
local signals = require("signals")

local SIGNAL = { domain = "acme.com", question = "Are they hiring engineers?" }

local function redirect(mock, method, path, status, location, times)
  mock:fault{ method = method, path = path, fault = "status", status = status,
              headers = { Location = location }, times = times or 1 }
end

describe("redirects", function()
  local mock

  before_each(function()
    mock = helper.mock()
  end)

  describe("to the same origin", function()
    it("follows a relative 302 on a GET, with the key", function()
      redirect(mock, "GET", "/v1/credits", 302, "/v1/credits")
      local client = helper.client(mock)
      local credits, err = client:get_credits()
      assert.is_nil(err, err and tostring(err))
      assert.is_number(credits.remainingCredits)
      local log = mock:requests()
      assert.are.equal(2, #log)
      assert.are.equal("Bearer " .. helper.API_KEY, log[2].headers["authorization"])
    end)

    it("follows an absolute URL on the same scheme, host and port", function()
      redirect(mock, "GET", "/v1/credits", 301, mock.url .. "/v1/credits")
      local client = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal(2, #mock:requests())
    end)

    it("turns a 303 after a POST into a GET without body", function()
      redirect(mock, "POST", "/v1/companies/signals", 303, "/v1/credits")
      local client = helper.client(mock)
      local result, err = client:create_signal(SIGNAL)
      assert.is_nil(err, err and tostring(err))
      assert.is_not_nil(result)
      local second = mock:requests()[2]
      assert.are.equal("GET", second.method)
      assert.are.equal("/v1/credits", second.path)
      assert.is_true(second.body == nil or second.body == "")
      assert.is_nil(second.headers["content-type"])
    end)

    it("turns a 302 after a POST into a GET", function()
      redirect(mock, "POST", "/v1/companies/signals", 302, "/v1/credits")
      local client = helper.client(mock)
      assert(client:create_signal(SIGNAL))
      assert.are.equal("GET", mock:requests()[2].method)
    end)

    for _, status in ipairs({ 307, 308 }) do
      it("repeats the method and body on a " .. status, function()
        redirect(mock, "POST", "/v1/companies/signals", status, "/v1/companies/signals")
        local client = helper.client(mock)
        local sig, err = client:create_signal(SIGNAL)
        assert.is_nil(err, err and tostring(err))
        assert.are.equal("signal", signals.kind(sig))
        local log = mock:requests()
        assert.are.equal(2, #log)
        assert.are.equal("POST", log[2].method)
        assert.are.same(helper.body_of(log[1]), helper.body_of(log[2]))
      end)
    end

    it("follows five redirects and refuses the sixth", function()
      redirect(mock, "GET", "/v1/credits", 302, "/v1/credits", 5)
      local client = helper.client(mock)
      assert(client:get_credits())
      assert.are.equal(6, #mock:requests())

      mock:reset()
      redirect(mock, "GET", "/v1/credits", 302, "/v1/credits", 6)
      local result, err = client:get_credits()
      assert.is_nil(result)
      assert.are.equal("http", err.kind)
      assert.are.equal(302, err.status)
      assert.is_true(#err.message > 0)
      assert.are.equal(6, #mock:requests())
    end)
  end)

  describe("to another origin", function()
    it("is not followed, and the other server never sees the key", function()
      helper.with_mock(nil, function(other)
        redirect(mock, "GET", "/v1/credits", 302, other.url .. "/v1/credits")
        local client = helper.client(mock)
        local result, err = client:get_credits()
        assert.is_nil(result)
        assert.are.equal("error", signals.kind(err))
        assert.are.equal("http", err.kind)
        assert.are.equal(302, err.status)
        assert.are.equal("REDIRECT_NOT_FOLLOWED", err.code)
        assert.is_false(err.retryable)
        assert.truthy(err.message:find("127.0.0.1", 1, true), err.message)
        assert.are.equal("GET", err.method)
        assert.are.equal("/v1/credits", err.path)
        assert.are.same({}, other:requests())
        assert.are.equal(1, #mock:requests())
      end)
    end)

    it("counts another host name on the same port as another origin", function()
      local location = mock.url:gsub("127%.0%.0%.1", "localhost") .. "/v1/credits"
      redirect(mock, "GET", "/v1/credits", 307, location)
      local client = helper.client(mock)
      local _, err = client:get_credits()
      assert.are.equal("REDIRECT_NOT_FOLLOWED", err.code)
      assert.truthy(err.message:find("localhost", 1, true), err.message)
      assert.are.equal(1, #mock:requests())
    end)

    it("counts another scheme as another origin", function()
      redirect(mock, "GET", "/v1/credits", 301, mock.url:gsub("^http:", "https:") .. "/v1/credits")
      local client = helper.client(mock)
      local _, err = client:get_credits()
      assert.are.equal("REDIRECT_NOT_FOLLOWED", err.code)
      assert.are.equal(1, #mock:requests())
    end)

    it("counts a scheme-relative URL to another host as another origin", function()
      redirect(mock, "GET", "/v1/credits", 302, "//evil.example/v1/credits")
      local client = helper.client(mock)
      local _, err = client:get_credits()
      assert.are.equal("REDIRECT_NOT_FOLLOWED", err.code)
      assert.truthy(err.message:find("evil.example", 1, true), err.message)
    end)

    it("is refused for a POST too, without sending the body elsewhere", function()
      helper.with_mock(nil, function(other)
        redirect(mock, "POST", "/v1/companies/signals", 307, other.url .. "/v1/companies/signals")
        local client = helper.client(mock)
        local _, err = client:create_signal(SIGNAL)
        assert.are.equal("REDIRECT_NOT_FOLLOWED", err.code)
        assert.are.same({}, other:requests())
      end)
    end)

    it("is told to the hooks without the key", function()
      helper.with_mock(nil, function(other)
        redirect(mock, "GET", "/v1/credits", 302, other.url .. "/v1/credits")
        local urls = {}
        local client = helper.client(mock, { on_request = function(p) urls[#urls + 1] = p.url end })
        client:get_credits()
        assert.are.same({ mock.url .. "/v1/credits" }, urls)
      end)
    end)
  end)
end)

-- core.http: the libcurl handle, over real HTTP against signals-mock (and,
-- for what the mock cannot send, a one-shot raw server in a child process).
local helper = require("helper")
local core = require("signals.core")
local socket = require("socket")

local AUTH = "Bearer " .. helper.API_KEY

local function get(h, url, extra)
  local req = { method = "GET", url = url, headers = { Authorization = AUTH }, timeout = 10 }
  for k, v in pairs(extra or {}) do req[k] = v end
  return h:request(req)
end

local function failure(kind, code, res, err)
  assert.is_nil(res)
  assert.is_table(err)
  assert.equals(kind, err.kind, err.message)
  if code then assert.equals(code, err.code, err.message) end
  assert.is_string(err.message)
  assert.is_true(#err.message > 0)
  assert.is_boolean(err.connected)
  assert.is_nil(err.message:find(helper.API_KEY, 1, true))
  return err
end

-- helper.raw_server's one-shot server, as a URL to request.
local function raw_server(response)
  return helper.raw_server(response) .. "/"
end

describe("core.http", function()
  local mock, h, credits

  before_each(function()
    mock = helper.mock()
    credits = mock.url .. "/v1/credits"
    h = core.http()
  end)

  after_each(function()
    h:close()
  end)

  -- The handle answers normally after whatever went wrong before.
  local function still_works()
    local res = assert(get(h, credits))
    assert.equals(200, res.status)
  end

  describe("responses", function()
    it("returns status, body and lower-cased headers", function()
      local res, err = get(h, credits)
      assert.is_nil(err)
      assert.equals(200, res.status)
      assert.is_table(helper.json.decode(res.body))
      assert.matches("application/json", res.headers["content-type"])
      for name in pairs(res.headers) do
        assert.equals(name:lower(), name)
      end
    end)

    it("returns non-2xx responses as responses", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 503, body = '{"error":{"code":"X"}}',
                  headers = { ["X-Custom-Thing"] = "  padded value  ", ["Retry-After"] = "7" } }
      local res = assert(get(h, credits))
      assert.equals(503, res.status)
      assert.equals('{"error":{"code":"X"}}', res.body)
      assert.equals("padded value", res.headers["x-custom-thing"])
      assert.equals("7", res.headers["retry-after"])
    end)

    it("does not follow redirects", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 302, body = "",
                  headers = { Location = mock.url .. "/v1/elsewhere" } }
      local res = assert(get(h, credits))
      assert.equals(302, res.status)
      assert.equals(mock.url .. "/v1/elsewhere", res.headers.location)
      assert.equals(1, #mock:requests())
    end)

    it("joins repeated headers and keeps only the final response's", function()
      local url = raw_server("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nX-Early: 1\r\n\r\n" ..
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Dup: one\r\nx-dup:  two \r\nContent-Length: 2\r\n" ..
        "Connection: close\r\n\r\nok")
      local res = assert(h:request{ method = "GET", url = url, timeout = 10 })
      assert.equals(200, res.status)
      assert.equals("ok", res.body)
      assert.equals("one, two", res.headers["x-dup"])
      assert.equals("a=1", res.headers["set-cookie"])
      assert.is_nil(res.headers["x-early"])
      assert.is_nil(res.headers.link)
    end)

    it("returns an empty body as an empty string", function()
      mock:fault{ path = "/v1/credits", fault = "status", status = 204, body = "" }
      local res = assert(get(h, credits))
      assert.equals(204, res.status)
      assert.equals("", res.body)
    end)
  end)

  describe("requests", function()
    it("sends the method, headers and body", function()
      for _, method in ipairs({ "POST", "PUT", "PATCH", "DELETE" }) do
        mock:reset()
        mock:fault{ path = "/v1/echo", fault = "status", status = 200, body = "{}" }
        local body = '{"method":"' .. method .. '","text":"héllo"}'
        local res = assert(h:request{ method = method, url = mock.url .. "/v1/echo?x=1", body = body,
                                      headers = { Authorization = AUTH, ["Content-Type"] = "application/json",
                                                  ["X-Number"] = 42, ["X-Empty"] = "" } })
        assert.equals(200, res.status)
        local logged = mock:last_request()
        assert.equals(method, logged.method)
        assert.equals("/v1/echo", logged.path)
        assert.equals("x=1", logged.query)
        assert.equals(body, logged.body)
        assert.equals("application/json", logged.headers["content-type"])
        assert.equals(tostring(#body), logged.headers["content-length"])
        assert.equals("42", logged.headers["x-number"])
        assert.equals("", logged.headers["x-empty"])
        assert.equals(AUTH, logged.headers.authorization)
        assert.is_nil(logged.headers.expect)
      end
    end)

    it("sends Content-Length: 0 and no form type for bodyless POST, PUT, PATCH and DELETE", function()
      for _, method in ipairs({ "POST", "PUT", "PATCH", "DELETE" }) do
        mock:reset()
        mock:fault{ path = "/v1/echo", fault = "status", status = 200, body = "{}" }
        assert(h:request{ method = method, url = mock.url .. "/v1/echo" })
        local logged = mock:last_request()
        assert.equals(method, logged.method)
        assert.equals("0", logged.headers["content-length"])
        assert.is_nil(logged.headers["content-type"])
      end
    end)

    it("sends a large body without waiting for 100-continue", function()
      mock:fault{ path = "/v1/echo", fault = "status", status = 200, body = "{}" }
      -- libcurl would ask for 100-continue above 1 MiB and wait 1 s for it
      local body = '{"pad":"' .. string.rep("x", 2 * 1024 * 1024) .. '"}'
      local t0 = socket.gettime()
      assert(h:request{ method = "POST", url = mock.url .. "/v1/echo", body = body,
                        headers = { ["Content-Type"] = "application/json" } })
      assert.is_true(socket.gettime() - t0 < 0.9)
      assert.equals(body, mock:last_request().body)
      assert.is_nil(mock:last_request().headers.expect)
    end)

    it("sends the user agent given, and none of its own", function()
      assert(get(h, credits))
      assert.is_nil(mock:last_request().headers["user-agent"])
      local other = core.http{ user_agent = "my-tool/1.0" }
      assert(get(other, credits))
      assert.equals("my-tool/1.0", mock:last_request().headers["user-agent"])
      other:close()
    end)

    it("the curl transport made directly sends the library's user agent", function()
      local curl = require("signals.transports.curl")
      local version = core.VERSION:gsub("%.", "%%.")
      for _, t in ipairs { curl.new(), curl.new{ max_response_bytes = 1000000 } } do
        assert(t.request{ method = "GET", url = credits, headers = { Authorization = AUTH } })
        assert.matches("^signals%-lua/" .. version .. " %(Lua 5%.%d%)$", mock:last_request().headers["user-agent"])
        t.close()
      end
      local given = curl.new{ user_agent = "my-tool/2.0" }
      assert(given.request{ method = "GET", url = credits, headers = { Authorization = AUTH } })
      assert.equals("my-tool/2.0", mock:last_request().headers["user-agent"])
      given.close()
    end)

    it("keeps the connection alive across requests", function()
      assert(get(h, credits))
      assert(get(h, credits))
      assert(h:request{ method = "POST", url = mock.url .. "/v1/nowhere", body = "{}" })
      local log = mock:requests()
      assert.equals(3, #log)
      assert.equals(log[1].remote_port, log[2].remote_port)
      assert.equals(log[1].remote_port, log[3].remote_port)
    end)

    it("refuses CR, LF or NUL in a header without sending anything", function()
      local bad = {
        { ["X-Evil"] = "a\r\nInjected: yes" },
        { ["X-Evil"] = "a\nb" },
        { ["X-Evil"] = "a\0b" },
        { ["X-Evil\r\nInjected"] = "yes" },
        { ["X\0"] = "yes" },
        { ["X: Y"] = "z" },
        { [""] = "z" },
        { Authorization = "Bearer " .. helper.API_KEY .. "\r\nX: y" },
      }
      for _, headers in ipairs(bad) do
        local err = failure("invalid_request", nil, h:request{ method = "GET", url = credits, headers = headers })
        assert.is_false(err.connected)
      end
      assert.equals(0, #mock:requests())
      still_works()
    end)

    it("refuses malformed requests", function()
      failure("invalid_request", nil, h:request{ method = "HEAD", url = credits })
      failure("invalid_request", nil, h:request{ method = "get", url = credits })
      failure("invalid_request", nil, h:request{ url = credits })
      failure("invalid_request", nil, h:request{ method = "GET" })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits .. "\r\nX: y" })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits .. " x" })
      failure("invalid_request", nil, h:request{ method = "POST", url = credits, body = {} })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, headers = "x" })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, headers = { "positional" } })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, headers = { X = {} } })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, timeout = -1 })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, connect_timeout = "1" })
      failure("invalid_request", nil, h:request{ method = "GET", url = credits, timeout = 0 / 0 })
      assert.equals(0, #mock:requests())
      assert.has_error(function() h:request("GET") end)
      still_works()
    end)

    it("speaks only http and https", function()
      local err = failure("invalid_request", "UNSUPPORTED_PROTOCOL", h:request{ method = "GET", url = "file:///etc/passwd" })
      assert.is_false(err.connected)
      failure("invalid_request", "UNSUPPORTED_PROTOCOL", h:request{ method = "GET", url = "ftp://127.0.0.1/" })
      failure("invalid_request", "URL_MALFORMAT", h:request{ method = "GET", url = "http://[::1" })
      still_works()
    end)
  end)

  describe("failures", function()
    it("reports a refused connection as network COULDNT_CONNECT, not connected", function()
      local err = failure("network", "COULDNT_CONNECT", get(h, "http://127.0.0.1:" .. helper.dead_port() .. "/v1/credits"))
      assert.is_false(err.connected)
      still_works()
    end)

    it("reports a connect timeout, not connected", function()
      local port, release = helper.unresponsive_port()
      local t0 = socket.gettime()
      local err = failure("timeout", "OPERATION_TIMEDOUT", h:request{
        method = "GET", url = "http://127.0.0.1:" .. port .. "/", connect_timeout = 0.3, timeout = 5 })
      local elapsed = socket.gettime() - t0
      release()
      assert.is_false(err.connected)
      assert.matches("connect timeout", err.message)
      assert.matches("0%.3 s", err.message)
      assert.is_true(elapsed >= 0.25 and elapsed < 3, tostring(elapsed))
      still_works()
    end)

    it("reports a total timeout, connected", function()
      mock:fault{ path = "/v1/credits", fault = "stall", seconds = 1 }
      local t0 = socket.gettime()
      local err = failure("timeout", "OPERATION_TIMEDOUT", get(h, credits, { timeout = 0.3, connect_timeout = 0.2 }))
      local elapsed = socket.gettime() - t0
      assert.is_true(err.connected)
      assert.matches("total timeout", err.message)
      assert.matches("0%.3 s", err.message)
      assert.is_true(elapsed >= 0.25 and elapsed < 0.95, tostring(elapsed))
      helper.sleep(0.8) -- let the stalled answer go
      still_works()
    end)

    it("reports a stall in the middle of the body as a timeout", function()
      mock:fault{ path = "/v1/credits", fault = "stall_body", seconds = 1 }
      local err = failure("timeout", nil, get(h, credits, { timeout = 0.3 }))
      assert.is_true(err.connected)
      helper.sleep(0.8)
      still_works()
    end)

    it("reports a truncated body as network, connected", function()
      mock:fault{ path = "/v1/credits", fault = "truncate" }
      local err = failure("network", "PARTIAL_FILE", get(h, credits))
      assert.is_true(err.connected)
      still_works()
    end)

    it("reports a reset before the answer as network, connected", function()
      mock:fault{ path = "/v1/credits", fault = "reset" }
      local err = failure("network", nil, get(h, credits))
      assert.is_true(err.connected)
      assert.is_true(err.code == "RECV_ERROR" or err.code == "GOT_NOTHING" or err.code == "SEND_ERROR", err.code)
      still_works()
    end)

    it("reports a reset in the middle of the body as network", function()
      mock:fault{ path = "/v1/credits", fault = "reset_body" }
      local err = failure("network", nil, get(h, credits))
      assert.is_true(err.connected)
      still_works()
    end)

    it("refuses a body over max_response_bytes", function()
      local small = core.http{ max_response_bytes = 1000 }
      mock:fault{ path = "/v1/credits", fault = "big", bytes = 1000 }
      local res = assert(get(small, credits))
      assert.equals(1000, #res.body)
      mock:fault{ path = "/v1/credits", fault = "big", bytes = 1001 }
      local err = failure("network", "RESPONSE_TOO_LARGE", get(small, credits))
      assert.matches("1000", err.message)
      assert.is_true(err.connected)
      assert.equals(200, assert(get(small, credits)).status)
      small:close()
    end)

    it("refuses a body over the default 32 MiB", function()
      mock:fault{ path = "/v1/credits", fault = "big", bytes = 32 * 1024 * 1024 + 1 }
      local err = failure("network", "RESPONSE_TOO_LARGE", get(h, credits))
      assert.matches("33554432", err.message)
      still_works()
    end)

    it("refuses a chunked body over the limit while reading it", function()
      local small = core.http{ max_response_bytes = 100 }
      local url = raw_server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" ..
                             "c8\r\n" .. string.rep("x", 200) .. "\r\n0\r\n\r\n")
      failure("network", "RESPONSE_TOO_LARGE", small:request{ method = "GET", url = url, timeout = 10 })
      small:close()
    end)

    it("reports a failed TLS handshake as network, not connected", function()
      local err = failure("network", "SSL_CONNECT_ERROR",
                          get(h, "https://127.0.0.1:" .. mock.port .. "/v1/credits", { timeout = 5 }))
      assert.is_false(err.connected)
      still_works()
    end)

    it("reports a missing CA file", function()
      local other = core.http{ ca_file = "/nonexistent/ca.pem" }
      local err = failure("network", "SSL_CACERT_BADFILE",
                          get(other, "https://127.0.0.1:" .. mock.port .. "/v1/credits", { timeout = 5 }))
      assert.is_false(err.connected)
      other:close()
    end)

    it("goes through the proxy it is given", function()
      local other = core.http{ proxy = "http://127.0.0.1:" .. helper.dead_port() }
      local err = failure("network", "COULDNT_CONNECT", get(other, credits))
      assert.is_false(err.connected)
      other:close()
    end)
  end)

  describe("the handle", function()
    it("closes idempotently and then answers with an error", function()
      h:close()
      h:close()
      local err = failure("invalid_request", nil, get(h, credits))
      assert.equals("client is closed", err.message)
      assert.is_false(err.connected)
      assert.matches("closed", tostring(h))
    end)

    it("is closed by the collector", function()
      local weak = setmetatable({ core.http() }, { __mode = "v" })
      assert(get(weak[1], credits))
      collectgarbage()
      collectgarbage()
      assert.is_nil(weak[1])
    end)

    it("checks its options", function()
      assert.has_error(function() core.http{ max_response_bytes = 0 } end)
      assert.has_error(function() core.http{ max_response_bytes = 1.5 } end)
      assert.has_error(function() core.http{ proxy = 1 } end)
      assert.has_error(function() core.http("x") end)
      core.http{ ca_path = "/etc/ssl/certs", ca_file = "/etc/ssl/certs/ca-certificates.crt" }:close()
    end)

    it("survives many requests with errors in between", function()
      for i = 1, 30 do
        if i % 3 == 0 then
          mock:fault{ path = "/v1/credits", fault = "truncate" }
          failure("network", nil, get(h, credits))
        elseif i % 3 == 1 then
          failure("invalid_request", nil, h:request{ method = "GET", url = credits, headers = { X = "\n" } })
        end
        still_works()
      end
    end)
  end)
end)

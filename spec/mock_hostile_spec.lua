-- signals-mock as a hostile server: the echo_key fault (the API key sent
-- back in a body, a non-JSON body or a header; raw, base64,
-- percent-encoded or cut), a POST read whole and then reset on a
-- kept-alive connection, a page repeated 100 000 times, and a raw body whose
-- numbers JSON could not re-encode (a total of 1e400).
local helper = require("helper")
local socket = require("socket")
local http = require("socket.http")
local ltn12 = require("ltn12")
local mime = require("mime")

describe("signals-mock: hostile server", function()
  local mock
  local KEY = helper.API_KEY

  before_each(function()
    mock = helper.mock()
  end)

  -- A raw request with the specs' key: status, headers (lower-case), body text.
  local function request(method, path, body)
    local chunks = {}
    local _, status, headers = http.request{ url = mock.url .. path, method = method,
      headers = { authorization = "Bearer " .. KEY, ["content-length"] = body and tostring(#body) or nil },
      source = body and ltn12.source.string(body) or nil, sink = ltn12.sink.table(chunks) }
    return status, headers, table.concat(chunks)
  end

  describe("echo_key", function()
    it("echoes the key in a JSON error body: message, requestId and details (500 by default)", function()
      mock:fault{ path = "/v1/credits", fault = "echo_key" }
      local status, headers, text = request("GET", "/v1/credits")
      assert.are.equal(500, status)
      assert.are.equal("application/json", headers["content-type"])
      local err = helper.json.decode(text).error
      assert.are.equal(KEY .. " is not a valid API key", err.message)
      assert.are.equal(KEY, err.requestId)
      assert.are.equal("Bearer " .. KEY, err.details.authorization)
    end)

    it("puts the key after `pad` characters, so that a cut falls inside it", function()
      mock:fault{ path = "/v1/credits", fault = "echo_key", status = 400, pad = 1990 }
      local status, _, text = request("GET", "/v1/credits")
      assert.are.equal(400, status)
      local message = helper.json.decode(text).error.message
      assert.are.equal(string.rep("x", 1990) .. KEY, message:sub(1, 1990 + #KEY))
    end)

    it("echoes it in a non-JSON body", function()
      mock:fault{ path = "/v1/credits", fault = "echo_key", where = "html", pad = 100, status = 502 }
      local status, headers, text = request("GET", "/v1/credits")
      assert.are.equal(502, status)
      assert.are.equal("text/html", headers["content-type"])
      assert.are.equal(string.rep("x", 100) .. KEY .. " is not a valid API key\n", text)
    end)

    it("echoes it in a header of the normal answer, or of an error with a status", function()
      mock:fault{ path = "/v1/credits", fault = "echo_key", where = "header" }
      local status, headers, text = request("GET", "/v1/credits")
      assert.are.equal(200, status)
      assert.are.equal(KEY, headers["x-echoed-authorization"])
      assert.are.equal(10000, helper.json.decode(text).remainingCredits)
      mock:fault{ path = "/v1/credits", fault = "echo_key", where = "header", header = "WWW-Authenticate",
                  status = 401, encoding = "base64" }
      status, headers, text = request("GET", "/v1/credits")
      assert.are.equal(401, status)
      assert.are.equal((mime.b64(KEY)), headers["www-authenticate"])
      assert.is_nil(text:find(KEY, 1, true))
    end)

    it("encodes it in base64, percent-encodes every byte, or cuts it to its first characters", function()
      local function echoed(fault)
        fault.path, fault.fault = "/v1/credits", "echo_key"
        mock:fault(fault)
        local _, _, text = request("GET", "/v1/credits")
        return helper.json.decode(text).error.requestId
      end
      assert.are.equal((mime.b64(KEY)), echoed{ encoding = "base64" })
      local percent = KEY:gsub(".", function(ch) return string.format("%%%02X", ch:byte()) end)
      assert.are.equal(percent, echoed{ encoding = "percent" })
      assert.are.equal(KEY:sub(1, 16), echoed{ encoding = "prefix" })
      assert.are.equal(KEY:sub(1, 14), echoed{ encoding = "prefix", chars = 14 })
      assert.are.equal(KEY:sub(1, 19), echoed{ encoding = "prefix", chars = 19 })
    end)

    it("refuses a where or an encoding it does not know", function()
      local status, body = mock:control("POST", "/_mock/faults",
        { path = "/v1/credits", fault = "echo_key", encoding = "rot13" })
      assert.are.equal(400, status)
      assert.truthy(body.error.message:find("encoding", 1, true))
      status = mock:control("POST", "/_mock/faults", { path = "/v1/credits", fault = "echo_key", where = "footer" })
      assert.are.equal(400, status)
    end)
  end)

  describe("reset", function()
    it("reads a POST whole on a kept-alive connection, then resets it", function()
      mock:fault{ method = "POST", path = "/v1/companies/signals", fault = "reset" }
      local conn = assert(socket.connect("127.0.0.1", mock.port))
      conn:settimeout(5)
      local auth = "Authorization: Bearer " .. KEY .. "\r\n"
      assert(conn:send("GET /v1/credits HTTP/1.1\r\nHost: x\r\n" .. auth .. "\r\n"))
      local status_line = conn:receive("*l")
      assert.are.equal("HTTP/1.1 200 OK", status_line)
      local length
      repeat
        local line = conn:receive("*l")
        length = length or tonumber(line:lower():match("^content%-length:%s*(%d+)"))
      until line == ""
      assert(conn:receive(length))
      -- the second request on the same connection: a body of 300 000 bytes
      local head, tail = '{"domain":"acme.com","question":"', '"}'
      local body = head .. string.rep("q", 300000 - #head - #tail) .. tail
      assert.are.equal(300000, #body)
      assert(conn:send("POST /v1/companies/signals HTTP/1.1\r\nHost: x\r\n" .. auth ..
        "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body))
      local answer, err = conn:receive("*l")
      conn:close()
      -- no byte of an answer; luasocket reports the RST as "closed" (that
      -- it is a reset and not a FIN is the fault matrix's business)
      assert.is_nil(answer)
      assert.truthy(err == "closed" or err:lower():find("reset", 1, true), err)
      local log = mock:requests()
      assert.are.equal(2, #log)
      assert.are.equal(log[1].remote_port, log[2].remote_port)  -- one connection
      assert.are.equal(body, log[2].body)                       -- read whole
      assert.are.equal(0, log[2].status)                        -- never answered
    end)
  end)

  describe("repeating answers", function()
    it("serves a fault 100 000 times: the same page forever", function()
      local page = '{"results":[{"id":"a"}],"total":3,"limit":1,"offset":0,"count":1}'
      mock:fault{ method = "GET", path = "/v1/companies/signals", fault = "status", status = 200,
                  body = page, times = 100000 }
      for _ = 1, 5 do
        local status, _, text = request("GET", "/v1/companies/signals?offset=1")
        assert.are.equal(200, status)
        assert.are.equal(page, text)
      end
      -- still queued (99 995 uses left), ahead of a second one
      local status, body = mock:control("POST", "/_mock/faults", { path = "/v1/credits", fault = "reset" })
      assert.are.equal(201, status)
      assert.are.equal(2, body.queued)
    end)

    it("sends a string body as written, a total of 1e400 included", function()
      local page = '{"items":[{"id":"x"}],"total":1e400,"limit":1,"offset":0,"hasMore":true}'
      mock:fault{ path = "/v1/companies/signals/templates", fault = "status", status = 200, body = page }
      local _, headers, text = request("GET", "/v1/companies/signals/templates")
      assert.are.equal(page, text)
      assert.are.equal("application/json", headers["content-type"])
    end)
  end)
end)

-- TLS: certificate and host name verification are on by default, and a CA
-- the caller names (ca_file, ca_path) is what makes a private certificate
-- acceptable. The server is `openssl s_server -WWW` on a loopback port with
-- a self-signed certificate made for the run (openssl from Debian: the tls
-- group of scripts/deps). It serves files from a directory of its own, and
-- stops by itself (`timeout`) if the spec does not stop it first.
--
-- Plain http: the key would travel in clear text, so signals.new refuses
-- an http:// base URL to any host but loopback unless allow_insecure_http.
local helper = require("helper")
local signals = require("signals")

local function sh(command)
  local ok = os.execute(command)
  assert(ok == true or ok == 0, "failed: " .. command)
end

local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function read(path)
  return helper.read_file(path) or ""
end

-- A key and a self-signed certificate for `names` (subjectAltName entries).
local function certificate(dir, stem, names)
  sh(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
    .. "-keyout %s/%s.key -out %s/%s.pem -days 2 -subj /CN=signals-spec -addext subjectAltName=%s "
    .. ">/dev/null 2>&1", dir, stem, dir, stem, names))
  return dir .. "/" .. stem .. ".pem", dir .. "/" .. stem .. ".key"
end

-- s_server with that certificate on a free port, serving dir/www; returns
-- the server's base URL and its pid.
local function tls_server(dir, cert, key)
  local port = helper.dead_port()
  local log = string.format("%s/server-%d.log", dir, port)
  sh(string.format("cd %s/www; timeout 60 openssl s_server -accept 127.0.0.1:%d -cert %s -key %s -WWW "
    .. ">%s 2>&1 & echo $! >%s.pid", dir, port, cert, key, log, log))
  for _ = 1, 250 do
    if read(log):find("ACCEPT", 1, true) then
      return "https://127.0.0.1:" .. port, read(log .. ".pid"):match("%d+")
    end
    helper.sleep(0.02)
  end
  error("openssl s_server did not start: " .. read(log))
end

describe("TLS", function()
  local dir, cert, url, other_url, pids

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    sh("mkdir -p " .. dir .. "/www/v1 " .. dir .. "/cas")
    write(dir .. "/www/v1/credits", '{"remainingCredits":42}')
    local key
    cert, key = certificate(dir, "server", "DNS:localhost,IP:127.0.0.1")
    local other_cert, other_key = certificate(dir, "other", "DNS:other.example")
    sh(string.format("cp %s %s/cas/ && openssl rehash %s/cas", cert, dir, dir))
    local pid, other_pid
    url, pid = tls_server(dir, cert, key)
    other_url, other_pid = tls_server(dir, other_cert, other_key)
    pids = { pid, other_pid }
  end)

  teardown(function()
    for _, pid in ipairs(pids or {}) do os.execute("kill " .. pid .. " 2>/dev/null") end
    if dir then os.execute("rm -rf " .. dir) end
  end)

  local function client(opts)
    local options = { api_key = helper.API_KEY, base_url = url, max_retries = 0, timeout = 10,
                      sleep = function() end }
    for k, v in pairs(opts or {}) do options[k] = v end
    return signals.new(options)
  end

  it("refuses a self-signed certificate by default, with a network error naming the failure", function()
    local credits, err = client():get_credits()
    assert.is_nil(credits)
    assert.are.equal("network", err.kind)
    assert.is_nil(err.status)
    assert.are.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.matches("certificate", err.message)
    assert.matches("self%-signed", err.message)
    assert.matches("certificate", tostring(err))
  end)

  it("does not retry a certificate that does not verify: the next attempt would meet it again", function()
    local attempts = 0
    local credits, err = client{ max_retries = 2,
      on_request = function() attempts = attempts + 1 end }:get_credits()
    assert.is_nil(credits)
    assert.are.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.is_false(err.retryable)
    assert.are.equal(1, attempts)
  end)

  it("accepts it with ca_file", function()
    local credits, err = client{ ca_file = cert }:get_credits()
    assert.is_nil(err, err and tostring(err))
    assert.are.equal(42, credits.remainingCredits)
  end)

  it("accepts it with ca_path", function()
    local credits, err = client{ ca_path = dir .. "/cas" }:get_credits()
    assert.is_nil(err, err and tostring(err))
    assert.are.equal(42, credits.remainingCredits)
  end)

  it("still checks the host name of a trusted certificate", function()
    local other = dir .. "/other.pem"
    local credits, err = client{ base_url = other_url, ca_file = other }:get_credits()
    assert.is_nil(credits)
    assert.are.equal("network", err.kind)
    assert.are.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.matches("127%.0%.0%.1", err.message)
  end)

  it("does not trust a CA file for another server's certificate", function()
    local credits, err = client{ ca_file = dir .. "/other.pem" }:get_credits()
    assert.is_nil(credits)
    assert.are.equal("PEER_FAILED_VERIFICATION", err.code)
  end)
end)

describe("plain http", function()
  local function new(base_url, extra)
    local opts = { api_key = helper.API_KEY, base_url = base_url }
    for k, v in pairs(extra or {}) do opts[k] = v end
    return signals.new(opts)
  end

  it("is refused to a host other than loopback", function()
    for _, base_url in ipairs {
      "http://api.saber.app", "HTTP://api.saber.app/gw", "http://10.1.2.3:8080", "http://[2001:db8::1]",
      "http://127.0.0.1.example.com", "http://127.0.0.1@example.com", "http://a@b@127.0.0.1",
      "http://example.com\\@127.0.0.1", "http://127.0.0.256", "http://localhost.example.com",
    } do
      local ok, problem = pcall(new, base_url)
      assert.is_false(ok, base_url)
      assert.matches("allow_insecure_http", problem)
      assert.is_nil(problem:find(helper.API_KEY, 1, true))
    end
  end)

  it("is refused when it comes from $SABER_BASE_URL too", function()
    local script = os.tmpname()
    write(script, string.format([[
      package.path = %q
      package.cpath = %q
      local ok, problem = pcall(require("signals").new, { api_key = "k" })
      os.exit(not ok and problem:find("allow_insecure_http", 1, true) and 0 or 3)
    ]], package.path, package.cpath))
    local ok = os.execute(string.format("SABER_BASE_URL=http://api.saber.app %s %s",
      os.getenv("LUA") or "lua5.4", script))
    os.remove(script)
    assert.is_true(ok == true or ok == 0)
  end)

  it("is allowed to loopback without opting in", function()
    for _, base_url in ipairs {
      "http://127.0.0.1", "http://127.0.0.1:8080/gw", "http://127.9.8.7", "http://localhost:1234",
      "http://LOCALHOST", "http://[::1]:80", "http://user:pw@127.0.0.1:9",
    } do
      local ok, problem = pcall(new, base_url)
      assert(ok, base_url .. ": " .. tostring(problem))
    end
  end)

  it("is allowed anywhere with allow_insecure_http = true", function()
    local client = new("http://api.saber.app", { allow_insecure_http = true })
    assert.are.equal("signals client http://api.saber.app", tostring(client))
  end)

  it("takes allow_insecure_http only as a boolean", function()
    assert.has_error(function() new("http://api.saber.app", { allow_insecure_http = "yes" }) end)
    assert.has_error(function() new("http://api.saber.app", { allow_insecure_http = false }) end)
  end)

  it("reaches the mock on loopback, and https needs no opt-in", function()
    local mock = helper.mock()
    assert.are.equal("number", type(assert(new(mock.url):get_credits()).remainingCredits))
    new("https://api.saber.app")
  end)
end)

-- signals.url, the one URL parser behind the base URL's loopback check,
-- redirects and the nginx transport: what it reads, and what it refuses to
-- read (an authority that could be read two ways names nothing).
local url = require("signals.url")

describe("signals.url", function()
  it("splits an absolute URL, lower-casing the scheme", function()
    assert.are.same({ "https", "Api.Saber.app:443", "/v1/x?y=1#z" },
      { url.split("HTTPS://Api.Saber.app:443/v1/x?y=1#z") })
    assert.is_nil(url.split("/v1/credits"))
    assert.is_nil(url.split("mailto:x@example.com"))
  end)

  it("reads an authority's host, port and user part", function()
    assert.are.same({ "api.saber.app" }, { url.authority("API.saber.app") })
    assert.are.same({ "127.0.0.1", 8080 }, { url.authority("127.0.0.1:8080") })
    assert.are.same({ "[::1]", 9 }, { url.authority("[::1]:9") })
    assert.are.same({ "h", nil, "u:p" }, { url.authority("u:p@h") })
  end)

  it("reads an authority that could be read two ways as none", function()
    for _, authority in ipairs({ "a@b@127.0.0.1", "u p@h", "", "h:x", "[::1", "h/i", "evil.com\\@127.0.0.1" }) do
      assert.is_nil(url.authority(authority), authority)
    end
  end)

  it("names the origin with the scheme's default port", function()
    assert.are.equal("https://api.saber.app:443", url.origin("https://API.saber.app/v1"))
    assert.are.equal("http://h:80", url.origin("http://u@h:80/"))
    assert.is_nil(url.origin("http://a@b@c/"))
  end)

  it("resolves a Location against the URL it answered", function()
    local base = "http://h:1/v1/a/b?q=1"
    assert.are.equal("https://o/x", url.resolve(base, "https://o/x"))
    assert.are.equal("http://g/x", url.resolve(base, "//g/x"))
    assert.are.equal("http://h:1/x", url.resolve(base, "/x"))
    assert.are.equal("http://h:1/v1/a/c", url.resolve(base, "c"))
  end)

  it("takes only plain http to this machine for loopback", function()
    for _, u in ipairs({ "http://127.0.0.1:5/", "http://127.1.2.3", "http://localhost/x", "http://[::1]:8/" }) do
      assert.is_true(url.is_loopback_http(u), u)
    end
    for _, u in ipairs({ "https://127.0.0.1/", "http://127.0.0.1.evil.com/", "http://127.0.0.256/",
                         "http://a@b@127.0.0.1/", "http://10.0.0.1/", "http://localhost.evil.com/" }) do
      assert.is_false(url.is_loopback_http(u), u)
    end
  end)

  it("gives a connection's target, or a code and a message", function()
    assert.are.same({ scheme = "https", host = "api.saber.app", port = 443, target = "/v1/x?y=1",
                      authority = "api.saber.app" }, url.target("https://api.saber.app/v1/x?y=1#f"))
    assert.are.same({ scheme = "http", host = "h", port = 8, target = "/?q", authority = "h:8" },
                    url.target("http://h:8?q"))
    local cases = {
      { "ftp://h/", "UNSUPPORTED_PROTOCOL" }, { "nope", "URL_MALFORMAT" },
      { "http://u:p@h/", "URL_MALFORMAT" }, { "http://h:70000/", "URL_MALFORMAT" },
      { "http:///x", "URL_MALFORMAT" },
    }
    for _, case in ipairs(cases) do
      local target, code, message = url.target(case[1])
      assert.is_nil(target)
      assert.are.equal(case[2], code, case[1])
      assert.is_string(message)
    end
  end)
end)

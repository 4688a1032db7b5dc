-- `make demo`: scripts/demo.sh starts signals-mock and runs the README's
-- main example (examples/quickstart.lua), then bin/signals run and batch,
-- against it. Run here as a newcomer would see it, on the interpreter of
-- this pass, and read for every step the example promises.
local hosts = require("support.hosts")

describe("make demo: examples/quickstart.lua and bin/signals against signals-mock #host", function()
  local core = "build/" .. hosts.LUA .. "/signals/core.so"
  if not hosts.exists(core) or not hosts.exists("build/signals-mock") then
    pending(core .. " or build/signals-mock is not built (make LUA=" .. hosts.LUA .. " build)")
    return
  end

  local ok, out

  lazy_setup(function()
    ok, out = hosts.run("env -u SABER_API_KEY -u SABER_BASE_URL LUA=" .. hosts.LUA .. " sh scripts/demo.sh")
  end)

  it("runs every step of the quickstart", function()
    assert.is_true(ok, out)
    assert.matches("== signals%-mock on http://127%.0%.0%.1:%d+ %(no API key set: running offline%)", out)
    assert.matches("\n1%. Are they hiring engineers%? %-> true %(confidence 0%.87%)\n", out)
    assert.matches("\n2%. created [%x-]+ %(processing%)\n   answer: signals%-mock answer about acme%.com\n", out)
    assert.matches("\n   2 signals listed\n", out)
    -- the flaky signal failed once, was asked again and completed
    assert.matches("\n4%. completed: signals%-mock answer about acme%.com\n   earlier attempt [%x-]+ failed "
      .. "%(retryable=true%)", out)
    assert.matches("\n5%. not retried: signal LINKEDIN_RATE_LIMIT_EXCEEDED: .-\n   kind=signal retryable=false "
      .. "code=LINKEDIN_RATE_LIMIT_EXCEEDED\n", out)
    assert.matches("\n6%. refused before sending: invalid_request: 'domain' must be a valid hostname", out)
    assert.matches("\n7%. credits left: %d+\n", out)
  end)

  it("runs bin/signals run and batch after it", function()
    assert.is_true(ok, out)
    assert.matches("\nstatus%s+completed\n", out)
    assert.matches("\nanswer%s+true\n", out)
    for _, domain in ipairs { "acme.com", "globex.com", "initech.com", "umbrella.com", "hooli.com" } do
      assert.matches("\n" .. domain:gsub("%.", "%%.") .. "%s+completed%s+signals%-mock answer about ", out)
    end
    assert.matches("5 domains: 5 completed, 0 failed, 0 errors", out)
  end)
end)

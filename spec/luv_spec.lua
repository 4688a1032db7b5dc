-- An event loop: libuv through luv (Debian's lua-luv, for every Lua this
-- suite runs on) drives the client with a repeating timer that calls
-- client:step(0), and nothing else waits: a heartbeat timer of the same
-- loop must keep its pace while the answers are held back by the mock.
local helper = require("helper")
local hosts = require("support.hosts")
local signals = require("signals")

local has_luv, uv = pcall(require, "luv")
local ROOT = os.getenv("PWD")

describe("luv: the client driven by libuv's loop", function()
  if not has_luv then
    pending("luv is not installed for " .. _VERSION .. " (apt-get install lua-luv)")
    return
  end

  local mock

  before_each(function()
    mock = helper.mock()
  end)

  it("keeps the loop's own timers on time while 20 calls are held 0.5 s", function()
    mock:fault{ method = "GET", path = "/v1/credits", fault = "stall", seconds = 0.5, times = 20 }
    local client = helper.client(mock)
    local results = {}
    for i = 1, 20 do
      client:start("get_credits", nil, { on_done = function(value, err) results[i] = value or err end })
    end
    local beats, latest, last = 0, 0, uv.hrtime()
    local heartbeat = uv.new_timer()
    heartbeat:start(10, 10, function()
      local now = uv.hrtime()
      latest = math.max(latest, (now - last) / 1e6 - 10)
      last, beats = now, beats + 1
    end)
    local stepper = uv.new_timer()
    stepper:start(0, 5, function()
      if client:step(0) == 0 then
        stepper:close()
        heartbeat:close()
      end
    end)
    local began = uv.hrtime()
    uv.run()
    local took = (uv.hrtime() - began) / 1e9
    for i = 1, 20 do
      assert.are.equal("object", signals.kind(results[i]), tostring(results[i]))
    end
    -- all 20 at once: about the stall, not 20 of them
    assert.is_true(took >= 0.5 and took < 3, took)
    assert.is_true(beats >= 30, beats .. " beats")
    assert.is_true(latest < 100, "a heartbeat came " .. latest .. " ms late")
    client:close()
  end)

  it("runs examples/luv/ask.lua to its end with every answer", function()
    mock:reset{ delay_ms = 0 }
    local ok, out = hosts.run(string.format("SABER_BASE_URL=%s SABER_API_KEY=%s LUA_PATH='%s/lua/?.lua;%s/lua/?/init.lua;;' "
      .. "LUA_CPATH='%s/build/%s/?.so;;' %s examples/luv/ask.lua 12", mock.url, helper.API_KEY, ROOT, ROOT, ROOT,
      hosts.LUA, hosts.LUA))
    assert.is_true(ok, out)
    assert.matches("answers 12 of 12", out, 1, true)
    local late = tonumber(out:match("heartbeat at most ([%d.]+) ms late"))
    assert.is_true(late < 100, out)
    assert.are.equal(12, #mock:requests_to("POST", "/v1/companies/signals/sync"))
  end)
end)

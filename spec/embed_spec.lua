-- Static embedding: examples/embed/host.c, a C program with Lua and
-- libsignals.a linked in (built by `make embed` for the ABI running these
-- specs), runs scripts against signals-mock without any core.so to load;
-- examples/embed/frames.c, a host with a frame loop of its own, calls
-- client:step(0) from C once per frame.
local helper = require("helper")
local hosts = require("support.hosts")

local HOST = "build/" .. hosts.LUA .. "/embed-host"
local FRAME_HOST = "build/" .. hosts.LUA .. "/frame-host"
local PWD = os.getenv("PWD")

describe("embedding: examples/embed/host.c", function()
  local mock

  lazy_setup(function()
    local ok, out = hosts.run("make -s --no-print-directory LUA=" .. hosts.LUA .. " embed")
    assert(ok, "make embed failed:\n" .. out)
    mock = helper.mock()
  end)

  before_each(function()
    mock:reset{ delay_ms = 0 }
  end)

  -- Runs the host on `script`; the Lua layer from this tree, and a cpath
  -- where no core.so can be found.
  local function run_host(script, args, host)
    return hosts.run(string.format("SABER_BASE_URL=%s SABER_API_KEY=%s LUA_CPATH='/nonexistent/?.so' "
      .. "LUA_PATH='%s/lua/?.lua;%s/lua/?/init.lua;;' %s %s %s", mock.url, helper.API_KEY, PWD, PWD,
      host or HOST, script, args or ""))
  end

  it("runs examples/embed/ask.lua against signals-mock with the core linked in", function()
    local ok, out = run_host("examples/embed/ask.lua", "globex.com 'Do they sell anvils?'")
    assert.is_true(ok, out)
    assert.matches("core: linked into the program", out, 1, true)
    assert.matches("globex.com Do they sell anvils? -> true (completed)", out, 1, true)
    local created = mock:requests()[1]
    assert.are.equal("/v1/companies/signals/sync", created.path)
    assert.are.equal("Bearer " .. helper.API_KEY, created.headers.authorization)
  end)

  it("registers the core with luaL_requiref, or in package.preload where Lua has no luaL_requiref", function()
    local dir = hosts.tmpdir()
    hosts.write_file(dir .. "/where.lua", [[
      print(package.loaded["signals.core"] ~= nil, package.preload["signals.core"] ~= nil)
      print(require("signals.core").encode({ 1, "two" }))]])
    local ok, out = run_host(dir .. "/where.lua")
    hosts.remove(dir)
    assert.is_true(ok, out)
    local requiref = _VERSION ~= "Lua 5.1"
    assert.are.equal(string.format("%s\t%s\n[1,\"two\"]\n", tostring(requiref), tostring(not requiref)), out)
  end)

  it("passes the arguments in `arg`, and exits 1 with a traceback when the script raises", function()
    local dir = hosts.tmpdir()
    hosts.write_file(dir .. "/fail.lua", "print(arg[0], arg[1], arg[2])\nerror('stop here: ' .. arg[1])\n")
    local ok, out = run_host(dir .. "/fail.lua", "first second")
    hosts.remove(dir)
    assert.is_false(ok)
    assert.matches(dir .. "/fail.lua\tfirst\tsecond\n", out, 1, true)
    assert.matches("embed-host: " .. dir .. "/fail.lua:2: stop here: first", out, 1, true)
    assert.matches("stack traceback:", out, 1, true)
  end)

  it("runs a C frame loop that calls client:step(0) each frame until 20 answers came", function()
    local ok, out = run_host("examples/embed/frames.lua", "20", FRAME_HOST)
    assert.is_true(ok, out)
    assert.matches("answers 20 of 20", out, 1, true)
    -- a frame is 1 ms of the host's own work and a step: the answers,
    -- 200 to 1000 ms away, spanned hundreds of frames
    local in_flight = tonumber(out:match("while calls were in flight (%d+)"))
    assert.is_true(in_flight >= 200, out)
    assert.are.equal(20, #mock:requests_to("POST", "/v1/companies/signals/sync"))
  end)

  it("exits 1 with the message when step raises in the frame loop", function()
    local dir = hosts.tmpdir()
    hosts.write_file(dir .. "/raise.lua", [[
      local client = require("signals").new{}
      client:start("get_credits", nil, { on_done = function() error("on_done failed") end })
      return client, function() return true end]])
    local ok, out = run_host(dir .. "/raise.lua", "", FRAME_HOST)
    hosts.remove(dir)
    assert.is_false(ok)
    assert.matches("frame-host: client:step: " .. dir .. "/raise.lua:2: on_done failed", out, 1, true)
  end)
end)

-- Packaging: the library installed by LuaRocks (signals-0.1.0-1.rockspec)
-- and by `make install DESTDIR=...` loads from where it was installed, with
-- nothing of this tree on the module paths, and talks to signals-mock.
local helper = require("helper")
local hosts = require("support.hosts")

local ROCKSPEC = "signals-0.1.0-1.rockspec"
local LUA_VERSION = hosts.LUA == "luajit" and "5.1" or _VERSION:match("%d+%.%d+")

local missing
if not hosts.succeeds("command -v luarocks >/dev/null 2>&1") then
  missing = "luarocks is not installed (sh scripts/deps.sh packaging)"
end

-- Runs a script under this interpreter with only `share` and `lib` (the
-- installed directories) on its module paths.
local function run_installed(share, lib, script, mock)
  return hosts.run(string.format("cd / && SABER_BASE_URL=%s SABER_API_KEY=%s LUA_PATH='%s/?.lua;%s/?/init.lua' "
    .. "LUA_CPATH='%s/?.so' %s -e '%s'", mock.url, helper.API_KEY, share, share, lib, hosts.LUA, script))
end

-- Where `signals` and `signals.core` came from, and one call to the mock.
local SCRIPT = [[
  local signals = require("signals")
  print(debug.getinfo(signals.new, "S").source)
  for dir in package.cpath:gmatch("[^;]+") do
    local path = dir:gsub("%?", "signals/core")
    local f = io.open(path) if f then f:close() print(path) break end
  end
  local credits = assert(signals.new{ max_retries = 0 }:get_credits())
  print("credits " .. credits.remainingCredits)
]]

describe("packaging", function()
  local mock, dir

  before_each(function()
    mock = helper.mock()
    dir = hosts.tmpdir()
  end)

  after_each(function()
    hosts.remove(dir)
  end)

  local function assert_loads_from(share, lib)
    local ok, out = run_installed(share, lib, SCRIPT, mock)
    assert.is_true(ok, out)
    assert.are.equal(string.format("@%s/signals/init.lua\n%s/signals/core.so\ncredits 10000\n", share, lib), out)
  end

  it("luarocks make installs a tree that require('signals') loads from", function()
    if missing then
      pending(missing)
      return
    end
    local ok, out = hosts.run(string.format("luarocks --lua-version %s --tree %s make %s",
      LUA_VERSION, dir, ROCKSPEC))
    assert.is_true(ok, out)
    assert.matches("signals 0.1.0-1 is now installed", out, 1, true)
    assert_loads_from(dir .. "/share/lua/" .. LUA_VERSION, dir .. "/lib/lua/" .. LUA_VERSION)
  end)

  it("make install DESTDIR=... installs the library and signals-mock there", function()
    local ok, out = hosts.run(string.format("make -s --no-print-directory install LUA=%s PREFIX=/usr DESTDIR=%s",
      hosts.LUA, dir))
    assert.is_true(ok, out)
    assert.is_true(hosts.succeeds("test -x " .. dir .. "/usr/bin/signals-mock"))
    assert_loads_from(dir .. "/usr/share/lua/" .. LUA_VERSION, dir .. "/usr/lib/lua/" .. LUA_VERSION)
  end)
end)

-- A real game host: LÖVE 11 (Debian's love, on LuaJIT) runs
-- examples/love/ without a display against signals-mock. Its 50 calls are
-- answered after 200 to 1000 ms while love.update calls client:step(0)
-- once per frame: every answer must arrive, and hundreds of frames must
-- run while calls are in flight (the proof that nothing blocked a frame).
local helper = require("helper")
local hosts = require("support.hosts")

local LOVE = "/usr/bin/love"
local ROOT = os.getenv("PWD")

describe("LÖVE: examples/love #host", function()
  if not hosts.exists(LOVE) then
    pending("LÖVE is not installed (apt-get install love)")
    return
  end

  local mock, runtime_dir

  lazy_setup(function()
    -- LÖVE runs LuaJIT: the module built for it.
    local ok, out = hosts.run("make -s --no-print-directory LUA=luajit lib")
    assert(ok, "make LUA=luajit lib failed:\n" .. out)
    mock = helper.mock()
    runtime_dir = hosts.tmpdir()
  end)

  lazy_teardown(function()
    if runtime_dir then hosts.remove(runtime_dir) end
  end)

  -- Runs the example (SIGNALS_TREE: this tree's lua/ and build/luajit/);
  -- its report as a table of numbers.
  local function run_love(env)
    local ok, out = hosts.run(string.format("%s SIGNALS_TREE='%s' SABER_BASE_URL=%s SABER_API_KEY=%s "
      .. "XDG_RUNTIME_DIR='%s' %s examples/love", env or "", ROOT, mock.url, helper.API_KEY, runtime_dir, LOVE))
    local report = {}
    report.answers, report.count = out:match("answers (%d+) of (%d+)")
    report.frames, report.in_flight_frames = out:match("frames (%d+), while calls were in flight (%d+)")
    report.longest_ms = out:match("longest step ([%d.]+) ms")
    report.elapsed = out:match("elapsed ([%d.]+) s")
    for k, v in pairs(report) do report[k] = tonumber(v) end
    return ok, report, out
  end

  it("gets 50 answers while hundreds of frames run, calling client:step(0) once per frame", function()
    mock:reset{ delay_ms = 0 }
    local ok, report, out = run_love()
    assert.is_true(ok, out)
    assert.are.equal(50, report.count, out)
    assert.are.equal(50, report.answers, out)
    assert.is_true(report.in_flight_frames >= 200, out)
    -- The answers took at least the longest delay (1000 ms): they were
    -- waited for across frames, not before the first one.
    assert.is_true(report.elapsed >= 1.0 and report.elapsed < 20, out)
    local creates = mock:requests_to("POST", "/v1/companies/signals/sync")
    assert.are.equal(50, #creates)
  end)

  it("exits 1 and says why when calls fail", function()
    mock:reset{ delay_ms = 0 }
    mock:fault{ method = "POST", path = "/v1/companies/signals/sync", fault = "status", status = 401,
                body = { error = { type = "UNAUTHORIZED", code = "UNAUTHORIZED", message = "bad key" } } }
    local ok, report, out = run_love("SIGNALS_COUNT=3")
    assert.is_false(ok, out)
    assert.are.equal(2, report.answers, out)
    assert.matches("failed: http 401 UNAUTHORIZED: bad key", out, 1, true)
  end)
end)

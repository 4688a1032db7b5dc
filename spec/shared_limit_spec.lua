-- Many workers, one key: with their limiter's state in a shared store,
-- nginx's 4 workers (lua_shared_dict) and 4 Lua processes (Redis) stay
-- under the API's limit together, where the same clients on buckets of
-- their own meet 429s. Short runs of support/limit_run.lua (the rows of
-- `make bench` are longer); also the nginx store's own operations.
local helper = require("helper")
local redis = require("support.redis")
local limit_run = require("support.limit_run")
local json = helper.json

-- signals-mock's window: 100 writes per 2 s; the clients keep to 85% of
-- its rate with 5% at once (90 in any 2 s), so 10 requests of margin.
local LIMIT, WINDOW = 100, 2
local LIMITS = limit_run.client_limit(LIMIT, WINDOW, 0.85, 0.05)
local CALLS = 120

describe("shared rate limit", function()
  local mock

  before_each(function() mock = helper.mock() end)

  describe("in nginx, 4 workers on signals.store.shdict #host", function()
    if limit_run.nginx_missing then
      pending(limit_run.nginx_missing)
      return
    end

    local nginx

    lazy_setup(function() nginx = limit_run.start_nginx(helper.mock().url, LIMITS) end)
    lazy_teardown(function() if nginx then nginx:stop() end end)

    it("reserves, keeps and refuses in the dict as every store does", function()
      local out = json.decode(limit_run.get(nginx.port, "/store"), 1, json.null)
      local waits = {}
      for i = 1, 5 do
        assert.is_true(out[i][2])
        waits[i] = out[i][1]
      end
      for i, expected in ipairs{ 0, 0, 0, 0.1, 0.2 } do assert.is_near(expected, waits[i], 1e-6) end
      assert.is_false(out[6][2])
      assert.is_near(0.3, out[6][1], 1e-6)
      assert.are.same({ { true }, { "text" }, {} }, { out[7], out[8], out[9] })
    end)

    it("says so when the dict is full, evicting nothing", function()
      assert.are.equal("nil lua_shared_dict 'tiny': no memory kept", limit_run.get(nginx.port, "/full"))
    end)

    it("refuses a dict nginx.conf does not declare", function()
      assert.are.equal("signals.new: 'rate_limit.store' names lua_shared_dict 'nope', which nginx.conf does not "
        .. "declare (lua_shared_dict nope 1m;)", limit_run.get(nginx.port, "/refused"))
    end)

    it("keeps all workers under the key's limit: no 429", function()
      local f = limit_run.nginx(nginx, mock, "shared", CALLS, 16, LIMIT, WINDOW)
      io.write("\n[shared limit] nginx, shdict store: ", limit_run.summary(f), "\n")
      assert.are.same({ CALLS, 0, CALLS }, { f.ok, f.refused, f.writes }, f.errors)
      assert.is_true(f.workers >= 2, f.workers .. " worker(s) answered")
    end)

    it("meets 429s with a bucket per worker (the contrast)", function()
      local f = limit_run.nginx(nginx, mock, "local", CALLS, 16, LIMIT, WINDOW)
      io.write("\n[shared limit] nginx, a bucket per worker: ", limit_run.summary(f), "\n")
      assert.are.equal(CALLS, f.ok, f.errors)
      assert.is_true(f.refused > 0)
    end)
  end)

  describe("4 Lua 5.4 processes on signals.store.redis", function()
    local server = redis.for_block()
    if not server then return end

    it("keeps all processes under the key's limit: no 429", function()
      local f = limit_run.lua_processes(mock, server.port, 4, CALLS / 4, 4, LIMITS, LIMIT, WINDOW)
      io.write("\n[shared limit] 4 processes, Redis store: ", limit_run.summary(f), "\n")
      assert.are.same({ CALLS, 0, CALLS }, { f.ok, f.refused, f.writes })
    end)

    it("meets 429s with a bucket per process (the contrast)", function()
      local f = limit_run.lua_processes(mock, nil, 4, CALLS / 4, 4, LIMITS, LIMIT, WINDOW)
      io.write("\n[shared limit] 4 processes, a bucket each: ", limit_run.summary(f), "\n")
      assert.are.equal(CALLS, f.ok)
      assert.is_true(f.refused > 0)
    end)
  end)
end)

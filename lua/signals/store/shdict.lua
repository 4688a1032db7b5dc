--- The nginx store: `signals.store.shdict(name[, opts])` keeps its state in
-- the OpenResty `lua_shared_dict` of that name, so that every worker of
-- an nginx draws on one budget.
--
--    # nginx.conf, http block
--    lua_shared_dict signals 1m;
--    init_by_lua_block {
--      local signals = require("signals")
--      client = signals.new{ rate_limit = { store = signals.store.shdict("signals") } }
--    }
--
-- Each reservation reads and writes its number under a short lock of its
-- own (`safe_add` of a lock key, `delete` after): nothing yields inside
-- it, so it is held for a few microseconds; a lock left by a worker that
-- died lapses after 10 ms. The lock and the rate state are written with
-- `safe_add` and `safe_set`, so a full dict is an error (the client then
-- goes on under its fallback bucket and says so through `on_store_error`)
-- and never evicts another budget; cached answers are written with `set`,
-- which evicts the least recently used entries of the dict when it is
-- full. A dict of its own for the cache keeps the two apart.
-- @module signals.store.shdict
local store = require("signals.store")

local type, tostring, rawget, pcall, setmetatable, error = type, tostring, rawget, pcall,
  setmetatable, error
local format = string.format
local gcra, ttl_of = store.gcra, store.ttl

local shdict = {}

local LOCK_SUFFIX = ":lock"
local LOCK_TTL = 0.01
-- Tries of the lock before yielding (ngx.sleep(0)), and how long in all.
local SPINS = 200
local LOCK_PATIENCE = 0.05

local Shdict = {}
Shdict.__index = Shdict

--- Makes a store over a `lua_shared_dict`. A name that nginx does not
-- know (or a call outside nginx) gives a store that `signals.new` refuses
-- with a message naming the dict.
-- @tparam string name the dict's name in `lua_shared_dict`
-- @tparam[opt] table opts `fallback_share`: the share of a limit a client
--   keeps to while the dict fails (default 0.25)
-- @treturn table the store
-- @raise when `name` is not a string, or `fallback_share` not in (0, 1]
function shdict.new(name, opts)
  if type(name) ~= "string" then error("signals.store.shdict: the dict's name must be a string", 2) end
  local ngx = rawget(_G, "ngx")
  local dict = ngx and ngx.shared and ngx.shared[name]
  local self = setmetatable({ kind = "shdict", name = name, dict = dict,
                              fallback_share = store.share_option(opts, "signals.store.shdict") }, Shdict)
  if not dict then
    self.problem = ngx and ngx.shared
      and format("names lua_shared_dict '%s', which nginx.conf does not declare "
        .. "(lua_shared_dict %s 1m;)", name, name)
      or format("is the lua_shared_dict '%s', which exists only inside OpenResty", name)
  end
  return self
end

function Shdict:failure(err)
  return nil, format("lua_shared_dict '%s': %s", self.name, tostring(err))
end

-- Takes the key's lock: true, or nil and why not.
local function lock(self, key)
  local dict = self.dict
  local ngx = rawget(_G, "ngx")
  local started
  while true do
    for _ = 1, SPINS do
      local ok, err = dict:safe_add(key, true, LOCK_TTL)
      if ok then return true end
      if err ~= "exists" then return nil, err end
    end
    -- Held elsewhere for longer than a few microseconds: a worker was
    -- descheduled inside it. Let the others of this worker run meanwhile,
    -- where nginx allows it.
    ngx.update_time()
    started = started or ngx.now()
    if ngx.now() - started > LOCK_PATIENCE then return nil, "the lock stayed taken" end
    pcall(ngx.sleep, 0)
  end
end

function Shdict:reserve(key, rate, burst, now, max_wait, cost)
  if not self.dict then return nil, self.problem end
  local dict = self.dict
  local lock_key = key .. LOCK_SUFFIX
  local ok, err = lock(self, lock_key)
  if not ok then return self:failure(err) end
  local stored = dict:get(key)
  local wait, taken, tat = gcra(type(stored) == "number" and stored or nil, rate, burst, now, max_wait, cost)
  if taken then
    ok, err = dict:safe_set(key, tat, ttl_of(tat, now))
  end
  dict:delete(lock_key)
  if not ok then return self:failure(err) end
  return wait, taken
end

function Shdict:get(key)
  if not self.dict then return nil, self.problem end
  local value, err = self.dict:get(key)
  if value == nil and err then return self:failure(err) end
  return value
end

function Shdict:set(key, value, ttl)
  if not self.dict then return nil, self.problem end
  local ok, err = self.dict:set(key, value, ttl)
  if not ok then return self:failure(err) end
  return true
end

return shdict

--- The in-process store: `signals.store.memory{ max_items = N }`. The
-- clients of one Lua state that are given the same store share its
-- budgets; nothing is shared with other processes (that is what the
-- shdict and Redis stores are for). It never fails.
--
-- Cached values are bounded by `max_items` (default 1000): past it, the
-- least recently used goes. The rate state is one number per key, dropped
-- once its time has passed.
-- @module signals.store.memory
local core = require("signals.core")
local store = require("signals.store")

local type, pairs, error, setmetatable = type, pairs, error, setmetatable
local floor = math.floor
local gcra = store.gcra

local memory = {}

local DEFAULT_MAX_ITEMS = 1000
-- Past this many rate keys, those whose time has passed are swept out.
local SWEEP_AT = 64

local Memory = {}
Memory.__index = Memory

--- Makes a store.
-- @tparam[opt] table opts `max_items`: the most cached values kept (default 1000)
-- @treturn table the store
-- @raise when `max_items` is not a positive integer
function memory.new(opts)
  local max_items = opts and opts.max_items or DEFAULT_MAX_ITEMS
  if type(max_items) ~= "number" or max_items < 1 or max_items ~= floor(max_items) then
    error("signals.store.memory: 'max_items' must be a positive integer", 2)
  end
  -- Cached values are nodes of a ring ordered by use: head.next is the
  -- most recent, head.prev the least.
  local head = {}
  head.next, head.prev = head, head
  return setmetatable({ kind = "memory", max_items = max_items, tats = {}, tat_count = 0,
                        items = {}, item_count = 0, head = head }, Memory)
end

local function sweep(self, now)
  local count = 0
  for key, tat in pairs(self.tats) do
    if tat <= now then self.tats[key] = nil else count = count + 1 end
  end
  self.tat_count = count
end

function Memory:reserve(key, rate, burst, now, max_wait, cost)
  local tats = self.tats
  local stored = tats[key]
  local wait, taken, tat = gcra(stored, rate, burst, now, max_wait, cost)
  if taken then
    if stored == nil then
      self.tat_count = self.tat_count + 1
      if self.tat_count > SWEEP_AT then sweep(self, now) end
    end
    tats[key] = tat
  end
  return wait, taken
end

local function unlink(node)
  node.prev.next, node.next.prev = node.next, node.prev
end

local function push_front(head, node)
  node.next, node.prev = head.next, head
  head.next.prev = node
  head.next = node
end

local function drop(self, node)
  unlink(node)
  self.items[node.key] = nil
  self.item_count = self.item_count - 1
end

function Memory:get(key)
  local node = self.items[key]
  if not node then return nil end
  if node.expires <= core.now() then
    drop(self, node)
    return nil
  end
  unlink(node)
  push_front(self.head, node)
  return node.value
end

function Memory:set(key, value, ttl)
  local node = self.items[key]
  if node then
    unlink(node)
  else
    node = { key = key }
    self.items[key] = node
    self.item_count = self.item_count + 1
  end
  node.value, node.expires = value, core.now() + ttl
  push_front(self.head, node)
  if self.item_count > self.max_items then drop(self, self.head.prev) end
  return true
end

return memory

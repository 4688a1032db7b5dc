-- Prints the ldoc comments of the client's operation methods, made from
-- lua/signals/operations.lua (the methods are built from that table at run
-- time, so no source line carries their comments), one ldoc section per
-- area of scripts/operation_areas.lua. ldoc merges them into the signals
-- module (config.ld).
--
--   lua5.4 scripts/doc_operations.lua >build/doc-src/operations.lua  (mk/doc.mk)
package.path = "lua/?.lua;" .. package.path
local operations = require("signals.operations")
local areas = dofile("scripts/operation_areas.lua")

local concat, format = table.concat, string.format

local PATTERNS = {
  domain = "a hostname without scheme or path (`acme.com`)",
  mail_domain = "a mail domain (`acme.com`)",
  uuid = "a UUID (lower-case)",
}

local RESULTS = {
  signal = "a signal (see @{Signal})",
  contact_research = "a contact research object",
  object = "an object (`signals.kind(x) == \"object\"`), or `true` when the API answers nothing (204)",
  text = "the CSV text",
}

local function quoted_list(values)
  local parts = {}
  for i, v in ipairs(values) do parts[i] = "`" .. v .. "`" end
  return concat(parts, ", ")
end

local function range(low, high, unit)
  if low and high then return format("from %s to %s%s", low, high, unit) end
  if low then return format("at least %s%s", low, unit) end
  if high then return format("at most %s%s", high, unit) end
end

-- What a value must be, in words: the rule of a field or of an array's items.
local function rule_text(rule)
  local parts = {}
  if rule.enum then parts[#parts + 1] = "one of " .. quoted_list(rule.enum) end
  if rule.pattern then parts[#parts + 1] = PATTERNS[rule.pattern] or rule.pattern end
  if rule.type == "dateTime" then parts[#parts + 1] = "an RFC 3339 date-time" end
  local bounds = range(rule.min, rule.max, "")
  if rule.integer then
    parts[#parts + 1] = "an integer" .. (bounds and " " .. bounds or "")
  else
    parts[#parts + 1] = bounds
  end
  parts[#parts + 1] = range(rule.min_length, rule.max_length, " characters")
  if rule.items then
    parts[#parts + 1] = "an array" .. (rule.max_items and " of at most " .. rule.max_items .. " items" or "")
      .. ", each " .. (rule_text(rule.items) ~= "" and rule_text(rule.items)
        or (rule.items.type == "object" and "an " or "a ") .. rule.items.type)
  end
  return concat(parts, "; ")
end

local TYPES = { options = "string", dateTime = "string", json = "table" }

local function field_line(field)
  local kind = field.integer and "integer" or TYPES[field.type] or field.type
  local rule = rule_text(field)
  if field.type == "json" and rule == "" then rule = "a JSON value (signals.object/array mark empty tables)" end
  local text = format("(%s)%s", field.location, rule ~= "" and " " .. rule or "")
  if field.name == "X-Sbr-Timeout-Sec" then text = text .. "; `opts.wait` sets it too" end
  return format("-- @tparam%s %s params.%s %s", field.required and "" or "[opt]", kind, field.name, text)
end

-- The field a method also takes alone: its only required field, a path one.
local function positional(op)
  local required = {}
  for _, field in ipairs(op.fields) do
    if field.required then required[#required + 1] = field end
  end
  return #required == 1 and required[1].location == "path" and required[1].name or nil
end

local function operation_doc(op)
  local lines = { format("--- `%s %s` (%s).", op.method, op.path, op.id) }
  local alone = positional(op)
  if alone then
    lines[#lines + 1] = format("-- Also `client:%s(%s)`: the one required field alone.", op.name, alone)
  end
  if op.page then
    lines[#lines + 1] = "-- A list operation: `client:pages` and `client:paginate` walk every page."
  end
  if op.spends then
    lines[#lines + 1] = op.spends == "items"
      and "-- Spends credits: counted by `spend_limit`, one per signal and domain."
      or "-- Spends credits: counted by `spend_limit`."
  end
  lines[#lines + 1] = "-- @function Client:" .. op.name
  local any_required = false
  for _, field in ipairs(op.fields) do any_required = any_required or field.required == true end
  lines[#lines + 1] = format("-- @tparam%s table params the fields below, keyed by the API's names",
    any_required and "" or "[opt]")
  -- Right after params: ldoc counts the params.* lines when it marks the
  -- signature's optional arguments.
  lines[#lines + 1] = "-- @tparam[opt] table opts per-call options (@{call_options})"
  for _, field in ipairs(op.fields) do lines[#lines + 1] = field_line(field) end
  if op.page then
    lines[#lines + 1] = format("-- @treturn[1] page a page (@{Page}) of %s", op.page == "object" and "objects"
      or op.page .. " objects")
  else
    lines[#lines + 1] = "-- @return[1] " .. (RESULTS[op.result]
      or format("an object (`signals.kind(x) == \"%s\"`)", op.result))
  end
  lines[#lines + 1] = "-- @treturn[2] nil"
  lines[#lines + 1] = "-- @treturn[2] error an error object (@{Error})"
  return concat(lines, "\n")
end

local out = { "--- The operations (generated by scripts/doc_operations.lua from lua/signals/operations.lua).",
  "-- @module signals" }
for _, group in ipairs(areas.group(operations)) do
  local docs = {}
  for i, op in ipairs(group.operations) do docs[i] = operation_doc(op) end
  out[#out + 1] = format("\n--- %s\n-- @section %s\n", group.area.doc, group.area.id)
  out[#out + 1] = concat(docs, "\n\n")
end
print(concat(out, "\n"))

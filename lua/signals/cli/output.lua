--- What the command-line tool prints: one object or a list of them, as an
-- aligned table (the default), CSV (RFC 4180) or JSON.
--
-- A list is printed as it is iterated: JSON and CSV stream item by item (so
-- `signals list` over many pages holds one page at a time); the table keeps
-- the rows' cell texts, which it needs for the column widths.
-- @module signals.cli.output
local core = require("signals.core")

local type, ipairs, pairs, tostring, select, setmetatable, pcall, error =
  type, ipairs, pairs, tostring, select, setmetatable, pcall, error
local floor, abs, huge = math.floor, math.abs, math.huge
local concat, sort = table.concat, table.sort
local find, format, gsub, rep, sub = string.find, string.format, string.gsub, string.rep, string.sub

local null = core.null

local output = {}

-- The widest a table cell gets before it is cut with "…".
local MAX_CELL = 60

local function is_sequence(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local function scalar_text(value)
  if value == nil or value == null then return "" end
  if type(value) == "number" and value == floor(value) and abs(value) < 2 ^ 53 then
    return format("%d", value)
  end
  return tostring(value)
end

--- The text of a value in a cell: "" for nil and JSON null, whole numbers
-- without ".0", a list of scalars joined with ", ", anything else as JSON.
function output.text(value)
  local kind = type(value)
  if kind == "userdata" and value ~= null and core.kind(value) then return value:json() end
  if kind ~= "table" then return scalar_text(value) end
  if is_sequence(value) then
    local parts = {}
    for i, item in ipairs(value) do
      if type(item) == "table" or type(item) == "userdata" and item ~= null then parts = nil break end
      parts[i] = scalar_text(item)
    end
    if parts then return concat(parts, ", ") end
  end
  return core.encode(value) or tostring(value)
end

--- The JSON text of what a command prints: an object's own JSON, or a
-- plain table encoded.
function output.json(value)
  if type(value) == "userdata" and core.kind(value) then return value:json() end
  return (core.encode(value))
end

--- Columns of every field of an object, sorted by name: for objects the
-- tool has no column set of its own for.
function output.all_fields(object)
  local t = type(object) == "userdata" and object:totable() or object
  local names = {}
  for name in pairs(t) do names[#names + 1] = name end
  sort(names)
  local columns = {}
  for i, name in ipairs(names) do columns[i] = { name } end
  return columns
end

-- A column is { name [, get = function(item) -> value] }; by default the
-- item's field of that name.
local function cell(column, item)
  local value
  if column.get then value = column.get(item) else value = item[column[1]] end
  return output.text(value)
end

local function one_line(s)
  return (gsub(s, "[%c]+", " "))
end

local function width(s)
  return select(2, gsub(s, "[^\128-\191]", ""))
end

-- Cut to at most max characters, on a character boundary.
local function clip(s, max)
  if width(s) <= max then return s end
  local count, at = 0, #s + 1
  for i = 1, #s do
    local b = s:byte(i)
    if b < 128 or b >= 192 then
      count = count + 1
      if count == max then at = i break end
    end
  end
  return sub(s, 1, at - 1) .. "…"
end

local function pad(s, n)
  return s .. rep(" ", n - width(s))
end

local function csv_field(s)
  if find(s, '[,"\r\n]') then return '"' .. gsub(s, '"', '""') .. '"' end
  return s
end

local function csv_row(cells)
  local fields = {}
  for i, s in ipairs(cells) do fields[i] = csv_field(s) end
  return concat(fields, ",") .. "\r\n"
end

local Printer = {}
Printer.__index = Printer

--- A printer writing to `out` (a file handle) in `format`: "table", "csv" or "json".
function output.new(format_name, out)
  return setmetatable({ format = format_name, out = out }, Printer)
end

--- Prints one item: for a table, one "name  value" line per column with a
-- value; for CSV, a header and one row; for JSON, its JSON text.
function Printer:one(item, columns)
  local out = self.out
  if self.format == "json" then
    out:write(output.json(item), "\n")
    return
  end
  local names, cells = self.header(columns), {}
  for i, column in ipairs(columns) do cells[i] = cell(column, item) end
  if self.format == "csv" then
    out:write(csv_row(names), csv_row(cells))
    return
  end
  local name_width = 0
  for i, name in ipairs(names) do
    if cells[i] ~= "" and width(name) > name_width then name_width = width(name) end
  end
  for i, name in ipairs(names) do
    if cells[i] ~= "" then out:write(pad(name, name_width), "  ", one_line(cells[i]), "\n") end
  end
end

--- Prints the items an iterator gives (stopping after `max` when given):
-- a table with a header line, CSV with a header row, or a JSON array.
-- `to_json(item)`, when given, is what JSON shows of an item. Returns how
-- many were printed. An error raised by the iterator is raised again: before
-- the first item nothing is printed, after it the output ends well formed
-- (the JSON array closed, the table so far).
function Printer:many(columns, next_item, max, to_json)
  local out, fmt = self.out, self.format
  max = max or huge
  local count, rows = 0, {}
  local ok, problem = pcall(function()
    while count < max do
      local item = next_item()
      if item == nil then break end
      count = count + 1
      if fmt == "json" then
        out:write(count > 1 and ",\n" or "[\n", to_json and to_json(item) or output.json(item))
      else
        local cells = {}
        for i, column in ipairs(columns) do cells[i] = cell(column, item) end
        if fmt == "table" then
          rows[count] = cells
        else
          if count == 1 then out:write(csv_row(self.header(columns))) end
          out:write(csv_row(cells))
        end
      end
    end
  end)
  if ok or count > 0 then
    if fmt == "json" then out:write(count > 0 and "\n]\n" or "[]\n") end
    if fmt == "csv" and count == 0 then out:write(csv_row(self.header(columns))) end
    if fmt == "table" then self:table(columns, rows) end
  end
  -- Before anything else reaches the terminal (the caller's summary, on
  -- standard error).
  out:flush()
  if not ok then error(problem, 0) end
  return count
end

function Printer.header(columns)
  local names = {}
  for i, column in ipairs(columns) do names[i] = column[1] end
  return names
end

function Printer:table(columns, rows)
  local header, widths = self.header(columns), {}
  for i, name in ipairs(header) do widths[i] = width(name) end
  for _, cells in ipairs(rows) do
    for i, s in ipairs(cells) do
      s = clip(one_line(s), MAX_CELL)
      cells[i] = s
      if width(s) > widths[i] then widths[i] = width(s) end
    end
  end
  local function line(cells)
    local parts = {}
    for i, s in ipairs(cells) do parts[i] = i < #cells and pad(s, widths[i]) or s end
    self.out:write((gsub(concat(parts, "  "), " +$", "")), "\n")
  end
  line(header)
  for _, cells in ipairs(rows) do line(cells) end
end

return output

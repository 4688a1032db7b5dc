-- Writes the README's operations table, made from lua/signals/operations.lua
-- by scripts/operation_areas.lua, between the README's two marker lines
-- (`make readme`). spec/docs_spec.lua fails when the committed table differs.
--
--   lua5.4 scripts/readme_operations.lua [README.md]
package.path = "lua/?.lua;" .. package.path
local operations = require("signals.operations")
local areas = dofile("scripts/operation_areas.lua")

local path = arg[1] or "README.md"

local file = assert(io.open(path, "rb"))
local text = file:read("*a")
file:close()

local updated, problem = areas.splice(text, areas.readme_table(operations))
if not updated then
  io.stderr:write(path, ": ", problem, "\n")
  os.exit(1)
end
if updated == text then
  print(path .. ": the operations table is up to date (" .. #operations .. " operations)")
else
  file = assert(io.open(path, "wb"))
  assert(file:write(updated))
  assert(file:close())
  print(path .. ": the operations table rewritten (" .. #operations .. " operations)")
end

-- The script examples/embed/host.c runs: ask one question about a company
-- and print the answer. The same script runs under the lua command; in the
-- host, signals.core is the copy linked into the program.
--
--   embed-host examples/embed/ask.lua DOMAIN [QUESTION]
-- A host registers the core before the script runs: in package.loaded
-- (luaL_requiref) or package.preload (LuaJIT, 5.1).
local linked = package.loaded["signals.core"] ~= nil or package.preload["signals.core"] ~= nil
local signals = require("signals")

local domain = arg[1] or "acme.com"
local question = arg[2] or "Are they hiring engineers?"

print("signals " .. signals.VERSION .. " on " .. _VERSION .. ", core: "
  .. (linked and "linked into the program" or "loaded from package.cpath"))

local client = signals.new{ timeout = 30 }   -- api_key, base_url from the environment
local sig, err = client:run_signal{ domain = domain, question = question, answerType = "boolean" }
if not sig then error(tostring(err), 0) end
print(string.format("%s %s -> %s (%s)", domain, question, tostring(sig:value()), sig.status))
client:close()

-- Writes each harness's seed corpus under OUT/<harness>/ from the API
-- fixtures in spec/fixtures/ (run from the project root):
--   lua5.4 fuzz/seeds.lua build/fuzz/seeds
-- decode: every fixture, and strings holding NUL bytes. answer: the
-- signal fixtures and their answer members. error_body: the error
-- fixtures with their status and a JSON content type, plus a proxy's HTML
-- page. headers: the retry hints of the 429 fixtures as Retry-After and
-- X-Ratelimit-Reset headers, in every form the client reads (the fixtures
-- are bodies and carry no headers).
local json = require("dkjson")

local out = assert(arg[1], "usage: seeds.lua OUTDIR")
local FIXTURES = "spec/fixtures"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

local function write(harness, name, data)
  local f = assert(io.open(out .. "/" .. harness .. "/" .. name, "wb"))
  f:write(data)
  f:close()
end

local names = {}
local list = assert(io.popen("ls " .. FIXTURES))
for name in list:lines() do
  if name:match("%.json$") then names[#names + 1] = name end
end
list:close()
assert(#names > 0, "no fixtures in " .. FIXTURES)

for _, harness in ipairs { "decode", "answer", "error_body", "headers" } do
  assert(os.execute("mkdir -p " .. out .. "/" .. harness))
end

local retry_hints = {}
for _, name in ipairs(names) do
  local body = read(FIXTURES .. "/" .. name)
  local stem = name:gsub("%.json$", "")
  write("decode", stem, body)
  local value = json.decode(body, 1, json.null)
  if type(value) == "table" and value.answer ~= nil then
    write("answer", stem, body)
    write("answer", stem .. ".answer", json.encode(value.answer))
  end
  local status = name:match("^error_(%d%d%d)_")
  if status then
    status = tonumber(status) - 100
    write("error_body", stem, string.char(status // 256, status % 256) .. "application/json\n" .. body)
    local hint = type(value) == "table" and value.retryAfter
    if hint then retry_hints[#retry_hints + 1] = hint end
  end
end

-- Strings and keys holding NUL bytes, which no fixture has.
write("decode", "nul_bytes", '{"id":"s\\u0000","status":"failed","error":"e\\u0000",'
  .. '"a\\u0000b":1,"a":2,"nested":{"k\\u0000":["x\\u0000y",{"z":"\\u0000"}]}}')
write("answer", "nul_bytes", '{"type":"open_text","openText":{"value":"v\\u0000w"}}')

write("error_body", "html502", string.char(1, 146) .. "text/html\n"
  .. "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
  .. "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

local RESET = 1781913660 -- one minute after targets.lua's clock
for i, hint in ipairs(retry_hints) do
  write("headers", "seconds" .. i, ("HTTP/1.1 429 Too Many Requests\r\nRetry-After: %d\r\n"
    .. "X-RateLimit-Limit: 60\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %d\r\n\r\n"):format(hint, RESET))
end
for name, date in pairs { imf = "Sat, 20 Jun 2026 00:01:00 GMT", rfc850 = "Saturday, 20-Jun-26 00:01:00 GMT",
                          asctime = "Sat Jun 20 00:01:00 2026" } do
  write("headers", name, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\n"
    .. "Retry-After:  " .. date .. " \r\nX-Ratelimit-Reset: " .. RESET .. ".5\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\n")
end

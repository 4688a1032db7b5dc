-- A webhook receiver: a small HTTP server (luasocket) that accepts Saber's
-- deliveries, refuses any whose HMAC-SHA256 signature is not the body's
-- under the subscription's webhookSecret, and prints what arrived.
--
--   SABER_WEBHOOK_SECRET=whsec_... lua5.4 examples/webhook_receiver.lua
--
-- PORT picks the port (default 8080; 0 lets the system choose), REQUESTS
-- stops it after that many requests. Put it behind your HTTPS proxy and give
-- its URL as a market-signal subscription's webhookUrl (with webhookSecret),
-- or as a signal's webhookUrl. Try it with a signed delivery of your own:
--
--   body='{"subscriptionId":"sub_1","signals":[{"id":"ms_1","payload":{"title":"Data Engineer"}}]}'
--   sig=$(printf %s "$body" | openssl dgst -sha256 -hmac "$SABER_WEBHOOK_SECRET" -r | cut -d' ' -f1)
--   curl -i -H "X-Saber-Signature: sha256=$sig" -d "$body" http://127.0.0.1:8080/
local socket = require("socket")
local signals = require("signals")

io.stdout:setvbuf("line")

local secret = os.getenv("SABER_WEBHOOK_SECRET")
if not secret or secret == "" then
  io.stderr:write("webhook_receiver: set SABER_WEBHOOK_SECRET to the subscription's webhookSecret\n")
  os.exit(2)
end
local port = tonumber(os.getenv("PORT") or "8080")
local requests = tonumber(os.getenv("REQUESTS") or "")

local MAX_BODY = 4 * 1024 * 1024
-- API-NOTES §14: the signature header's name is not documented; these are the
-- names such services use. Only one needs to be present.
local SIGNATURE_HEADERS = { "x-saber-signature", "x-signature", "x-hub-signature-256", "x-webhook-signature" }

local function read_request(conn)
  local line = conn:receive("*l")
  local method = line and line:match("^(%u+) %S+ HTTP/1%.[01]$")
  if not method then return nil end
  local headers = {}
  while true do
    line = conn:receive("*l")
    if not line then return nil end
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local length = tonumber(headers["content-length"] or "0")
  if not length or length > MAX_BODY then return method, headers, nil end
  local body = length > 0 and conn:receive(length) or ""
  return method, headers, body
end

local REASONS = { [204] = "No Content", [400] = "Bad Request", [401] = "Unauthorized",
                  [405] = "Method Not Allowed", [413] = "Payload Too Large" }

local function respond(conn, status, text)
  text = text or ""
  conn:send(("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s")
    :format(status, REASONS[status], #text, text))
end

local function signature_of(headers)
  for _, name in ipairs(SIGNATURE_HEADERS) do
    if headers[name] then return headers[name] end
  end
end

local function show(delivery)
  if signals.kind(delivery) == nil then
    -- A market-signal batch: its signals are objects.
    print(("market signals for subscription %s (%s): %d"):format(
      tostring(delivery.subscriptionId), tostring(delivery.type), #delivery.signals))
    for _, s in ipairs(delivery.signals) do
      local payload = type(s.payload) == "table" and s.payload or {}
      print(("  %s %s %s"):format(tostring(s.id), tostring(payload.companyDomain or ""),
        tostring(payload.title or payload.url or s:json())))
    end
  else
    -- A signal (sig:value() is its answer), a contact research, or another object.
    print(tostring(delivery))
  end
end

-- Checks the signature before anything else reads the body.
local function handle(conn)
  local method, headers, body = read_request(conn)
  if not method then return end
  if method ~= "POST" then
    respond(conn, 405, "deliveries are POSTed\n")
    print("405 " .. method)
    return
  end
  if not body then
    respond(conn, 413)
    print("413 body too large")
    return
  end
  local ok, why = signals.webhook.verify(body, signature_of(headers), secret)
  if not ok then
    respond(conn, 401)
    print("401 " .. why)
    return
  end
  local delivery, err = signals.webhook.parse(body)
  if not delivery then
    respond(conn, 400)
    print("400 " .. tostring(err))
    return
  end
  respond(conn, 204)
  show(delivery)
end

local server = assert(socket.bind("127.0.0.1", port))
local _, bound = server:getsockname()
print("webhook receiver listening on http://127.0.0.1:" .. bound .. "/")

local handled = 0
while not requests or handled < requests do
  local conn = server:accept()
  if conn then
    conn:settimeout(10)
    handle(conn)
    conn:close()
    handled = handled + 1
  end
end
server:close()

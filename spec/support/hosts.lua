-- What the host specs (nginx, embedding, packaging, redis) share: shell
-- commands, temporary directories, the running interpreter's name, and
-- real servers. A server runs in the foreground of a background shell, in
-- a temporary directory of its own, on a free loopback port, and stops by
-- itself when the busted process is gone or after a time to live, whatever
-- happens to the spec.
local socket = require("socket")
local helper = require("helper")

local hosts = {}

-- The interpreter running the specs, as make's LUA names it: its build
-- directory is build/<name>.
hosts.LUA = rawget(_G, "jit") and "luajit" or "lua" .. _VERSION:match("%d+%.%d+")

-- What a child of this interpreter, started from the repository's root,
-- runs with to load this tree's signals: its Lua modules and its build.
-- hosts.LUA_RUN .. " script.lua" runs a script so.
hosts.LUA_RUN = string.format("LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/%s/?.so;;' %s",
  hosts.LUA, hosts.LUA)

local TTL_SECONDS = 600

local read_file = helper.read_file
hosts.read_file = read_file

function hosts.exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

function hosts.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

-- The hosts (nginx, redis-server, make, luarocks, the embedding host) are
-- not what `make check` instruments: they run without its sanitizer
-- runtime, whose leak reports about them would fail the run.
local PLAIN = "unset LD_PRELOAD ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; "

-- Whether a shell command succeeds (os.execute differs between 5.1 and 5.2+).
function hosts.succeeds(command)
  local ok, _, code = os.execute(PLAIN .. command)
  if type(ok) == "number" then return ok == 0 end
  return ok == true and (code == nil or code == 0)
end

-- The output of a shell command (stdout and stderr) and whether it succeeded.
function hosts.run(command)
  local pipe = assert(io.popen(PLAIN .. "(" .. command .. ") 2>&1; echo \"exit=$?\""))
  local out = pipe:read("*a")
  pipe:close()
  local body, status = out:match("^(.-)exit=(%d+)%s*$")
  return status == "0", body or out
end

function hosts.remove(dir)
  hosts.succeeds("rm -rf '" .. dir .. "'")
end

function hosts.tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(hosts.succeeds("mkdir -p " .. dir))
  return dir
end

local function accepts(port)
  local conn = socket.tcp()
  conn:settimeout(0.2)
  local ok = conn:connect("127.0.0.1", port)
  conn:close()
  return ok ~= nil
end

local Daemon = {}
Daemon.__index = Daemon

function Daemon:stop()
  if self.pid then
    hosts.succeeds("kill " .. self.pid .. " 2>/dev/null")
    -- Wait for the port to close, so that a restart cannot race it.
    for _ = 1, 100 do
      if not accepts(self.port) then break end
      helper.sleep(0.02)
    end
    self.pid = nil
    hosts.remove(self.dir)
  end
end

function Daemon:log()
  return read_file(self.dir .. "/server.log") or ""
end

-- Starts `command` (it must stay in the foreground and listen on `port`)
-- with `env` (name → value) from `dir`; returns once the port accepts
-- connections, or raises with the command's output.
function hosts.start(name, command, port, dir, env)
  local exports = {}
  for key, value in pairs(env or {}) do
    exports[#exports + 1] = string.format("%s='%s'", key, value)
  end
  local watcher = string.format([[
cd '%s' || exit 1
%s %s >server.log 2>&1 </dev/null &
child=$!
echo $child >server.pid
n=0
while kill -0 %s 2>/dev/null && kill -0 $child 2>/dev/null && [ $n -lt %d ]; do
  sleep 0.5; n=$((n + 1))
done
kill $child 2>/dev/null
]], dir, table.concat(exports, " "), command, helper.own_pid(), TTL_SECONDS * 2)
  hosts.write_file(dir .. "/watch.sh", watcher)
  assert(hosts.succeeds("sh '" .. dir .. "/watch.sh' >/dev/null 2>&1 </dev/null &"))
  local self = setmetatable({ name = name, port = port, dir = dir }, Daemon)
  for _ = 1, 250 do
    self.pid = self.pid or (read_file(dir .. "/server.pid") or ""):match("%d+")
    if self.pid and accepts(port) then return self end
    if self.pid and not hosts.succeeds("kill -0 " .. self.pid .. " 2>/dev/null") then break end
    helper.sleep(0.02)
  end
  local log = self:log()
  self:stop()
  error(name .. " did not start: " .. log, 2)
end

-- The start every nginx.conf of the specs shares: OpenResty's Lua module
-- (Debian's dynamic modules), the log, pid and temporary files in the
-- server's own directory, and the package paths to this tree ({{ROOT}},
-- filled in by the caller with its other placeholders) and its LuaJIT
-- build. It leaves the http block open: the caller's text goes on inside
-- it and closes it.
function hosts.nginx_conf(workers, connections)
  return string.format([[
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes %d;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections %d; }
http {
  access_log off;
  client_body_temp_path temp/body;
  proxy_temp_path temp/proxy;
  fastcgi_temp_path temp/fastcgi;
  uwsgi_temp_path temp/uwsgi;
  scgi_temp_path temp/scgi;
  lua_package_path "{{ROOT}}/lua/?.lua;{{ROOT}}/lua/?/init.lua;;";
  lua_package_cpath "{{ROOT}}/build/luajit/?.so;;";
]], workers, connections)
end

return hosts

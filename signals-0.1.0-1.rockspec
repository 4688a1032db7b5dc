-- Builds with `luarocks make` from a clone, offline: the make backend reuses
-- the Makefile (flags from pkg-config) and installs the library alone.
package = "signals"
version = "0.1.0-1"
source = {
  url = "git+https://github.com/signals-lua/signals.git",
  tag = "v0.1.0",
}
description = {
  summary = "Lua client for the Saber Signals API, with a C core (libcurl + cJSON)",
  detailed = [[
Every operation of the Saber Signals API as a method, answers as lazy userdata
objects, pagination iterators, a retry policy driven by the API's retryable
flag and HTTP status, and polling helpers.
]],
  homepage = "https://github.com/signals-lua/signals",
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
-- External dependencies: libcurl >= 7.80.0 (the build stops with a message
-- on an older one), cJSON and OpenSSL's libcrypto, with their headers.
-- libcurl, cJSON and libcrypto are found by pkg-config in the Makefile: LuaRocks'
-- own header search does not look in Debian's multiarch include directory
-- (/usr/include/x86_64-linux-gnu/curl), so it would refuse a working system.
build = {
  type = "make",
  build_target = "lib",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LUA = "$(LUA)",   -- the interpreter's path: the Makefile builds for its ABI
  },
  install_target = "install-lib",
  install_variables = {
    LUA = "$(LUA)",
    LUA_LMOD = "$(LUADIR)",
    LUA_CMOD = "$(LIBDIR)",
  },
}

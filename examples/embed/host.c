/*
 * A C program that embeds Lua and links signals in statically: the core
 * comes from libsignals.a and is registered before any script runs, so the
 * program needs no signals/core.so at run time. The Lua layer (the files
 * under lua/signals/) is found on package.path, here from LUA_PATH; a
 * program that ships its own scripts would add its own directory instead.
 *
 *   make embed                 build/lua5.4/embed-host (LUA=luajit: a LuaJIT host)
 *   LUA_PATH='lua/?.lua;lua/?/init.lua;;' SABER_BASE_URL=http://127.0.0.1:8080 \
 *       build/lua5.4/embed-host examples/embed/ask.lua acme.com
 *
 * The script gets its arguments in the global `arg`, as with the lua
 * command; the exit status is 0 when it ran to its end, 1 when it raised.
 */
#include <stdio.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* The entry point of libsignals.a (the same as core.so's). */
int luaopen_signals_core(lua_State *L);

static void register_signals(lua_State *L)
{
#if LUA_VERSION_NUM >= 502
    /* Opens the module now and stores it in package.loaded["signals.core"],
     * where require("signals") finds it. */
    luaL_requiref(L, "signals.core", luaopen_signals_core, 0);
    lua_pop(L, 1);
#else
    /* LuaJIT and 5.1 have no luaL_requiref; require looks in
     * package.preload before searching the file system. */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_signals_core);
    lua_setfield(L, -2, "signals.core");
    lua_pop(L, 2);
#endif
}

/* Message handler: the error with a traceback (debug.traceback exists in
 * every version, luaL_traceback only from 5.2 and in LuaJIT). */
static int traceback(lua_State *L)
{
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 2);
    lua_call(L, 2, 1);
    return 1;
}

static void set_arg(lua_State *L, int argc, char **argv)
{
    int i;
    lua_createtable(L, argc, 1);
    for (i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
}

static int run_script(lua_State *L, const char *path)
{
    int status;
    lua_pushcfunction(L, traceback);
    status = luaL_loadfile(L, path);
    if (status == 0)
        status = lua_pcall(L, 0, 0, -2);
    if (status != 0) {
        fprintf(stderr, "embed-host: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return status == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    lua_State *L;
    int status;

    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [ARG...]\n", argv[0]);
        return 2;
    }
    L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "embed-host: cannot create a Lua state\n");
        return 1;
    }
    luaL_openlibs(L);
    register_signals(L);
    set_arg(L, argc, argv);
    status = run_script(L, argv[1]);
    /* Closing the state collects the client and its libcurl handle. */
    lua_close(L);
    return status;
}

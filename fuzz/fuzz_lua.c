/*
 * See fuzz_lua.h. FUZZ_TARGETS_LUA (the path of fuzz/targets.lua) comes
 * from mk/fuzz.mk.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "fuzz_lua.h"

int luaopen_signals_core(lua_State *L);

static lua_State *state;

static void die(lua_State *L, const char *what)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, lua_tostring(L, -1));
    abort();
}

lua_State *fuzz_lua_target(const char *target)
{
    if (state == NULL) {
        state = luaL_newstate();
        if (state == NULL)
            abort();
        luaL_openlibs(state);
        luaL_requiref(state, "signals.core", luaopen_signals_core, 0);
        lua_pop(state, 1);
        if (luaL_dofile(state, FUZZ_TARGETS_LUA) != LUA_OK)
            die(state, "loading " FUZZ_TARGETS_LUA);
        lua_setfield(state, LUA_REGISTRYINDEX, "fuzz.targets");
    }
    lua_settop(state, 0);
    lua_getfield(state, LUA_REGISTRYINDEX, "fuzz.targets");
    lua_getfield(state, -1, target);
    if (!lua_isfunction(state, -1)) {
        fprintf(stderr, "fuzz: targets.lua has no function %s\n", target);
        abort();
    }
    lua_remove(state, 1);
    return state;
}

void fuzz_lua_call(lua_State *L, int nargs)
{
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_remove(L, -2);
    lua_insert(L, 1);
    if (lua_pcall(L, nargs, 0, 1) != LUA_OK)
        die(L, "raised");
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
}

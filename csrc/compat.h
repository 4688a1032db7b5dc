/*
 * One header that lets the core compile unchanged against Lua 5.1, LuaJIT,
 * 5.2, 5.3 and 5.4. The core is written against the 5.4 API; for older
 * versions the few missing calls are defined here in terms of what exists.
 * A module built for 5.1 also loads in LuaJIT (same ABI), but one built for
 * 5.4 does not load in 5.1 (lua_newuserdatauv), so each ABI gets its own build.
 */
#ifndef SIGNALS_COMPAT_H
#define SIGNALS_COMPAT_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#if LUA_VERSION_NUM < 502
/* Lua 5.1 and LuaJIT */

#ifndef LUA_OK
#define LUA_OK 0
#endif

#define lua_rawlen(L, i) lua_objlen((L), (i))

/* LuaJIT 2.1's lauxlib.h already has luaL_newlib, luaL_setfuncs,
 * luaL_testudata and luaL_setmetatable; plain 5.1 has none of them. LuaJIT
 * is told apart by luaL_newlib because LUAJIT_VERSION_NUM lives in luajit.h,
 * which lua.h does not include. */
#ifndef luaL_newlib
#define luaL_newlibtable(L, l) lua_createtable((L), 0, sizeof(l) / sizeof((l)[0]) - 1)
#define luaL_newlib(L, l) (luaL_newlibtable((L), (l)), luaL_setfuncs((L), (l), 0))

static inline void luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    luaL_checkstack(L, nup + 1, "too many upvalues");
    for (; l->name != NULL; l++) {
        int i;
        for (i = 0; i < nup; i++)
            lua_pushvalue(L, -nup);
        lua_pushcclosure(L, l->func, nup);
        lua_setfield(L, -(nup + 2), l->name);
    }
    lua_pop(L, nup);
}

static inline void *luaL_testudata(lua_State *L, int i, const char *tname)
{
    void *p = lua_touserdata(L, i);
    if (p == NULL || !lua_getmetatable(L, i))
        return NULL;
    luaL_getmetatable(L, tname);
    if (!lua_rawequal(L, -1, -2))
        p = NULL;
    lua_pop(L, 2);
    return p;
}

static inline void luaL_setmetatable(lua_State *L, const char *tname)
{
    luaL_getmetatable(L, tname);
    lua_setmetatable(L, -2);
}
#endif

/* 5.1 keeps a userdata's user value in its environment, which must be a
 * table: "no value" is stored as a fresh one (nil reads back as an empty
 * table, so callers check for a table). */
static inline void compat_setuservalue(lua_State *L, int idx)
{
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    lua_setfenv(L, idx);
}
#define compat_getuservalue(L, idx) lua_getfenv((L), (idx))

static inline int lua_absindex(lua_State *L, int idx)
{
    return (idx > 0 || idx <= LUA_REGISTRYINDEX) ? idx : lua_gettop(L) + idx + 1;
}

#elif LUA_VERSION_NUM < 504
/* Lua 5.2 and 5.3 */
#define compat_setuservalue(L, idx) lua_setuservalue((L), (idx))
#define compat_getuservalue(L, idx) lua_getuservalue((L), (idx))
#endif /* version switch */

#if LUA_VERSION_NUM < 504
/* Before 5.4 a userdata has one user value, with no index argument: one is
 * all the core needs. */
static inline void *lua_newuserdatauv(lua_State *L, size_t size, int nuv)
{
    (void)nuv;
    return lua_newuserdata(L, size);
}

static inline int lua_getiuservalue(lua_State *L, int idx, int n)
{
    (void)n;
    compat_getuservalue(L, idx);
    return lua_type(L, -1);
}

static inline int lua_setiuservalue(lua_State *L, int idx, int n)
{
    (void)n;
    compat_setuservalue(L, idx);
    return 1;
}
#endif

#if LUA_VERSION_NUM < 503
/* No integer subtype: an integer is a number with no fraction, and a
 * pushed integer a double (exact to 2^53). */
static inline int compat_isinteger(lua_State *L, int idx)
{
    lua_Number n;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, idx);
    return n == (lua_Number)(long long)n;
}
#define lua_isinteger(L, i) compat_isinteger((L), (i))
#define lua_pushinteger_ll(L, n) lua_pushnumber((L), (lua_Number)(n))
#endif

#ifndef lua_pushinteger_ll
/* 5.3+ have 64-bit integers. */
#define lua_pushinteger_ll(L, n) lua_pushinteger((L), (lua_Integer)(n))
#endif

#endif /* SIGNALS_COMPAT_H */

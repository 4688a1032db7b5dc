/*
 * Class definitions (class.h).
 */
#include "class.h"

void sig_class_define(lua_State *L, const sig_class *c)
{
    int mt, tables = 0;

    luaL_newmetatable(L, c->name);
    mt = lua_gettop(L);
    /* 5.3 and later set __name themselves; sig_class_raise reads it. */
    lua_pushstring(L, c->name);
    lua_setfield(L, mt, "__name");
    if (c->hidden) {
        lua_pushstring(L, c->name);
        lua_setfield(L, mt, "__metatable");
    }
    /* The upvalues (class.h): the metatable's address and the metatable,
     * then the method tables, whose functions have the first two. */
    lua_pushlightuserdata(L, (void *)lua_topointer(L, mt));
    lua_pushvalue(L, mt);
    for (; tables < SIG_CLASS_MAX_METHOD_TABLES && c->methods[tables] != NULL; tables++) {
        lua_newtable(L);
        lua_pushvalue(L, mt + 1);
        lua_pushvalue(L, mt);
        luaL_setfuncs(L, c->methods[tables], 2);
    }
    if (tables > 0) {
        /* The default __index, which meta's own replaces. */
        lua_pushvalue(L, mt + 3);
        lua_setfield(L, mt, "__index");
    }
    if (c->meta != NULL)
        luaL_setfuncs(L, c->meta, 2 + tables); /* pops the upvalues */
    else
        lua_pop(L, 2 + tables);
    lua_pop(L, 1);
}

void sig_class_raise(lua_State *L, int idx)
{
    const char *name;

    lua_getfield(L, SIG_CLASS_MT, "__name");
    name = lua_tostring(L, -1);
    luaL_argerror(L, idx, lua_pushfstring(L, "%s expected, got %s", name != NULL ? name : "?",
                                          luaL_typename(L, idx)));
}

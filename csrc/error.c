/*
 * Error userdata. The fields live in a plain table held as the user value:
 * errors are built from Lua values (the HTTP layer's table, a failed
 * signal), so there is nothing to keep in C.
 */
#include <string.h>

#include "class.h"
#include "core.h"
#include "error.h"
#include "json_lua.h"
#include "text.h"

static const char *const kinds[] = {
    "network", "timeout", "http", "decode", "invalid_request", "signal", "spend_limit", NULL
};

/* Used when a message is missing, by index in kinds. */
static const char *const default_messages[] = {
    "network error", "request timed out", "HTTP error",
    "could not decode the response", "invalid request", "signal failed",
    "spend limit reached"
};

/* Pushes a shallow copy of the table at idx (raw: what was stored). */
static void push_copy(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

static int kind_index(lua_State *L, int t)
{
    const char *kind;
    int i;

    lua_getfield(L, t, "kind");
    kind = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    for (i = 0; kind != NULL && kinds[i] != NULL; i++) {
        if (strcmp(kind, kinds[i]) == 0) {
            lua_pop(L, 1);
            return i;
        }
    }
    return luaL_error(L, "error kind must be network, timeout, http, decode, "
                      "invalid_request, signal or spend_limit, not %s",
                      kind != NULL ? kind : luaL_typename(L, -1));
}

static void set_message(lua_State *L, int t, int kind)
{
    int type;

    lua_getfield(L, t, "message");
    type = lua_type(L, -1);
    if (type == LUA_TNUMBER || (type == LUA_TSTRING && lua_rawlen(L, -1) > 0)) {
        lua_tostring(L, -1); /* a number becomes its text in place */
    } else if (type == LUA_TNIL || type == LUA_TSTRING) {
        lua_pop(L, 1);
        lua_getfield(L, t, "status");
        if (strcmp(kinds[kind], "http") == 0 && lua_type(L, -1) == LUA_TNUMBER) {
            sig_json_push_number(L, lua_tonumber(L, -1));
            lua_pushfstring(L, "HTTP %s", lua_tostring(L, -1));
            lua_replace(L, -3);
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, default_messages[kind]);
        }
    } else {
        luaL_error(L, "error message must be a string, not %s", luaL_typename(L, -1));
    }
    lua_setfield(L, t, "message");
}

void sig_error_push(lua_State *L, int idx)
{
    int t, kind;

    push_copy(L, idx);
    t = lua_gettop(L);
    kind = kind_index(L, t);
    set_message(L, t, kind);
    lua_getfield(L, t, "retryable");
    lua_pushboolean(L, lua_toboolean(L, -1));
    lua_setfield(L, t, "retryable");
    lua_pop(L, 1);

    lua_newuserdatauv(L, 0, 1);
    luaL_setmetatable(L, SIG_ERROR_MT);
    lua_pushvalue(L, t);
    lua_setiuservalue(L, -2, 1);
    lua_remove(L, t);
}

static int error_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    sig_error_push(L, 1);
    return 1;
}

static int error_totable(lua_State *L)
{
    sig_class_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    push_copy(L, -1);
    return 1;
}

static int error_index(lua_State *L)
{
    sig_class_check(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, SIG_CLASS_METHODS(0));
    if (!lua_isnil(L, -1))
        return 1;
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

/* The field's text at slot i, or NULL unless a string or a number; numbers
 * print as integers when integral (a status of 404.0 is "404"). */
static const char *field_text(lua_State *L, int i, size_t *len)
{
    if (lua_type(L, i) == LUA_TNUMBER) {
        sig_json_push_number(L, lua_tonumber(L, i));
        lua_replace(L, i);
    } else if (lua_type(L, i) != LUA_TSTRING) {
        return NULL;
    }
    return lua_tolstring(L, i, len);
}

/* <kind>[ <status>][ <code>]: <message>[ (request <request_id>)] */
static int error_tostring(lua_State *L)
{
    static const char *const names[] = { "kind", "status", "code", "message", "request_id" };
    static const char *const before[] = { "", " ", " ", ": ", " (request " };
    const char *text[5];
    size_t len[5];
    luaL_Buffer b;
    int i, t;

    sig_class_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    t = lua_gettop(L);
    for (i = 0; i < 5; i++) {
        lua_getfield(L, t, names[i]);
        text[i] = field_text(L, t + 1 + i, &len[i]);
    }
    luaL_buffinit(L, &b);
    for (i = 0; i < 5; i++) {
        if (text[i] == NULL)
            continue;
        luaL_addstring(&b, before[i]);
        sig_text_add(&b, text[i], len[i], SIG_TEXT_ALL);
    }
    if (text[4] != NULL)
        luaL_addchar(&b, ')');
    luaL_pushresult(&b);
    return 1;
}

void sig_error_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "totable", error_totable },
        { NULL, NULL }
    };
    static const luaL_Reg meta[] = {
        { "__index", error_index },
        { "__tostring", error_tostring },
        { NULL, NULL }
    };
    static const sig_class error_class = { SIG_ERROR_MT, meta, { methods, NULL }, 0 };

    sig_class_define(L, &error_class);

    lua_pushcfunction(L, error_new);
    lua_setfield(L, -2, "error");
}

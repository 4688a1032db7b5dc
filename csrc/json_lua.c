/*
 * cJSON values as Lua values and as text. The tree being converted belongs
 * to a doc that something on the Lua side keeps alive, so a memory error
 * raised halfway through leaves only garbage tables behind.
 */
#include <string.h>

#include "json_lua.h"

/* Owns a printed text while it is copied into a Lua string. */
#define SIG_TEXT_MT "signals.jsontext"

/* Below 2^53 every integer is exact in a double, so the conversion is
 * lossless and 1, 2.0 and 2e0 all read back as Lua integers. */
#define SIG_EXACT_INT 9007199254740992.0

const cJSON *sig_json_field(const cJSON *object, const char *name)
{
    const cJSON *child;

    if (!sig_json_is(object, cJSON_Object))
        return NULL;
    /* cJSON_GetObjectItemCaseSensitive, with the first bytes compared
     * before a call to strcmp: most members differ there. */
    cJSON_ArrayForEach(child, object) {
        if (child->string != NULL && child->string[0] == name[0] && strcmp(child->string, name) == 0)
            return child;
    }
    return NULL;
}

const char *sig_json_string(const cJSON *object, const char *name)
{
    const cJSON *item = sig_json_field(object, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

const char *sig_json_typename(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return "object";
    if (cJSON_IsArray(item))
        return "array";
    if (cJSON_IsString(item))
        return "string";
    if (cJSON_IsNumber(item))
        return "number";
    if (cJSON_IsBool(item))
        return "boolean";
    return "null";
}

void sig_json_push_number(lua_State *L, double d)
{
    if (d >= -SIG_EXACT_INT && d <= SIG_EXACT_INT && d == (double)(long long)d)
        lua_pushinteger_ll(L, (long long)d);
    else
        lua_pushnumber(L, (lua_Number)d);
}

/* lua_pushstring also looks the pointer up in a cache of recent strings
 * (two strcmp calls), which never hits for strings of a fresh tree. */
static void push_c_string(lua_State *L, const char *s)
{
    lua_pushlstring(L, s, strlen(s));
}

/* One level of a table uses at most four slots, checked where a level
 * begins (a C function has room for a scalar anyway); the parser caps the
 * depth at CJSON_NESTING_LIMIT, so the C recursion is bounded too. */
static void check_stack(lua_State *L)
{
    luaL_checkstack(L, 4, "JSON nested too deeply");
}

static void push_array(lua_State *L, const cJSON *array)
{
    const cJSON *child;
    int i = 0;

    check_stack(L);
    lua_createtable(L, cJSON_GetArraySize(array), 0);
    cJSON_ArrayForEach(child, array) {
        sig_json_push(L, child);
        lua_rawseti(L, -2, ++i);
    }
}

/* Members are set last to first, so that of duplicate keys the first is
 * set last and stays, without a lookup before every member (cJSON links
 * the first child's prev to the last one). */
static void push_object(lua_State *L, const cJSON *object)
{
    const cJSON *first = object->child, *child;

    check_stack(L);
    lua_createtable(L, 0, cJSON_GetArraySize(object));
    if (first == NULL)
        return;
    child = first;
    do {
        child = child->prev;
        push_c_string(L, child->string);
        sig_json_push(L, child);
        lua_rawset(L, -3);
    } while (child != first);
}

void sig_json_push(lua_State *L, const cJSON *item)
{
    switch (item->type & 0xFF) {
    case cJSON_Object:
        push_object(L, item);
        break;
    case cJSON_Array:
        push_array(L, item);
        break;
    case cJSON_String:
        push_c_string(L, item->valuestring);
        break;
    case cJSON_Number:
        sig_json_push_number(L, item->valuedouble);
        break;
    case cJSON_True:
    case cJSON_False:
        lua_pushboolean(L, (item->type & 0xFF) == cJSON_True);
        break;
    default:
        lua_pushlightuserdata(L, NULL);
    }
}

static int text_gc(lua_State *L)
{
    char **text = lua_touserdata(L, 1);
    cJSON_free(*text);
    *text = NULL;
    return 0;
}

void sig_json_push_text(lua_State *L, const cJSON *item)
{
    char **text = lua_newuserdatauv(L, sizeof *text, 0);

    *text = NULL;
    luaL_setmetatable(L, SIG_TEXT_MT);
    *text = cJSON_PrintUnformatted(item);
    if (*text == NULL)
        luaL_error(L, "not enough memory");
    lua_pushstring(L, *text);
    cJSON_free(*text);
    *text = NULL;
    lua_remove(L, -2);
}

void sig_json_init(lua_State *L)
{
    luaL_newmetatable(L, SIG_TEXT_MT);
    lua_pushcfunction(L, text_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

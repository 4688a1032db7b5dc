/*
 * cJSON values as Lua values and as text. The tree being converted belongs
 * to a doc that something on the Lua side keeps alive, so a memory error
 * raised halfway through leaves only garbage tables behind.
 */
#include <string.h>

#include "buffer.h"
#include "json_lua.h"
#include "json_write.h"

/* Below 2^53 every integer is exact in a double, so the conversion is
 * lossless and 1, 2.0 and 2e0 all read back as Lua integers. */
#define SIG_EXACT_INT 9007199254740992.0

const cJSON *sig_json_member(const cJSON *object, const char *name, size_t len)
{
    const cJSON *child;

    if (!sig_json_is(object, cJSON_Object))
        return NULL;
    /* cJSON_GetObjectItemCaseSensitive, by length: the first bytes and the
     * lengths are compared before a call to memcmp, most members differ
     * there. */
    cJSON_ArrayForEach(child, object) {
        if (sig_json_key_len(child) == len && (len == 0 || child->string[0] == name[0])
            && memcmp(child->string, name, len) == 0)
            return child;
    }
    return NULL;
}

const cJSON *sig_json_field(const cJSON *object, const char *name)
{
    return sig_json_member(object, name, strlen(name));
}

const char *sig_json_lstring(const cJSON *object, const char *name, size_t *len)
{
    const cJSON *item = sig_json_field(object, name);

    if (!sig_json_is(item, cJSON_String))
        return NULL;
    if (len != NULL)
        *len = sig_json_len(item);
    return item->valuestring;
}

const char *sig_json_string(const cJSON *object, const char *name)
{
    return sig_json_lstring(object, name, NULL);
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

/* Room on the Lua stack for this many levels of tables at once: each uses
 * at most four slots. Checked every LEVELS_CHECKED levels rather than at
 * every table (a C function has room for a few anyway); the parser caps
 * the depth at CJSON_NESTING_LIMIT, so the C recursion is bounded too. */
#define LEVELS_CHECKED 8

static void push_value(lua_State *L, const cJSON *item, int depth);

static void push_array(lua_State *L, const cJSON *array, int depth)
{
    const cJSON *child;
    int i = 0;

    lua_createtable(L, sig_json_size(array), 0);
    cJSON_ArrayForEach(child, array) {
        push_value(L, child, depth);
        lua_rawseti(L, -2, ++i);
    }
}

/* Members are set last to first, so that of duplicate keys the first is
 * set last and stays, without a lookup before every member (cJSON links
 * the first child's prev to the last one). */
static void push_object(lua_State *L, const cJSON *object, int depth)
{
    const cJSON *first = object->child, *child;

    lua_createtable(L, 0, sig_json_size(object));
    if (first == NULL)
        return;
    child = first;
    do {
        child = child->prev;
        sig_json_push_key(L, child);
        push_value(L, child, depth);
        lua_rawset(L, -3);
    } while (child != first);
}

static void push_value(lua_State *L, const cJSON *item, int depth)
{
    switch (item->type & 0xFF) {
    case cJSON_Object:
    case cJSON_Array:
        if (depth % LEVELS_CHECKED == 0)
            luaL_checkstack(L, 4 * LEVELS_CHECKED, "JSON nested too deeply");
        if ((item->type & 0xFF) == cJSON_Object)
            push_object(L, item, depth + 1);
        else
            push_array(L, item, depth + 1);
        break;
    case cJSON_String:
        lua_pushlstring(L, item->valuestring, sig_json_len(item));
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

void sig_json_push(lua_State *L, const cJSON *item)
{
    push_value(L, item, 0);
}

void sig_json_push_text(lua_State *L, const cJSON *item)
{
    /* In a userdata: a memory error raised by Lua cannot leak it. */
    struct sig_buf *text = sig_buf_new(L);

    if (!sig_jw_tree(text, item))
        luaL_error(L, "not enough memory");
    lua_pushlstring(L, text->data, text->len);
    sig_buf_free(text);
    lua_remove(L, -2);
}

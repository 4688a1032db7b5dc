/*
 * cJSON values of a parsed tree (json_tree.h) as Lua values: the one
 * converter used by object fields, totable, page envelopes, answers and
 * error details. Every node given to these functions is of a tree made by
 * sig_json_parse: strings and keys are read with the lengths kept beside
 * their nodes, so that they reach Lua whole, NUL bytes included.
 */
#ifndef SIGNALS_JSON_LUA_H
#define SIGNALS_JSON_LUA_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "json_tree.h"

/*
 * Pushes item as a Lua value, deeply: objects and arrays become fresh plain
 * tables, JSON null the light userdata NULL (core.null), strings their bytes
 * unchanged (invalid UTF-8 included), numbers as sig_json_push_number does.
 * Of duplicate keys the first wins, as in sig_json_field.
 */
void sig_json_push(lua_State *L, const cJSON *item);

/* An integral value within +-2^53 (where a double is exact) becomes a Lua
 * integer, anything else a float (1e400 is inf). */
void sig_json_push_number(lua_State *L, double d);

/* Pushes item's key (a member of an object) as a Lua string. */
static inline void sig_json_push_key(lua_State *L, const cJSON *item)
{
    lua_pushlstring(L, item->string, sig_json_key_len(item));
}

/* Pushes the compact JSON text of item (sig_jw_tree). */
void sig_json_push_text(lua_State *L, const cJSON *item);

/* The member of object whose key is name[0..len), or NULL (also when object
 * is not a JSON object). The API does not send duplicate keys; if a body
 * does, the first one is the one every lookup and conversion sees. */
const cJSON *sig_json_member(const cJSON *object, const char *name, size_t len);

/* sig_json_member for a C string. */
const cJSON *sig_json_field(const cJSON *object, const char *name);

/* The member's string and its length in *len (len may be NULL), or NULL
 * when absent or not a string. The string is NUL-terminated, but may hold
 * NUL bytes before *len. */
const char *sig_json_lstring(const cJSON *object, const char *name, size_t *len);

/* The member's string as a C string (up to a NUL byte it may hold), or NULL. */
const char *sig_json_string(const cJSON *object, const char *name);

/* cJSON_IsObject(item) and the like, inline: these tests run for every
 * value converted. item may be NULL. */
static inline int sig_json_is(const cJSON *item, int type)
{
    return item != NULL && (item->type & 0xFF) == type;
}

/* cJSON_GetArraySize, inline: it runs for every table converted. */
static inline int sig_json_size(const cJSON *item)
{
    const cJSON *child;
    int n = 0;

    for (child = item->child; child != NULL; child = child->next)
        n++;
    return n;
}

/* "object", "array", "string", "number", "boolean" or "null". */
const char *sig_json_typename(const cJSON *item);

#endif

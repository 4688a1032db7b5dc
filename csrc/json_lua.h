/*
 * cJSON values as Lua values: the one converter used by object fields,
 * totable, page envelopes, answers and error details.
 */
#ifndef SIGNALS_JSON_LUA_H
#define SIGNALS_JSON_LUA_H

#include <cjson/cJSON.h>

#include "compat.h"

void sig_json_init(lua_State *L);

/*
 * Pushes item as a Lua value, deeply: objects and arrays become fresh plain
 * tables, JSON null the light userdata NULL (core.null), strings their bytes
 * unchanged (invalid UTF-8 included; cJSON keeps C strings, so a \u0000
 * escape ends one), numbers as sig_json_push_number does. Of duplicate keys
 * the first wins, as in sig_json_field.
 */
void sig_json_push(lua_State *L, const cJSON *item);

/* An integral value within +-2^53 (where a double is exact) becomes a Lua
 * integer, anything else a float (1e400 is inf). */
void sig_json_push_number(lua_State *L, double d);

/* Pushes the compact JSON text of item. */
void sig_json_push_text(lua_State *L, const cJSON *item);

/* The member called name of object, or NULL (also when object is not a JSON
 * object). The API does not send duplicate keys; if a body does, the first
 * one is the one every lookup and conversion sees. */
const cJSON *sig_json_field(const cJSON *object, const char *name);

/* The member's string, or NULL when absent or not a string. */
const char *sig_json_string(const cJSON *object, const char *name);

/* cJSON_IsObject(item) and the like, inline: these tests run for every
 * value converted. item may be NULL. */
static inline int sig_json_is(const cJSON *item, int type)
{
    return item != NULL && (item->type & 0xFF) == type;
}

/* "object", "array", "string", "number", "boolean" or "null". */
const char *sig_json_typename(const cJSON *item);

#endif

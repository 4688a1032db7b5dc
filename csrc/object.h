/*
 * Objects: a signal, a contact research, a contact or any other API object,
 * as a userdata reading its fields from the shared parsed document.
 */
#ifndef SIGNALS_OBJECT_H
#define SIGNALS_OBJECT_H

#include "doc.h"

enum sig_kind {
    SIG_KIND_SIGNAL,
    SIG_KIND_CONTACT_RESEARCH,
    SIG_KIND_CONTACT,
    SIG_KIND_OBJECT
};

/* Indexed by enum sig_kind, NULL-terminated (for luaL_checkoption). */
extern const char *const sig_kind_names[];

void sig_object_init(lua_State *L);

/* Pushes an object of kind for node, which must belong to doc. */
void sig_object_push(lua_State *L, sig_doc *doc, const cJSON *node, int kind);

/* Pushes a Lua array of array's elements: JSON objects as objects of kind,
 * anything else as plain values. */
void sig_object_push_array(lua_State *L, sig_doc *doc, const cJSON *array, int kind);

/* The kind's name if the value at idx is an object, else NULL. */
const char *sig_object_kind(lua_State *L, int idx);

/*
 * The field cache of objects and pages: a table in the userdata's user
 * value, created on first use (*cached records that it exists: on 5.1 an
 * unset user value reads as the globals table, not nil). ud and key are
 * absolute stack indices.
 */
/* Pushes the value cached under key and returns 1, or pushes nothing and
 * returns 0. */
int sig_cache_get(lua_State *L, int ud, int cached, int key);
/* Caches the value on top of the stack under key, leaving it on top. */
void sig_cache_set(lua_State *L, int ud, int *cached, int key);

/* Pushes node's member called name (the string at key, which holds no NUL),
 * cached, and returns 1; returns 0 and pushes nothing when there is no
 * such member. */
int sig_field_push(lua_State *L, int ud, int *cached, const cJSON *node, int key,
                   const char *name);

/*
 * answer.c: the node holding a signal's answer, unwrapped from its typed
 * envelope (API §4.1), or NULL when there is none (no answer, a JSON null
 * answer, or a null value).
 */
const cJSON *sig_answer_node(const cJSON *signal);

#endif

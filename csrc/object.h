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

/* Pushes an object of kind for node, which must belong to the doc whose
 * table (doc.h) is at doc_table. */
void sig_object_push(lua_State *L, int doc_table, const cJSON *node, int kind);

/* Pushes a Lua array of array's elements: JSON objects as objects of kind,
 * anything else as plain values. */
void sig_object_push_array(lua_State *L, int doc_table, const cJSON *array, int kind);

/* The kind's name if the value at idx is an object, else NULL. */
const char *sig_object_kind(lua_State *L, int idx);

/* Pushes node's member called name[0..len), converted (once by doc, that
 * of the userdata at ud, when it is a table), and returns 1; returns 0 and
 * pushes nothing when there is no such member. */
int sig_field_push(lua_State *L, int ud, sig_doc *doc, const cJSON *node, const char *name,
                   size_t len);

/*
 * answer.c: the node holding a signal's answer, unwrapped from its typed
 * envelope (API-NOTES §4.1), or NULL when there is none (no answer, a JSON null
 * answer, or a null value).
 */
const cJSON *sig_answer_node(const cJSON *signal);

#endif

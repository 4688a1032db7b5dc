/*
 * The parsed document: one tree per response body (json_tree.h), shared by
 * every object and page decoded from it, freed when the last of them is
 * collected.
 */
#ifndef SIGNALS_DOC_H
#define SIGNALS_DOC_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "json_tree.h"

/*
 * A plain reference count rather than a doc userdata that every object
 * points to from its user value: on Lua 5.1 an object has one user value
 * (its environment table), so referencing a doc userdata from it would cost
 * a table per object up front, while the field cache it also has to hold is
 * created only when a field is first read. Here an object is one userdata
 * holding a pointer and the doc is one malloc'd struct. A lua_State is used
 * by one thread at a time, so the count needs no atomics.
 */
typedef struct sig_doc {
    cJSON *root;        /* tree.root: read-only, never given to cJSON_Delete */
    size_t refs;
    sig_json_tree tree;
} sig_doc;

void sig_doc_init(lua_State *L);

/*
 * Parses body[0..len) as one JSON value followed by nothing but whitespace.
 * On success pushes a holder userdata that keeps a reference to the doc
 * (so that the tree is freed by the collector if anything raises before an
 * object takes its own reference) and returns the doc; on failure pushes an
 * error message and returns NULL.
 */
sig_doc *sig_doc_parse(lua_State *L, const char *body, size_t len);

/* Drops the holder's reference now (the holder is at idx), so that a tree no
 * object kept is freed at once rather than at the next collection. */
void sig_doc_unhold(lua_State *L, int idx);

void sig_doc_retain(sig_doc *doc);
void sig_doc_release(sig_doc *doc);

#endif

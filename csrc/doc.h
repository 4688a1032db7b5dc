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
 * The doc is a userdata (the holder) with a finalizer that frees the tree.
 * Objects and pages keep it through their one user value, the doc's table:
 * the holder at [1], and the tables converted from the tree, cached under
 * their node (light userdata), so that a table field is the same table on
 * every read. A finalizer per object (a reference count given back by
 * each) made the collector slow to reclaim trees: it runs a few finalizers
 * per step, and with 25 objects a page garbage trees piled up by the
 * hundred while paging. One table per doc, shared, also works alike on
 * every Lua version (on 5.1 a user value must be a table).
 */
typedef struct sig_doc {
    cJSON *root;        /* tree.root; NULL once the tree is freed */
    sig_json_tree tree;
    sig_json_spare *spare; /* the state's, where the tree's memory goes back */
    int used;           /* an object or page was made from it */
    int slots;          /* taken in the doc's table (the holder's included) */
} sig_doc;

void sig_doc_init(lua_State *L);

/*
 * Parses body[0..len) (followed by a NUL, as a Lua string is) as one JSON
 * value followed by nothing but whitespace. On success pushes the doc's
 * table and returns the doc; on failure pushes an error message and
 * returns NULL.
 */
sig_doc *sig_doc_parse(lua_State *L, const char *body, size_t len);

/* Done making things from the doc whose table is at idx: frees its tree at
 * once if nothing was made from it (else the collector frees it after the
 * last object or page). */
void sig_doc_unhold(lua_State *L, int idx);

/* The doc whose table is at t, from now on in use: something is being
 * made from it. */
sig_doc *sig_doc_of(lua_State *L, int t);

/* Pushes a new userdata of size bytes that keeps the doc whose table is at
 * t (which sig_doc_of has marked in use); returns its memory. */
void *sig_doc_newuserdata(lua_State *L, size_t size, int t);

/* Pushes the doc's table of the userdata at ud (made by sig_doc_newuserdata). */
void sig_doc_push_table(lua_State *L, int ud);

/*
 * Tables converted from the tree are cached in the doc's table, so that a
 * table field is the same table on every read: in its array part, under a
 * slot (an integer above 1, [1] being the holder) kept beside the node
 * (sig_json_slot, json_tree.h).
 */
/* Pushes the value cached in slot for the userdata at ud. */
void sig_cache_push(lua_State *L, int ud, int slot);
/* Caches the value on top of the stack (left there) for the userdata at
 * ud, made from doc; returns its slot. */
int sig_cache_add(lua_State *L, int ud, sig_doc *doc);

/* Raises unless the doc's tree is still there: an object reached from
 * another finalizer after its doc's was run. */
void sig_doc_raise_freed(lua_State *L);

static inline void sig_doc_check(lua_State *L, const sig_doc *doc)
{
    if (doc->root == NULL)
        sig_doc_raise_freed(L);
}

#endif

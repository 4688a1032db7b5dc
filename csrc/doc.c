/*
 * Parsed documents: parsing a body, the holder userdata that owns its tree,
 * and the doc's table through which objects and pages keep it (see doc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

#define SIG_DOC_MT "signals.doc"

static void free_tree(sig_doc *doc)
{
    sig_json_tree_free(&doc->tree);
    doc->root = NULL;
}

static int holder_gc(lua_State *L)
{
    free_tree(lua_touserdata(L, 1));
    return 0;
}

/* The holder in the doc's table at t. */
static sig_doc *doc_of_table(lua_State *L, int t)
{
    sig_doc *doc;

    lua_rawgeti(L, t, 1);
    doc = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return doc;
}

void sig_doc_unhold(lua_State *L, int idx)
{
    sig_doc *doc = doc_of_table(L, idx);
    if (!doc->used)
        free_tree(doc);
}

void sig_doc_check(lua_State *L, const sig_doc *doc)
{
    if (doc->root == NULL)
        luaL_error(L, "signals object used after it was collected");
}

void *sig_doc_newuserdata(lua_State *L, size_t size, int t, sig_doc **doc)
{
    void *p;

    t = lua_absindex(L, t);
    *doc = doc_of_table(L, t);
    (*doc)->used = 1;
    p = lua_newuserdatauv(L, size, 1);
    lua_pushvalue(L, t);
    lua_setiuservalue(L, -2, 1);
    return p;
}

void sig_doc_push_table(lua_State *L, int ud)
{
    lua_getiuservalue(L, ud, 1);
}

int sig_cache_get(lua_State *L, int ud, const void *key)
{
    lua_getiuservalue(L, ud, 1);
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    return 0;
}

void sig_cache_set(lua_State *L, int ud, const void *key)
{
    lua_getiuservalue(L, ud, 1);
    lua_pushlightuserdata(L, (void *)key);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void sig_doc_init(lua_State *L)
{
    luaL_newmetatable(L, SIG_DOC_MT);
    lua_pushcfunction(L, holder_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

/*
 * The tree lives outside Lua's allocator, so the collector cannot see it
 * grow: a loop of decodes that allocates little in Lua would let trees
 * pile up between cycles. So the text's size (a third to a quarter of the
 * tree's) is accounted as if allocated in Lua: enough for a tree to be
 * freed within a cycle or two of its last object, where its whole size
 * would make the collector run about twice as often (every cycle marks
 * the program's whole heap) for memory it cannot free any sooner. Skipped
 * when the program stopped the collector, and on plain 5.1, which cannot
 * tell whether it did.
 */
static void pace_collector(lua_State *L, size_t len)
{
#ifdef LUA_GCISRUNNING
    size_t kib = len / 1024;
    if (kib > 0 && lua_gc(L, LUA_GCISRUNNING, 0))
        lua_gc(L, LUA_GCSTEP, kib > (size_t)0x7fffffff ? 0x7fffffff : (int)kib);
#else
    (void)L;
    (void)len;
#endif
}

/* Pushes what, followed by the 1-based byte position at in the body. */
static void push_at(lua_State *L, const char *what, size_t at)
{
    char position[32];
    snprintf(position, sizeof position, "%zu", at + 1);
    lua_pushfstring(L, "%s at byte %s", what, position);
}

sig_doc *sig_doc_parse(lua_State *L, const char *body, size_t len)
{
    sig_doc *doc;
    size_t at = 0;

    lua_createtable(L, 1, 0);
    doc = lua_newuserdatauv(L, sizeof *doc, 0);
    memset(doc, 0, sizeof *doc);
    luaL_setmetatable(L, SIG_DOC_MT);
    lua_rawseti(L, -2, 1);
    if (len == 0) {
        lua_pushliteral(L, "empty body");
        goto fail;
    }
    switch (sig_json_parse(&doc->tree, body, len, &at)) {
    case SIG_JSON_OK:
        break;
    case SIG_JSON_INVALID:
        push_at(L, "invalid JSON", at);
        goto fail;
    case SIG_JSON_TRAILING:
        push_at(L, "unexpected data after the JSON value", at);
        goto fail;
    case SIG_JSON_NO_MEMORY:
        /* The holder's finalizer frees what was allocated. */
        luaL_error(L, "not enough memory");
    }
    doc->root = doc->tree.root;
    pace_collector(L, len);
    return doc;

fail:
    /* The message is pushed first: if that raises, the holder's finalizer
     * frees the tree. */
    free_tree(doc);
    lua_remove(L, -2);
    return NULL;
}

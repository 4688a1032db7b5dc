/*
 * Parsed documents: parsing a body, and the reference count that decides
 * when its tree is freed (see doc.h for why a count and not a userdata).
 */
#include <stdio.h>
#include <stdlib.h>

#include "doc.h"

#define SIG_DOC_MT "signals.doc"

void sig_doc_retain(sig_doc *doc)
{
    doc->refs++;
}

void sig_doc_release(sig_doc *doc)
{
    if (doc != NULL && --doc->refs == 0) {
        sig_json_tree_free(&doc->tree);
        free(doc);
    }
}

static int holder_gc(lua_State *L)
{
    sig_doc **holder = lua_touserdata(L, 1);
    sig_doc_release(*holder);
    *holder = NULL;
    return 0;
}

void sig_doc_unhold(lua_State *L, int idx)
{
    sig_doc **holder = luaL_checkudata(L, idx, SIG_DOC_MT);
    sig_doc_release(*holder);
    *holder = NULL;
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
    sig_doc **holder = lua_newuserdatauv(L, sizeof *holder, 0);
    sig_doc *doc;
    size_t at = 0;

    *holder = NULL;
    luaL_setmetatable(L, SIG_DOC_MT);
    doc = calloc(1, sizeof *doc);
    if (doc == NULL)
        luaL_error(L, "not enough memory");
    doc->refs = 1;
    *holder = doc;

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
        /* The holder frees what was allocated. */
        luaL_error(L, "not enough memory");
    }
    doc->root = doc->tree.root;
    pace_collector(L, len);
    return doc;

fail:
    /* The message is pushed first: if that raises, the holder still owns
     * the doc and the collector frees it. */
    sig_doc_unhold(L, -2);
    lua_remove(L, -2);
    return NULL;
}

/*
 * Parsed documents: parsing a body, the holder userdata that owns its tree,
 * and the doc's table through which objects and pages keep it (see doc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class.h"
#include "doc.h"

#define SIG_DOC_MT "signals.doc"

/* The state's spare tree memory (json_tree.h): a userdata in the registry
 * under this name, which frees it when the state closes. Finalizers still
 * to run then find nothing kept, and nothing kept from then on. */
#define SIG_SPARE "signals.spare"
#define SIG_SPARE_MT "signals.spare_memory"

/* What a collected page's tree leaves for the next ones: a few pages. */
#define SPARE_BYTES ((size_t)512 * 1024)

static void free_tree(sig_doc *doc)
{
    sig_json_tree_free(&doc->tree, doc->spare);
    doc->root = NULL;
}

static int holder_gc(lua_State *L)
{
    free_tree(sig_class_check(L, 1));
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

void sig_doc_raise_freed(lua_State *L)
{
    luaL_error(L, "signals object used after it was collected");
}

sig_doc *sig_doc_of(lua_State *L, int t)
{
    sig_doc *doc = doc_of_table(L, t);

    doc->used = 1;
    return doc;
}

void *sig_doc_newuserdata(lua_State *L, size_t size, int t)
{
    void *p;

    t = lua_absindex(L, t);
    p = lua_newuserdatauv(L, size, 1);
    lua_pushvalue(L, t);
    lua_setiuservalue(L, -2, 1);
    return p;
}

void sig_doc_push_table(lua_State *L, int ud)
{
    lua_getiuservalue(L, ud, 1);
}

void sig_cache_push(lua_State *L, int ud, int slot)
{
    lua_getiuservalue(L, ud, 1);
    lua_rawgeti(L, -1, slot);
    lua_remove(L, -2);
}

int sig_cache_add(lua_State *L, int ud, sig_doc *doc)
{
    int slot = ++doc->slots;

    lua_getiuservalue(L, ud, 1);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, slot);
    lua_pop(L, 1);
    return slot;
}

static int spare_gc(lua_State *L)
{
    sig_json_spare_free(sig_class_check(L, 1));
    return 0;
}

void sig_doc_init(lua_State *L)
{
    static const luaL_Reg holder_meta[] = { { "__gc", holder_gc }, { NULL, NULL } };
    static const luaL_Reg spare_meta[] = { { "__gc", spare_gc }, { NULL, NULL } };
    static const sig_class holder = { SIG_DOC_MT, holder_meta, { NULL }, 1 };
    static const sig_class spare_class = { SIG_SPARE_MT, spare_meta, { NULL }, 1 };
    sig_json_spare *spare;

    sig_class_define(L, &holder);
    sig_class_define(L, &spare_class);
    /* One per state for good: the docs made before the module was opened
     * again (a test runner unloads modules between files) point to it. */
    lua_getfield(L, LUA_REGISTRYINDEX, SIG_SPARE);
    if (!lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    spare = lua_newuserdatauv(L, sizeof *spare, 0);
    memset(spare, 0, sizeof *spare);
    spare->limit = SPARE_BYTES;
    luaL_setmetatable(L, SIG_SPARE_MT);
    lua_setfield(L, LUA_REGISTRYINDEX, SIG_SPARE);
}

/*
 * The tree lives outside Lua's allocator, so the collector cannot see it
 * grow: a loop of decodes that allocates little in Lua would let trees
 * pile up between cycles. So twice the text's size (about half the
 * tree's: the text and a 72-byte node for every 20 bytes or so of it) is
 * accounted as if allocated in Lua, here: enough for a tree to be freed
 * within a cycle or two of its last object, and for the collection that
 * comes due to come mostly at a decode, when the page read before it is
 * garbage. One that comes while a page is being read marks all of it and
 * keeps it a generation longer: with the text's size alone most came that
 * way, and a 25-signal page read whole cost 3% more; with the tree's
 * whole size, young collections turn into full ones as often. Skipped
 * when the program stopped the collector, and on plain 5.1, which cannot
 * tell whether it did.
 */
static void pace_collector(lua_State *L, size_t len)
{
#ifdef LUA_GCISRUNNING
    size_t kib = len / 512;
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

/* Room in a doc's table for the tables converted from a tree of that many
 * objects and arrays (doc.h): grown one entry at a time, the table would be
 * resized at every power of two. Only table fields read through objects and
 * pages are cached (a signal's answer and sources, not what is inside
 * them): about one in three at most. */
static int cache_size(size_t containers)
{
    size_t n = containers / 3;
    return n > 1024 ? 1024 : (int)n;
}

sig_doc *sig_doc_parse(lua_State *L, const char *body, size_t len)
{
    sig_doc *doc;
    size_t at = 0;

    doc = lua_newuserdatauv(L, sizeof *doc, 0);
    memset(doc, 0, sizeof *doc);
    doc->slots = 1;
    luaL_setmetatable(L, SIG_DOC_MT);
    lua_getfield(L, LUA_REGISTRYINDEX, SIG_SPARE);
    doc->spare = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (len == 0) {
        lua_pushliteral(L, "empty body");
        goto fail;
    }
    switch (sig_json_parse(&doc->tree, doc->spare, body, len, &at)) {
    case SIG_JSON_OK:
        break;
    case SIG_JSON_INVALID:
        push_at(L, "invalid JSON", at);
        goto fail;
    case SIG_JSON_TRAILING:
        push_at(L, "unexpected data after the JSON value", at);
        goto fail;
    case SIG_JSON_TOO_LARGE:
        lua_pushliteral(L, "body too large to decode (4 GiB or more)");
        goto fail;
    case SIG_JSON_NO_MEMORY:
        /* The holder's finalizer frees what was allocated. */
        luaL_error(L, "not enough memory");
    }
    doc->root = doc->tree.root;
    lua_createtable(L, 1 + cache_size(doc->tree.containers), 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
    pace_collector(L, len);
    return doc;

fail:
    /* The message is pushed first: if that raises, the holder's finalizer
     * frees the tree. */
    free_tree(doc);
    lua_remove(L, -2);
    return NULL;
}

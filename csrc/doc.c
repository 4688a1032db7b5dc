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
        cJSON_Delete(doc->root);
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

/* The tree lives outside Lua's allocator, so the collector cannot see it
 * grow: account for it as if its size (at least that of its text) had been
 * allocated in Lua, or a loop of decodes would let trees pile up between
 * cycles. Skipped when the program stopped the collector, and on plain 5.1,
 * which cannot tell whether it did. */
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

/* Pushes what, followed by the 1-based byte position of at in body. */
static void push_at(lua_State *L, const char *what, const char *body, const char *at)
{
    char position[32];
    snprintf(position, sizeof position, "%zu", (size_t)(at - body) + 1);
    lua_pushfstring(L, "%s at byte %s", what, position);
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

sig_doc *sig_doc_parse(lua_State *L, const char *body, size_t len)
{
    sig_doc **holder = lua_newuserdatauv(L, sizeof *holder, 0);
    sig_doc *doc;
    const char *end = body;
    const char *stop = body + len;

    *holder = NULL;
    luaL_setmetatable(L, SIG_DOC_MT);
    doc = malloc(sizeof *doc);
    if (doc == NULL)
        luaL_error(L, "not enough memory");
    doc->refs = 1;
    doc->root = NULL;
    *holder = doc;

    if (len == 0) {
        lua_pushliteral(L, "empty body");
        goto fail;
    }
    /* Not null-terminated mode: that one wants the terminator inside len;
     * trailing whitespace is checked below instead. */
    doc->root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (doc->root == NULL) {
        push_at(L, "invalid JSON", body, end);
        goto fail;
    }
    while (end < stop && is_json_space(*end))
        end++;
    if (end != stop) {
        push_at(L, "unexpected data after the JSON value", body, end);
        goto fail;
    }
    pace_collector(L, len);
    return doc;

fail:
    /* The message is pushed first: if that raises, the holder still owns
     * the doc and the collector frees it. */
    sig_doc_unhold(L, -2);
    lua_remove(L, -2);
    return NULL;
}

/*
 * Page userdata: the envelope's fields by name, plus the properties every
 * envelope style answers alike (items, limit, offset, count, has_more).
 * Items are objects of the same document, so they outlive the page.
 */
#include <string.h>

#include "class.h"
#include "core.h"
#include "json_lua.h"
#include "object.h"
#include "page.h"

typedef struct sig_page {
    sig_doc *doc; /* in its holder, which the page keeps alive */
    const cJSON *items;
    int kind;
    int items_slot;     /* of page.items in the doc's cache (doc.h), or 0 */
    sig_page_request req;
} sig_page;

static sig_page *check_page(lua_State *L, int idx)
{
    sig_page *p = sig_class_check(L, idx);
    sig_doc_check(L, p->doc);
    return p;
}

const cJSON *sig_page_items(const cJSON *root)
{
    const cJSON *items;

    if (cJSON_IsArray(root))
        return root;
    items = sig_json_field(root, "results");
    if (cJSON_IsArray(items))
        return items;
    items = sig_json_field(root, "items");
    return cJSON_IsArray(items) ? items : NULL;
}

void sig_page_push(lua_State *L, int doc_table, const cJSON *items, int kind,
                   const sig_page_request *req)
{
    sig_doc *doc = sig_doc_of(L, doc_table);
    sig_page *p = sig_doc_newuserdata(L, sizeof *p, doc_table);

    p->doc = doc;
    p->items = items;
    p->kind = kind;
    p->items_slot = 0;
    p->req = *req;
    luaL_setmetatable(L, SIG_PAGE_MT);
}

/* The envelope's number called name, else the request's value; returns
 * whether either is known. */
static int page_number(const sig_page *p, const char *name, double requested,
                       int given, double *out)
{
    const cJSON *item = sig_json_field(p->doc->root, name);

    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return 1;
    }
    *out = requested;
    return given;
}

static int page_offset(const sig_page *p, double *out)
{
    return page_number(p, "offset", p->req.offset, p->req.has_offset, out);
}

static int page_limit(const sig_page *p, double *out)
{
    return page_number(p, "limit", p->req.limit, p->req.has_limit, out);
}

/*
 * hasMore when the envelope says; else whether items remain before total;
 * else (a bare array, or no total) only a full page may have a successor:
 * an empty one never does, and without a known limit nothing says it is full.
 */
static int page_has_more(const sig_page *p)
{
    const cJSON *flag = sig_json_field(p->doc->root, "hasMore");
    const cJSON *total = sig_json_field(p->doc->root, "total");
    double n = sig_json_size(p->items), offset, limit;

    if (cJSON_IsBool(flag))
        return cJSON_IsTrue(flag);
    if (cJSON_IsNumber(total)) {
        if (!page_offset(p, &offset))
            offset = 0;
        return offset + n < total->valuedouble;
    }
    if (n == 0)
        return 0;
    return page_limit(p, &limit) && n >= limit;
}

/* The items array, built on first use and cached (in a slot of the
 * page's: the items node's own is for the plain table of page.results),
 * so that it is one table however often it is read. */
static int push_items(lua_State *L, sig_page *p)
{
    if (p->items_slot > 0) {
        sig_cache_push(L, 1, p->items_slot);
        return 1;
    }
    sig_doc_push_table(L, 1);
    sig_object_push_array(L, -1, p->items, p->kind);
    p->items_slot = sig_cache_add(L, 1, p->doc);
    return 1;
}

static int page_index(lua_State *L)
{
    sig_page *p = check_page(L, 1);
    size_t len;
    const char *key;
    double number;
    int plain;

    lua_pushvalue(L, 2);
    lua_rawget(L, SIG_CLASS_METHODS(0));
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    key = lua_tolstring(L, 2, &len);
    /* The page's own names hold no NUL; a key that does can only name a
     * member of the envelope. */
    plain = strlen(key) == len;
    if (plain && strcmp(key, "items") == 0)
        return push_items(L, p);
    if (plain && strcmp(key, "has_more") == 0) {
        lua_pushboolean(L, page_has_more(p));
        return 1;
    }
    if (sig_field_push(L, 1, p->doc, p->doc->root, key, len))
        return 1;
    if (!plain)
        return 0;
    /* Not in the envelope: what the request said, or what the page shows. */
    if ((strcmp(key, "limit") == 0 && page_limit(p, &number))
        || (strcmp(key, "offset") == 0 && page_offset(p, &number))) {
        sig_json_push_number(L, number);
        return 1;
    }
    if (strcmp(key, "count") == 0) {
        lua_pushinteger(L, sig_json_size(p->items));
        return 1;
    }
    return 0;
}

static int page_len(lua_State *L)
{
    lua_pushinteger(L, sig_json_size(check_page(L, 1)->items));
    return 1;
}

static int page_totable(lua_State *L)
{
    sig_json_push(L, check_page(L, 1)->doc->root);
    return 1;
}

static int page_json(lua_State *L)
{
    sig_json_push_text(L, check_page(L, 1)->doc->root);
    return 1;
}

/* Appends " <fmt with number>" to the parts being concatenated. */
static void push_number_part(lua_State *L, const char *fmt, double number)
{
    sig_json_push_number(L, number);
    lua_pushfstring(L, fmt, lua_tostring(L, -1));
    lua_remove(L, -2);
}

/* page 3 of 57 (offset 0); either part left out when unknown. */
static int page_tostring(lua_State *L)
{
    sig_page *p = check_page(L, 1);
    const cJSON *total = sig_json_field(p->doc->root, "total");
    int parts = 1;
    double offset;

    lua_pushfstring(L, "page %d", sig_json_size(p->items));
    if (cJSON_IsNumber(total)) {
        push_number_part(L, " of %s", total->valuedouble);
        parts++;
    }
    if (page_offset(p, &offset)) {
        push_number_part(L, " (offset %s)", offset);
        parts++;
    }
    lua_concat(L, parts);
    return 1;
}

void sig_page_init(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "totable", page_totable },
        { "json", page_json },
        { NULL, NULL }
    };
    static const luaL_Reg meta[] = {
        { "__index", page_index },
        { "__len", page_len },
        { "__tostring", page_tostring },
        { NULL, NULL }
    };
    static const sig_class page_class = { SIG_PAGE_MT, meta, { methods, NULL }, 0 };

    sig_class_define(L, &page_class);
}

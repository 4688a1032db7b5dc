/*
 * core.decode, core.decode_page, core.kind: response bodies into objects
 * and pages. Bad input of any kind is `nil, message`, never an error: a
 * body is data from the network.
 */
#include "body.h"
#include "core.h"
#include "doc.h"
#include "json_lua.h"
#include "object.h"
#include "page.h"

/* Parses argument 1 (a string, or a body the HTTP handle lends: body.h).
 * Returns the doc with its table on top of the stack, or NULL with nil,
 * message on top. */
static sig_doc *parse_body(lua_State *L)
{
    size_t len;
    const char *body = sig_body_check(L, 1, &len);
    sig_doc *doc = sig_doc_parse(L, body, len);

    if (doc == NULL) {
        lua_pushnil(L);
        lua_insert(L, -2);
    }
    return doc;
}

/* Replaces the doc table at idx and what is above it by nil, message. */
static int fail(lua_State *L, int idx, const char *fmt, const char *detail)
{
    sig_doc_unhold(L, idx);
    lua_settop(L, idx - 1);
    lua_pushnil(L);
    lua_pushfstring(L, fmt, detail);
    return 2;
}

/* decode(body[, kind]): an object of kind, an array of them, or nil, message */
static int decode(lua_State *L)
{
    int kind, doc_table;
    sig_doc *doc;

    sig_body_check(L, 1, NULL);
    kind = luaL_checkoption(L, 2, "object", sig_kind_names);
    lua_settop(L, 2);
    doc = parse_body(L);
    if (doc == NULL)
        return 2;
    doc_table = lua_gettop(L);
    if (cJSON_IsObject(doc->root))
        sig_object_push(L, doc_table, doc->root, kind);
    else if (cJSON_IsArray(doc->root))
        sig_object_push_array(L, doc_table, doc->root, kind);
    else
        return fail(L, doc_table, "expected a JSON object or array, got %s",
                    sig_json_typename(doc->root));
    sig_doc_unhold(L, doc_table);
    return 1;
}

/* A limit or offset argument: absent, or a number. */
static int opt_number(lua_State *L, int arg, double *out)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    *out = (double)luaL_checknumber(L, arg);
    return 1;
}

/* decode_page(body[, item_kind[, limit[, offset]]]): a page or nil, message */
static int decode_page(lua_State *L)
{
    sig_page_request req = { 0, 0, 0, 0 };
    const cJSON *items;
    int kind, doc_table;
    sig_doc *doc;

    sig_body_check(L, 1, NULL);
    kind = luaL_checkoption(L, 2, "object", sig_kind_names);
    req.has_limit = opt_number(L, 3, &req.limit);
    req.has_offset = opt_number(L, 4, &req.offset);
    lua_settop(L, 4);
    doc = parse_body(L);
    if (doc == NULL)
        return 2;
    doc_table = lua_gettop(L);
    items = sig_page_items(doc->root);
    if (items == NULL)
        return fail(L, doc_table, "expected a page (an array, or an object with a "
                    "results or items array), got %s", sig_json_typename(doc->root));
    sig_page_push(L, doc_table, items, kind, &req);
    sig_doc_unhold(L, doc_table);
    return 1;
}

static int kind(lua_State *L)
{
    const char *name;

    lua_settop(L, 1);
    name = sig_object_kind(L, 1);

    if (name == NULL && luaL_testudata(L, 1, SIG_PAGE_MT) != NULL)
        name = "page";
    else if (name == NULL && luaL_testudata(L, 1, SIG_ERROR_MT) != NULL)
        name = "error";
    if (name == NULL)
        lua_pushnil(L);
    else
        lua_pushstring(L, name);
    return 1;
}

void sig_decode_register(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "decode", decode },
        { "decode_page", decode_page },
        { "kind", kind },
        { NULL, NULL }
    };

    sig_body_init(L);
    sig_doc_init(L);
    sig_object_init(L);
    sig_page_init(L);
    luaL_setfuncs(L, functions, 0);
}

/*
 * Body views (body.h): tostring(body) and #body for what needs the body as
 * a string (hooks, error bodies, CSV), the bytes themselves for the decoder.
 */
#include "body.h"

struct sig_body {
    const struct sig_buf *buf;
    const unsigned long *serial; /* the lender's, compared with ... */
    unsigned long lent_at;       /* ... its value when the view was made */
};

void sig_body_push(lua_State *L, const struct sig_buf *buf, const unsigned long *serial, int owner)
{
    struct sig_body *b;

    owner = lua_absindex(L, owner);
    b = lua_newuserdatauv(L, sizeof *b, 1);
    b->buf = buf;
    b->serial = serial;
    b->lent_at = *serial;
    luaL_setmetatable(L, SIG_BODY_MT);
#if LUA_VERSION_NUM < 502
    /* 5.1 keeps the user value in the environment, which must be a table. */
    lua_createtable(L, 1, 0);
    lua_pushvalue(L, owner);
    lua_rawseti(L, -2, 1);
#else
    lua_pushvalue(L, owner);
#endif
    lua_setiuservalue(L, -2, 1);
}

static const char *view_bytes(lua_State *L, const struct sig_body *b, size_t *len)
{
    if (*b->serial != b->lent_at)
        luaL_error(L, "signals: a response body used after its handle moved on");
    if (len != NULL)
        *len = b->buf->len;
    return b->buf->data != NULL ? b->buf->data : "";
}

const char *sig_body_check(lua_State *L, int idx, size_t *len)
{
    const struct sig_body *b = luaL_testudata(L, idx, SIG_BODY_MT);

    /* Anything but a view as luaL_checklstring takes it. */
    return b != NULL ? view_bytes(L, b, len) : luaL_checklstring(L, idx, len);
}

static int body_text(lua_State *L)
{
    size_t len;
    const char *bytes = view_bytes(L, luaL_checkudata(L, 1, SIG_BODY_MT), &len);

    lua_pushlstring(L, bytes, len);
    return 1;
}

static int body_len(lua_State *L)
{
    size_t len;

    view_bytes(L, luaL_checkudata(L, 1, SIG_BODY_MT), &len);
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

void sig_body_init(lua_State *L)
{
    luaL_newmetatable(L, SIG_BODY_MT);
    lua_pushcfunction(L, body_text);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, body_len);
    lua_setfield(L, -2, "__len");
    lua_pop(L, 1);
}

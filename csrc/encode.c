/*
 * core.encode: a Lua value as JSON text, for request bodies. core.mark
 * records whether a table is meant as an object or an array where its
 * contents cannot say (an empty table). Bad data is answered with
 * nil, message and never raised: the tables come from user code, and the
 * message names where in them the problem is.
 */
#include <math.h>
#include <stdio.h>

#include "core.h"
#include "json_write.h"

#define MAX_DEPTH 1000
#define MARKS lua_upvalueindex(1)

/* A table being encoded. The chain of them, outermost first, finds cycles
 * and spells the path of the value an error is about. */
struct level {
    const void *table;
    int key;           /* stack index of the current object key; 0 in an array */
    lua_Integer index; /* the current array index */
};

struct encoder {
    lua_State *L;
    struct sig_buf *out;
    int depth;
    char err[200];
    struct level levels[MAX_DEPTH];
};

static int encode_value(struct encoder *e, int idx);

/* The path of the current value, "" at the top: `.name[2].other`. */
static void describe_path(struct encoder *e, char *path, size_t cap)
{
    size_t n = 0;
    int i;

    path[0] = '\0';
    for (i = 0; i < e->depth && n + 1 < cap; i++) {
        const struct level *lv = &e->levels[i];
        int w;

        if (lv->key != 0 && lua_type(e->L, lv->key) == LUA_TSTRING) {
            size_t len, j;
            const char *k = lua_tolstring(e->L, lv->key, &len);

            path[n++] = '.';
            /* Keys are user data: keep them short and printable. */
            for (j = 0; j < len && j < 40 && n + 1 < cap; j++)
                path[n++] = (k[j] >= 0x20 && k[j] < 0x7f) ? k[j] : '?';
            path[n] = '\0';
            continue;
        }
        w = snprintf(path + n, cap - n, "[%lld]",
                     (long long)(lv->key != 0 ? lua_tointeger(e->L, lv->key) : lv->index));
        if (w < 0)
            break;
        n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;
    }
}

/* Records why encoding stopped; returns 0 so that callers can `return fail(...)`. */
static int fail(struct encoder *e, const char *what)
{
    char path[120];

    describe_path(e, path, sizeof path);
    snprintf(e->err, sizeof e->err, "cannot encode %s as JSON%s%s", what,
             path[0] ? " at " : "", path);
    return 0;
}

/* Whether a write of json_write.h went well; records why not. */
static int wrote(struct encoder *e, int status)
{
    if (status == 1)
        return 1;
    if (status < 0)
        return fail(e, "a string that is not valid UTF-8");
    snprintf(e->err, sizeof e->err, "not enough memory to encode JSON");
    return 0;
}

static int put(struct encoder *e, const char *s, size_t n)
{
    return wrote(e, sig_buf_add(e->out, s, n));
}

static int encode_string(struct encoder *e, const char *s, size_t n)
{
    return wrote(e, sig_jw_string(e->out, s, n, SIG_JW_UTF8_STRICT));
}

static int encode_number(struct encoder *e, int idx)
{
    double d;

#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(e->L, idx))
        return wrote(e, sig_jw_integer(e->out, (long long)lua_tointeger(e->L, idx)));
#endif
    d = (double)lua_tonumber(e->L, idx);
    if (!isfinite(d))
        return fail(e, isnan(d) ? "NaN" : "infinity");
    return wrote(e, sig_jw_number(e->out, d));
}

static int is_array_index(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx) && lua_tointeger(L, idx) > 0;
}

/* Decides array or object from the mark and the keys; -1 after fail(). */
static int table_shape(struct encoder *e, int idx, lua_Integer *n)
{
    lua_State *L = e->L;
    lua_Integer count = 0, max = 0, strings = 0;
    int mark = 0;

    lua_pushvalue(L, idx);
    lua_rawget(L, MARKS);
    if (lua_type(L, -1) == LUA_TSTRING)
        mark = lua_tostring(L, -1)[0];
    lua_pop(L, 1);

    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
        if (lua_type(L, -1) == LUA_TSTRING) {
            strings++;
        } else if (is_array_index(L, -1)) {
            if (lua_tointeger(L, -1) > max)
                max = lua_tointeger(L, -1);
        } else {
            lua_pop(L, 1);
            fail(e, "a table with a key that is neither a string nor a positive integer");
            return -1;
        }
    }
    *n = max;
    if (mark == 'o')
        return 0;
    if (strings == 0 && count == max)
        return 1;
    if (mark == 'a') {
        fail(e, "a table marked as array whose keys are not 1..n");
        return -1;
    }
    if (strings == count)
        return 0;
    fail(e, strings ? "a table with both string and integer keys"
                    : "a sparse array (integer keys that are not 1..n)");
    return -1;
}

static int encode_array(struct encoder *e, int idx, struct level *lv, lua_Integer n)
{
    lua_State *L = e->L;

    if (!put(e, "[", 1))
        return 0;
    for (lv->index = 1; lv->index <= n; lv->index++) {
        int ok;

        if (lv->index > 1 && !put(e, ",", 1))
            return 0;
        lua_rawgeti(L, idx, lv->index);
        ok = encode_value(e, lua_gettop(L));
        lua_pop(L, 1);
        if (!ok)
            return 0;
    }
    return put(e, "]", 1);
}

static int encode_object(struct encoder *e, int idx, struct level *lv)
{
    lua_State *L = e->L;
    int first = 1;

    if (!put(e, "{", 1))
        return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int ok;

        lv->key = lua_gettop(L) - 1;
        if (!first && !put(e, ",", 1))
            return 0;
        first = 0;
        if (lua_type(L, -2) == LUA_TSTRING) {
            size_t len;
            const char *k = lua_tolstring(L, -2, &len);
            ok = encode_string(e, k, len);
        } else {
            /* An integer key of a table marked as object. */
            ok = put(e, "\"", 1) && wrote(e, sig_jw_integer(e->out, (long long)lua_tointeger(L, -2)))
                 && put(e, "\"", 1);
        }
        ok = ok && put(e, ":", 1) && encode_value(e, lua_gettop(L));
        lua_pop(L, 1);
        if (!ok)
            return 0;
    }
    return put(e, "}", 1);
}

static int encode_table(struct encoder *e, int idx)
{
    const void *self = lua_topointer(e->L, idx);
    struct level *lv;
    lua_Integer n;
    int i, shape, ok;

    for (i = 0; i < e->depth; i++)
        if (e->levels[i].table == self)
            return fail(e, "a table that contains itself");
    if (e->depth == MAX_DEPTH)
        return fail(e, "tables nested more than 1000 deep");
    if (!lua_checkstack(e->L, 4))
        return fail(e, "tables nested deeper than the Lua stack allows");
    shape = table_shape(e, idx, &n);
    if (shape < 0)
        return 0;
    lv = &e->levels[e->depth++];
    lv->table = self;
    lv->key = 0;
    lv->index = 0;
    ok = shape ? encode_array(e, idx, lv, n) : encode_object(e, idx, lv);
    if (ok)
        e->depth--;
    return ok;
}

static int encode_value(struct encoder *e, int idx)
{
    lua_State *L = e->L;
    int type = lua_type(L, idx);

    if (type == LUA_TNIL || (type == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL))
        return put(e, "null", 4);
    if (type == LUA_TBOOLEAN)
        return lua_toboolean(L, idx) ? put(e, "true", 4) : put(e, "false", 5);
    if (type == LUA_TNUMBER)
        return encode_number(e, idx);
    if (type == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return encode_string(e, s, len);
    }
    if (type == LUA_TTABLE)
        return encode_table(e, idx);
    {
        char what[48];
        snprintf(what, sizeof what, "a %s", lua_typename(L, type));
        return fail(e, what);
    }
}

static int l_encode(lua_State *L)
{
    struct encoder e;

    lua_settop(L, 1);
    e.L = L;
    e.depth = 0;
    e.err[0] = '\0';
    /* A userdata, so that a memory error raised by Lua cannot leak it. */
    e.out = sig_buf_new(L);
    if (!encode_value(&e, 1)) {
        lua_pushnil(L);
        lua_pushstring(L, e.err);
        return 2;
    }
    lua_pushlstring(L, e.out->data ? e.out->data : "", e.out->len);
    sig_buf_free(e.out);
    return 1;
}

static int l_mark(lua_State *L)
{
    static const char *const kinds[] = { "object", "array", NULL };
    int kind;

    luaL_checktype(L, 1, LUA_TTABLE);
    kind = luaL_checkoption(L, 2, NULL, kinds);
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    lua_pushstring(L, kinds[kind]);
    lua_rawset(L, MARKS);
    return 1;
}

void sig_encode_register(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        { "encode", l_encode },
        { "mark", l_mark },
        { NULL, NULL },
    };

    /* The marks: weak keys, so that marking a table does not keep it alive. */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    luaL_setfuncs(L, funcs, 1);
}

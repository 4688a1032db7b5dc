/*
 * Object userdata. An object is a pointer into its document's tree: fields
 * are converted only when read (most callers read a few fields of a signal,
 * not all of them), and a table field is cached so that it is the same
 * table on every read.
 */
#include <string.h>

#include "core.h"
#include "error.h"
#include "json_lua.h"
#include "object.h"
#include "text.h"

const char *const sig_kind_names[] = {
    "signal", "contact_research", "contact", "object", NULL
};

/*
 * An object's members by name, a small hash table built at its first field
 * read, so that a read costs a probe or two rather than a comparison with
 * every member before the one read (with all of them, for an absent one).
 * Objects with more members than INDEXED_MEMBERS are read by scanning.
 * Members go in in order and are probed for linearly: of duplicate keys,
 * which start at the same slot, the first is found first, as everywhere.
 */
#define INDEXED_MEMBERS 16
#define INDEX_SLOTS (2 * INDEXED_MEMBERS) /* a power of two */
#define LONG_KEY 255 /* the length kept for a key this long or longer */

typedef struct sig_object {
    sig_doc *doc; /* in its holder, which the object keeps alive */
    const cJSON *node;
    int kind;
    int indexed;  /* 1: the index is built; -1: too many members for one */
    unsigned char slots[INDEX_SLOTS];         /* 1 + a member's number, or 0 */
    unsigned char length[INDEXED_MEMBERS];    /* of its key, up to LONG_KEY */
    const cJSON *member[];                    /* by number */
} sig_object;

/* Bytes of API text (ids, answers) shown by tostring. */
#define SIG_SHORT 60

static sig_object *check_object(lua_State *L, int idx)
{
    sig_object *o = luaL_checkudata(L, idx, SIG_OBJECT_MT);
    sig_doc_check(L, o->doc);
    return o;
}

const char *sig_object_kind(lua_State *L, int idx)
{
    sig_object *o = luaL_testudata(L, idx, SIG_OBJECT_MT);
    return o != NULL ? sig_kind_names[o->kind] : NULL;
}

void sig_object_push(lua_State *L, int doc_table, const cJSON *node, int kind)
{
    int members = cJSON_GetArraySize(node);
    size_t room = members <= INDEXED_MEMBERS ? (size_t)members : 0;
    sig_doc *doc;
    sig_object *o = sig_doc_newuserdata(L, sizeof *o + room * sizeof o->member[0], doc_table, &doc);

    o->doc = doc;
    o->node = node;
    o->kind = kind;
    o->indexed = members <= INDEXED_MEMBERS ? 0 : -1;
    luaL_setmetatable(L, SIG_OBJECT_MT);
}

/* The index slot where a name of len bytes is looked for first. */
static unsigned slot_of(const char *name, size_t len)
{
    unsigned last = len > 0 ? (unsigned char)name[len - 1] : 0;

    return ((unsigned)len * 5u ^ (unsigned char)name[0] ^ last << 2) & (INDEX_SLOTS - 1);
}

static void build_index(sig_object *o)
{
    const cJSON *child;
    unsigned char n = 0;

    memset(o->slots, 0, sizeof o->slots);
    cJSON_ArrayForEach(child, o->node) {
        size_t len = strlen(child->string);
        unsigned h = slot_of(child->string, len);

        while (o->slots[h] != 0)
            h = (h + 1) & (INDEX_SLOTS - 1);
        o->member[n] = child;
        o->length[n] = (unsigned char)(len < LONG_KEY ? len : LONG_KEY);
        o->slots[h] = ++n;
    }
    o->indexed = 1;
}

/* o's member called name (a Lua string of len bytes), or NULL. A name with
 * a NUL in it names no member (keys are C strings): lengths and bytes
 * compared show it, strcmp would stop at the NUL. */
static const cJSON *member_of(sig_object *o, const char *name, size_t len)
{
    unsigned h, i;

    if (o->indexed < 0 || len >= LONG_KEY)
        return strlen(name) == len ? sig_json_field(o->node, name) : NULL;
    if (o->indexed == 0)
        build_index(o);
    for (h = slot_of(name, len); (i = o->slots[h]) != 0; h = (h + 1) & (INDEX_SLOTS - 1)) {
        const cJSON *m = o->member[--i];
        if (o->length[i] == len && memcmp(m->string, name, len) == 0)
            return m;
    }
    return NULL;
}

void sig_object_push_array(lua_State *L, int doc_table, const cJSON *array, int kind)
{
    const cJSON *child;
    int i = 0;

    doc_table = lua_absindex(L, doc_table);
    lua_createtable(L, cJSON_GetArraySize(array), 0);
    cJSON_ArrayForEach(child, array) {
        if (sig_json_is(child, cJSON_Object))
            sig_object_push(L, doc_table, child, kind);
        else
            sig_json_push(L, child);
        lua_rawseti(L, -2, ++i);
    }
}

/* Pushes item, a member of the object or page at ud (made from doc). */
static void push_member(lua_State *L, int ud, sig_doc *doc, const cJSON *item)
{
    /* Only tables are cached (a table field must be the same table on every
     * read); other values cost less to convert again than to cache. The
     * tree is the doc's own: its nodes' valueint may be written (doc.h). */
    if (!sig_json_is(item, cJSON_Object) && !sig_json_is(item, cJSON_Array)) {
        sig_json_push(L, item);
    } else if (item->valueint > 0) {
        sig_cache_push(L, ud, item->valueint);
    } else {
        sig_json_push(L, item);
        ((cJSON *)item)->valueint = sig_cache_add(L, ud, doc);
    }
}

int sig_field_push(lua_State *L, int ud, sig_doc *doc, const cJSON *node, const char *name)
{
    const cJSON *item = sig_json_field(node, name);

    if (item == NULL)
        return 0;
    push_member(L, ud, doc, item);
    return 1;
}

/* Whether a name starting with c may be a method's: most field names are
 * known not to be without a lookup in the method tables. These are the
 * initials of the methods of sig_object_init, which checks them. */
static int may_be_method(char c)
{
    return c == 'f' || c == 'j' || c == 't' || c == 'v';
}

/* The method tables of the kinds are the upvalues of the __index. */
#define METHODS_UPVALUE(kind) ((kind) + 1)

/* Raises (at load: a programming error) unless may_be_method knows the
 * methods of regs (may be NULL). */
static void check_initials(lua_State *L, const luaL_Reg *regs)
{
    for (; regs != NULL && regs->name != NULL; regs++)
        if (!may_be_method(regs->name[0]))
            luaL_error(L, "signals: may_be_method misses %s", regs->name);
}

/* The objects' __index. Only the VM calls it, with an object: the
 * metatable is hidden (__metatable), and reading a field is what objects
 * are for, so it takes the object unchecked. */
static int object_index(lua_State *L)
{
    sig_object *o = lua_touserdata(L, 1);
    const cJSON *item;
    const char *name;
    size_t len;

    sig_doc_check(L, o->doc);
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    name = lua_tolstring(L, 2, &len);
    /* Methods first. What is pushed stays below the result, which is
     * returned from the top. */
    if (may_be_method(name[0])) {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(METHODS_UPVALUE(o->kind)));
        if (!lua_isnil(L, -1))
            return 1;
    }
    item = member_of(o, name, len);
    if (item == NULL)
        return 0;
    push_member(L, 1, o->doc, item);
    return 1;
}

static int object_totable(lua_State *L)
{
    sig_json_push(L, check_object(L, 1)->node);
    return 1;
}

static int object_json(lua_State *L)
{
    sig_json_push_text(L, check_object(L, 1)->node);
    return 1;
}

static int object_value(lua_State *L)
{
    const cJSON *answer = sig_answer_node(check_object(L, 1)->node);
    if (answer == NULL)
        lua_pushnil(L);
    else
        sig_json_push(L, answer);
    return 1;
}

/* A failed signal or research as an error of kind "signal" (DESIGN §5). */
static int object_failure(lua_State *L)
{
    sig_object *o = check_object(L, 1);
    const char *status = sig_json_string(o->node, "status");
    const char *message = sig_json_string(o->node, "error");
    const char *code = sig_json_string(o->node, "errorCode");

    if (status == NULL || strcmp(status, "failed") != 0) {
        lua_pushnil(L);
        return 1;
    }
    if (message == NULL || *message == '\0')
        message = o->kind == SIG_KIND_SIGNAL ? "signal failed" : "contact research failed";
    lua_createtable(L, 0, 5);
    lua_pushliteral(L, "signal");
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
    if (code != NULL) {
        lua_pushstring(L, code);
        lua_setfield(L, -2, "code");
    }
    lua_pushboolean(L, cJSON_IsTrue(sig_json_field(o->node, "retryable")));
    lua_setfield(L, -2, "retryable");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "signal");
    sig_error_push(L, -1);
    return 1;
}

/* Appends sep and s, clipped, when s is given. */
static void add_part(luaL_Buffer *b, const char *sep, const char *s)
{
    if (s == NULL)
        return;
    luaL_addstring(b, sep);
    sig_text_add(b, s, strlen(s), SIG_SHORT);
}

/* object {id=...}, or the first member names when there is no id. */
static void add_summary(luaL_Buffer *b, const cJSON *node)
{
    const char *id = sig_json_string(node, "id");
    const cJSON *child;
    int shown = 0;

    luaL_addstring(b, " {");
    if (id != NULL) {
        add_part(b, "id=", id);
    } else if (cJSON_IsObject(node)) {
        cJSON_ArrayForEach(child, node) {
            if (shown == 3) {
                luaL_addstring(b, ", ...");
                break;
            }
            add_part(b, shown++ ? ", " : "", child->string);
        }
    }
    luaL_addchar(b, '}');
}

/*
 * signal <id> completed <answerType>: <answer JSON>
 * signal <id> failed <errorCode>
 * contact_research <id> processing
 * contact <fullName>
 * object {id=<id>}
 */
static int object_tostring(lua_State *L)
{
    sig_object *o = check_object(L, 1);
    const cJSON *node = o->node;
    const char *status = sig_json_string(node, "status");
    const char *answer = NULL;
    const char *name;
    luaL_Buffer b;

    if (o->kind == SIG_KIND_SIGNAL && status != NULL && strcmp(status, "completed") == 0) {
        const cJSON *value = sig_answer_node(node);
        if (value != NULL) {
            sig_json_push_text(L, value);
            answer = lua_tostring(L, -1);
        } else {
            answer = "null";
        }
    }
    luaL_buffinit(L, &b);
    luaL_addstring(&b, sig_kind_names[o->kind]);
    switch (o->kind) {
    case SIG_KIND_SIGNAL:
    case SIG_KIND_CONTACT_RESEARCH:
        add_part(&b, " ", sig_json_string(node, "id"));
        add_part(&b, " ", status);
        if (answer != NULL) {
            const char *type = sig_json_string(node, "answerType");
            add_part(&b, " ", type);
            add_part(&b, type != NULL ? ": " : " ", answer);
        } else if (status != NULL && strcmp(status, "failed") == 0) {
            add_part(&b, " ", sig_json_string(node, "errorCode"));
        }
        break;
    case SIG_KIND_CONTACT:
        name = sig_json_string(node, "fullName");
        if (name != NULL) {
            add_part(&b, " ", name);
        } else if (sig_json_string(node, "firstName") || sig_json_string(node, "lastName")) {
            add_part(&b, " ", sig_json_string(node, "firstName"));
            add_part(&b, " ", sig_json_string(node, "lastName"));
        } else {
            add_summary(&b, node);
        }
        break;
    default:
        add_summary(&b, node);
    }
    luaL_pushresult(&b);
    return 1;
}

void sig_object_init(lua_State *L)
{
    static const luaL_Reg common[] = {
        { "totable", object_totable },
        { "json", object_json },
        { NULL, NULL }
    };
    static const luaL_Reg signal[] = {
        { "value", object_value },
        { "failure", object_failure },
        { NULL, NULL }
    };
    static const luaL_Reg research[] = {
        { "failure", object_failure },
        { NULL, NULL }
    };
    /* Extra methods by kind, in enum sig_kind order. */
    static const luaL_Reg *const extra[] = { signal, research, NULL, NULL };
    int kind;

    check_initials(L, common);
    for (kind = SIG_KIND_SIGNAL; kind <= SIG_KIND_OBJECT; kind++)
        check_initials(L, extra[kind]);
    luaL_newmetatable(L, SIG_OBJECT_MT);
    lua_pushliteral(L, SIG_OBJECT_MT);
    lua_setfield(L, -2, "__metatable");
    for (kind = SIG_KIND_SIGNAL; kind <= SIG_KIND_OBJECT; kind++) {
        lua_newtable(L);
        luaL_setfuncs(L, common, 0);
        if (extra[kind] != NULL)
            luaL_setfuncs(L, extra[kind], 0);
    }
    lua_pushcclosure(L, object_index, METHODS_UPVALUE(SIG_KIND_OBJECT));
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, object_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

/*
 * Object userdata. An object is a pointer into its document's tree: fields
 * are converted only when read (most callers read a few fields of a signal,
 * not all of them), and a table field is cached so that it is the same
 * table on every read.
 */
#include <string.h>

#include "class.h"
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
    sig_object *o = sig_class_check(L, idx);
    sig_doc_check(L, o->doc);
    return o;
}

const char *sig_object_kind(lua_State *L, int idx)
{
    sig_object *o = luaL_testudata(L, idx, SIG_OBJECT_MT);
    return o != NULL ? sig_kind_names[o->kind] : NULL;
}

/* Pushes an object of doc (its table at doc_table) without a metatable. */
static void new_object(lua_State *L, int doc_table, sig_doc *doc, const cJSON *node, int kind)
{
    int members = sig_json_size(node);
    size_t room = members <= INDEXED_MEMBERS ? (size_t)members : 0;
    sig_object *o = sig_doc_newuserdata(L, sizeof *o + room * sizeof o->member[0], doc_table);

    o->doc = doc;
    o->node = node;
    o->kind = kind;
    o->indexed = members <= INDEXED_MEMBERS ? 0 : -1;
}

void sig_object_push(lua_State *L, int doc_table, const cJSON *node, int kind)
{
    new_object(L, doc_table, sig_doc_of(L, doc_table), node, kind);
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
        size_t len = sig_json_key_len(child);
        unsigned h = slot_of(child->string, len);

        while (o->slots[h] != 0)
            h = (h + 1) & (INDEX_SLOTS - 1);
        o->member[n] = child;
        o->length[n] = (unsigned char)(len < LONG_KEY ? len : LONG_KEY);
        o->slots[h] = ++n;
    }
    o->indexed = 1;
}

/* o's member called name (a Lua string of len bytes), or NULL. */
static const cJSON *member_of(sig_object *o, const char *name, size_t len)
{
    unsigned h, i;

    if (o->indexed < 0 || len >= LONG_KEY)
        return sig_json_member(o->node, name, len);
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
    sig_doc *doc = NULL;
    int i = 0;

    /* The doc and the metatable found once for all the elements. */
    doc_table = lua_absindex(L, doc_table);
    luaL_getmetatable(L, SIG_OBJECT_MT);
    lua_createtable(L, sig_json_size(array), 0);
    cJSON_ArrayForEach(child, array) {
        if (sig_json_is(child, cJSON_Object)) {
            if (doc == NULL)
                doc = sig_doc_of(L, doc_table);
            new_object(L, doc_table, doc, child, kind);
            lua_pushvalue(L, -3);
            lua_setmetatable(L, -2);
        } else {
            sig_json_push(L, child);
        }
        lua_rawseti(L, -2, ++i);
    }
    lua_remove(L, -2);
}

/* Pushes item, a member of the object or page at ud (made from doc). */
static void push_member(lua_State *L, int ud, sig_doc *doc, const cJSON *item)
{
    /* Only tables are cached (a table field must be the same table on every
     * read); other values cost less to convert again than to cache. */
    if (!sig_json_is(item, cJSON_Object) && !sig_json_is(item, cJSON_Array)) {
        sig_json_push(L, item);
    } else if (sig_json_slot(item) > 0) {
        sig_cache_push(L, ud, sig_json_slot(item));
    } else {
        sig_json_push(L, item);
        sig_json_set_slot(item, sig_cache_add(L, ud, doc));
    }
}

int sig_field_push(lua_State *L, int ud, sig_doc *doc, const cJSON *node, const char *name,
                   size_t len)
{
    const cJSON *item = sig_json_member(node, name, len);

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

/* Raises (at load: a programming error) unless may_be_method knows the
 * methods of regs. */
static void check_initials(lua_State *L, const luaL_Reg *regs)
{
    for (; regs->name != NULL; regs++)
        if (!may_be_method(regs->name[0]))
            luaL_error(L, "signals: may_be_method misses %s", regs->name);
}

/* The objects' __index; the method tables of the kinds are its upvalues,
 * in enum sig_kind order. */
static int object_index(lua_State *L)
{
    sig_object *o;
    const cJSON *item;
    const char *name;
    size_t len;

    /* Run for every field read: the check leaves the metatable on the
     * stack, below the result. */
    if (!sig_class_is(L, 1))
        sig_class_raise(L, 1);
    o = lua_touserdata(L, 1);
    sig_doc_check(L, o->doc);
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    name = lua_tolstring(L, 2, &len);
    /* Methods first. What is pushed stays below the result, which is
     * returned from the top. */
    if (may_be_method(name[0])) {
        lua_pushvalue(L, 2);
        lua_rawget(L, SIG_CLASS_METHODS(o->kind));
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

/* Whether node's member called name is the string value. */
static int field_is(const cJSON *node, const char *name, const char *value)
{
    size_t len;
    const char *s = sig_json_lstring(node, name, &len);

    return s != NULL && len == strlen(value) && memcmp(s, value, len) == 0;
}

/* Sets t[field] (t on top of the stack) to node's string member called
 * name, when it has one; returns whether it did. */
static int copy_string(lua_State *L, const cJSON *node, const char *name, const char *field)
{
    size_t len;
    const char *s = sig_json_lstring(node, name, &len);

    if (s == NULL)
        return 0;
    lua_pushlstring(L, s, len);
    lua_setfield(L, -2, field);
    return 1;
}

/* A failed signal or research as an error of kind "signal" (CONTRACT §5). */
static int object_failure(lua_State *L)
{
    sig_object *o = check_object(L, 1);
    size_t len;
    const char *message = sig_json_lstring(o->node, "error", &len);

    if (!field_is(o->node, "status", "failed")) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 6);
    lua_pushliteral(L, "signal");
    lua_setfield(L, -2, "kind");
    if (message == NULL || len == 0)
        lua_pushstring(L, o->kind == SIG_KIND_SIGNAL ? "signal failed" : "contact research failed");
    else
        lua_pushlstring(L, message, len);
    lua_setfield(L, -2, "message");
    copy_string(L, o->node, "errorCode", "code");
    copy_string(L, o->node, "errorAction", "action");
    lua_pushboolean(L, cJSON_IsTrue(sig_json_field(o->node, "retryable")));
    lua_setfield(L, -2, "retryable");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "signal");
    sig_error_push(L, -1);
    return 1;
}

/* Appends sep and s[0..len), clipped, when s is given. */
static void add_part(luaL_Buffer *b, const char *sep, const char *s, size_t len)
{
    if (s == NULL)
        return;
    luaL_addstring(b, sep);
    sig_text_add(b, s, len, SIG_SHORT);
}

/* add_part of node's string member called name. */
static void add_field(luaL_Buffer *b, const char *sep, const cJSON *node, const char *name)
{
    size_t len = 0;
    const char *s = sig_json_lstring(node, name, &len);

    add_part(b, sep, s, len);
}

/* object {id=...}, or the first member names when there is no id. */
static void add_summary(luaL_Buffer *b, const cJSON *node)
{
    const cJSON *child;
    int shown = 0;

    luaL_addstring(b, " {");
    if (sig_json_string(node, "id") != NULL) {
        add_field(b, "id=", node, "id");
    } else if (cJSON_IsObject(node)) {
        cJSON_ArrayForEach(child, node) {
            if (shown == 3) {
                luaL_addstring(b, ", ...");
                break;
            }
            add_part(b, shown++ ? ", " : "", child->string, sig_json_key_len(child));
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
    const char *answer = NULL;
    size_t answer_len = 0;
    luaL_Buffer b;

    if (o->kind == SIG_KIND_SIGNAL && field_is(node, "status", "completed")) {
        const cJSON *value = sig_answer_node(node);
        if (value != NULL) {
            sig_json_push_text(L, value);
            answer = lua_tolstring(L, -1, &answer_len);
        } else {
            answer = "null";
            answer_len = 4;
        }
    }
    luaL_buffinit(L, &b);
    luaL_addstring(&b, sig_kind_names[o->kind]);
    switch (o->kind) {
    case SIG_KIND_SIGNAL:
    case SIG_KIND_CONTACT_RESEARCH:
        add_field(&b, " ", node, "id");
        add_field(&b, " ", node, "status");
        if (answer != NULL) {
            int typed = sig_json_string(node, "answerType") != NULL;
            add_field(&b, " ", node, "answerType");
            add_part(&b, typed ? ": " : " ", answer, answer_len);
        } else if (field_is(node, "status", "failed")) {
            add_field(&b, " ", node, "errorCode");
        }
        break;
    case SIG_KIND_CONTACT:
        if (sig_json_string(node, "fullName") != NULL) {
            add_field(&b, " ", node, "fullName");
        } else if (sig_json_string(node, "firstName") || sig_json_string(node, "lastName")) {
            add_field(&b, " ", node, "firstName");
            add_field(&b, " ", node, "lastName");
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
    /* The methods of each kind, in enum sig_kind order. */
    static const luaL_Reg signal[] = {
        { "totable", object_totable },
        { "json", object_json },
        { "value", object_value },
        { "failure", object_failure },
        { NULL, NULL }
    };
    static const luaL_Reg research[] = {
        { "totable", object_totable },
        { "json", object_json },
        { "failure", object_failure },
        { NULL, NULL }
    };
    static const luaL_Reg other[] = {
        { "totable", object_totable },
        { "json", object_json },
        { NULL, NULL }
    };
    static const luaL_Reg meta[] = {
        { "__index", object_index },
        { "__tostring", object_tostring },
        { NULL, NULL }
    };
    static const sig_class object_class = {
        SIG_OBJECT_MT, meta, { signal, research, other, other, NULL }, 1
    };
    int kind;

    for (kind = 0; object_class.methods[kind] != NULL; kind++)
        check_initials(L, object_class.methods[kind]);
    sig_class_define(L, &object_class);
}

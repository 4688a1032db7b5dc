/*
 * The userdata classes of the core (objects, pages, errors, HTTP and multi
 * handles, parsed documents), each defined by one call.
 *
 * Every function of a class, method or metamethod, has the class's
 * metatable's address as an upvalue, and checks its self against it
 * (sig_class_check): a pointer comparison, cheaper than luaL_checkudata's
 * registry lookup by name, so that even __index, which runs for every field
 * read, can afford it. The check is not a formality: a metatable hidden by
 * __metatable is still reached through debug.getmetatable, and its
 * functions can then be called with any value as self.
 */
#ifndef SIGNALS_CLASS_H
#define SIGNALS_CLASS_H

#include "compat.h"

/* At most this many method tables per class (objects have one per kind). */
#define SIG_CLASS_MAX_METHOD_TABLES 4

typedef struct sig_class {
    /* The metatable's registry key, also the type name in error messages. */
    const char *name;
    /* Metamethods (__index, __tostring, __gc, ...); may be NULL. */
    const luaL_Reg *meta;
    /* Method tables, NULL-terminated. Without an __index in meta, the
     * first is __index; with one, that __index has them as upvalues
     * (SIG_CLASS_METHODS(i)) to look methods up itself. */
    const luaL_Reg *methods[SIG_CLASS_MAX_METHOD_TABLES + 1];
    /* Sets __metatable to the name: getmetatable then gives the name. */
    int hidden;
} sig_class;

/* The upvalues of every function of a class: the metatable's address as
 * a light userdata (two addresses compare for less than two tables), the
 * metatable itself, then, for a custom __index, the method tables
 * (SIG_CLASS_METHODS(i), i from 0). */
#define SIG_CLASS_ID lua_upvalueindex(1)
#define SIG_CLASS_MT lua_upvalueindex(2)
#define SIG_CLASS_METHODS(i) lua_upvalueindex(3 + (i))

/*
 * Defines the class into its metatable: the registry's under c->name,
 * made on the first call and the same on later ones, so that userdata made
 * before the module was opened again (a test runner unloads modules
 * between files) stay of the class and work with its new functions. Leaves
 * the stack as it was.
 */
void sig_class_define(lua_State *L, const sig_class *c);

/*
 * Whether the value at idx has the metatable of the class of the running C
 * function (a function of sig_class_define's). Pushes one value (the
 * value's metatable, or nothing useful), which a function returning its
 * result from the top of the stack may leave there. That the metatable is
 * the class's is what is checked: a userdata made by another library
 * given the class's metatable with debug.setmetatable would pass, and no
 * check can tell its memory from an object's.
 */
static inline int sig_class_is(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) {
        lua_pushnil(L);
        return 0;
    }
    return lua_topointer(L, -1) == lua_touserdata(L, SIG_CLASS_ID);
}

/* The userdata at idx if it is of the running function's class, else NULL. */
static inline void *sig_class_test(lua_State *L, int idx)
{
    int same = sig_class_is(L, idx);

    lua_pop(L, 1);
    return same ? lua_touserdata(L, idx) : NULL;
}

/* Raises the argument error of a value at idx not of the running function's
 * class. */
void sig_class_raise(lua_State *L, int idx);

/* sig_class_test, raising instead of giving NULL. */
static inline void *sig_class_check(lua_State *L, int idx)
{
    void *p = sig_class_test(L, idx);

    if (p == NULL)
        sig_class_raise(L, idx);
    return p;
}

#endif

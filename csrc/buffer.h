/*
 * A growable byte buffer. Growth never raises: it reports exhaustion, so a
 * libcurl callback can use it too. When Lua can raise while a buffer is in
 * use (any allocation on the Lua side can), keep it in a userdata from
 * sig_buf_new: the collector then frees it whichever way the function ends.
 */
#ifndef SIGNALS_BUFFER_H
#define SIGNALS_BUFFER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

#define SIG_BUFFER_MT "signals.buffer"

struct sig_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Room for `extra` more bytes; 0 when memory is exhausted (buffer unchanged). */
static inline int sig_buf_reserve(struct sig_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra <= b->cap - b->len)
        return 1;
    if (extra > SIZE_MAX - b->len)
        return 0;
    need = b->len + extra;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

static inline int sig_buf_add(struct sig_buf *b, const void *s, size_t n)
{
    if (n == 0)
        return 1;
    if (!sig_buf_reserve(b, n))
        return 0;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 1;
}

static inline int sig_buf_addc(struct sig_buf *b, char c)
{
    if (b->len == b->cap && !sig_buf_reserve(b, 1))
        return 0;
    b->data[b->len++] = c;
    return 1;
}

static inline void sig_buf_free(struct sig_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static inline int sig_buf_gc(lua_State *L)
{
    sig_buf_free((struct sig_buf *)luaL_checkudata(L, 1, SIG_BUFFER_MT));
    return 0;
}

/* An empty buffer owned by a new userdata, left on top of the stack. */
static inline struct sig_buf *sig_buf_new(lua_State *L)
{
    struct sig_buf *b = (struct sig_buf *)lua_newuserdatauv(L, sizeof *b, 0);

    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, SIG_BUFFER_MT)) {
        lua_pushcfunction(L, sig_buf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

#endif

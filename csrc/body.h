/*
 * A response body lent by the HTTP handle to the decoder, so that a page
 * is parsed straight from the handle's buffer: made into a Lua string, a
 * body cost a copy, an allocation as large as itself and the collector's
 * work to free it, on every request. The loan ends when the handle starts
 * its next request or is closed (the buffer is then reused or freed): the
 * view checks that before every use.
 */
#ifndef SIGNALS_BODY_H
#define SIGNALS_BODY_H

#include "buffer.h"

#define SIG_BODY_MT "signals.body"

void sig_body_init(lua_State *L);

/* Pushes a view of buf, valid while *serial keeps its present value. The
 * userdata at owner, which holds buf and serial, is kept alive by the
 * view. buf->data[buf->len] must be a NUL, as in a Lua string. */
void sig_body_push(lua_State *L, const struct sig_buf *buf, const unsigned long *serial, int owner);

/* The bytes (NUL-terminated) of the body view at idx, or of the string as
 * luaL_checklstring takes it; their length in *len (len may be NULL).
 * Raises for anything else, and for a view whose loan ended. */
const char *sig_body_check(lua_State *L, int idx, size_t *len);

#endif

/*
 * Declarations shared between the core's C files. Each file registers its
 * own functions into the module table; core.c only calls them in turn.
 * Everything here has hidden visibility: the only exported symbol of the
 * shared object is luaopen_signals_core.
 */
#ifndef SIGNALS_CORE_H
#define SIGNALS_CORE_H

#include "compat.h"

/* The library's version: core.VERSION, which signals.VERSION is. */
#define SIGNALS_VERSION "0.1.0"

/* Metatable names (registry keys). */
#define SIG_HTTP_MT   "signals.http"
#define SIG_OBJECT_MT "signals.object"
#define SIG_PAGE_MT   "signals.page"
#define SIG_ERROR_MT  "signals.error"

/* Each registers its functions into the table on top of the stack. */
void sig_http_register(lua_State *L);        /* http.c: core.http */
void sig_multi_register(lua_State *L);       /* multi.c: core.multi */
void sig_clock_register(lua_State *L);       /* clock.c: core.now */
void sig_encode_register(lua_State *L);      /* encode.c: core.encode, core.mark */
void sig_decode_register(lua_State *L);      /* decode.c: core.decode, core.decode_page, core.kind */
void sig_error_register(lua_State *L);       /* error.c: core.error */
void sig_error_body_register(lua_State *L);  /* error_body.c: core.classify_error */
void sig_retry_after_register(lua_State *L); /* retry_after.c: core.retry_after */
void sig_webhook_register(lua_State *L);     /* webhook.c: core.hmac_sha256, core.webhook_verify, core.webhook_parse */

#endif

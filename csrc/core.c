/*
 * signals.core: the C half of the client. HTTP over libcurl, JSON in and
 * out through cJSON, and the userdata objects the Lua layer hands to users.
 * The Lua half (lua/signals/) adds operations, validation, retries, paging.
 */
#include "core.h"

#if defined(__GNUC__)
#define SIG_EXPORT __attribute__((visibility("default")))
#else
#define SIG_EXPORT
#endif

SIG_EXPORT int luaopen_signals_core(lua_State *L)
{
    lua_newtable(L);
    /* JSON null: the same light userdata lua-cjson uses, so that values
     * compare equal across both libraries. */
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, SIGNALS_VERSION);
    lua_setfield(L, -2, "VERSION");
    sig_http_register(L);
    sig_multi_register(L);
    sig_clock_register(L);
    sig_encode_register(L);
    sig_decode_register(L);
    sig_error_register(L);
    sig_error_body_register(L);
    sig_retry_after_register(L);
    sig_webhook_register(L);
    return 1;
}

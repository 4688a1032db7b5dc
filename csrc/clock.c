/*
 * core.now(): wall-clock seconds since the Unix epoch, with sub-second
 * precision. The rate limiter compares it with X-Ratelimit-Reset (Unix
 * seconds) and refills its buckets by it; os.time's whole seconds are too
 * coarse for either, and luasocket may be absent.
 */
#include <time.h>

#include "core.h"

static int l_now(lua_State *L)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

void sig_clock_register(lua_State *L)
{
    lua_pushcfunction(L, l_now);
    lua_setfield(L, -2, "now");
}

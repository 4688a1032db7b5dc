/*
 * A C program with a frame loop of its own (a game, an editor, a tool)
 * that asks questions through signals without ever waiting for them. The
 * script (examples/embed/frames.lua) starts the calls with client:start
 * and returns the client and a function that reports; the loop then calls
 * client:step(0) once per frame, straight from C, between the frames' own
 * work, until no call is left in flight. The core is linked in, as in
 * host.c.
 *
 *   make embed
 *   LUA_PATH='lua/?.lua;lua/?/init.lua;;' SABER_BASE_URL=http://127.0.0.1:8080 \
 *       build/lua5.4/frame-host examples/embed/frames.lua [COUNT]
 *
 * It prints the frames run while calls were in flight and the longest
 * step; the exit status is 0 when the report function returned true.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */

#include <stdio.h>
#include <time.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#define FRAME_WORK_NS 1000000L /* what a frame does besides stepping: 1 ms */
#define TIME_LIMIT_S 60.0

int luaopen_signals_core(lua_State *L);

static void register_signals(lua_State *L)
{
#if LUA_VERSION_NUM >= 502
    luaL_requiref(L, "signals.core", luaopen_signals_core, 0);
    lua_pop(L, 1);
#else
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_signals_core);
    lua_setfield(L, -2, "signals.core");
    lua_pop(L, 2);
#endif
}

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(lua_State *L, const char *what)
{
    fprintf(stderr, "frame-host: %s: %s\n", what, lua_tostring(L, -1));
    lua_close(L);
    return 1;
}

/* client:step(0) on the client at stack index `client`: the number of
 * calls still in flight, or -1 when it raised (the message on the stack). */
static lua_Integer step(lua_State *L, int client)
{
    lua_Integer in_flight;

    lua_getfield(L, client, "step");
    lua_pushvalue(L, client);
    lua_pushnumber(L, 0);
    if (lua_pcall(L, 2, 1, 0) != 0)
        return -1;
    in_flight = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return in_flight;
}

int main(int argc, char **argv)
{
    const struct timespec work = { 0, FRAME_WORK_NS };
    long frames = 0, in_flight_frames = 0;
    double longest = 0, began;
    lua_State *L;
    int i, ok;

    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [ARG...]\n", argv[0]);
        return 2;
    }
    L = luaL_newstate();
    if (L == NULL)
        return 1;
    luaL_openlibs(L);
    register_signals(L);
    lua_createtable(L, argc, 0);
    for (i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    /* The script leaves the client (index 1) and the report (index 2). */
    if (luaL_loadfile(L, argv[1]) != 0 || lua_pcall(L, 0, 2, 0) != 0)
        return fail(L, argv[1]);
    if (!lua_istable(L, 1) || !lua_isfunction(L, 2)) {
        fprintf(stderr, "frame-host: %s must return the client and a report function\n", argv[1]);
        lua_close(L);
        return 1;
    }

    began = seconds();
    for (;;) {
        double before = seconds(), took;
        lua_Integer in_flight = step(L, 1);

        took = seconds() - before;
        if (in_flight < 0)
            return fail(L, "client:step");
        if (took > longest)
            longest = took;
        frames++;
        if (in_flight == 0 || seconds() - began > TIME_LIMIT_S)
            break;
        in_flight_frames++;
        nanosleep(&work, NULL);
    }
    printf("frames %ld, while calls were in flight %ld\n", frames, in_flight_frames);
    printf("longest step %.2f ms\n", longest * 1000);
    fflush(stdout);
    lua_pushvalue(L, 2);
    if (lua_pcall(L, 0, 1, 0) != 0)
        return fail(L, "the report");
    ok = lua_toboolean(L, -1);
    /* Closing the state collects what is left, libcurl's handles included. */
    lua_close(L);
    return ok ? 0 : 1;
}

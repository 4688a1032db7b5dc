/*
 * The Lua side of every harness: one state for the whole run, with
 * signals.core loaded and fuzz/targets.lua's functions ready, so that an
 * input costs a call and a collection rather than a new state.
 */
#ifndef SIGNALS_FUZZ_LUA_H
#define SIGNALS_FUZZ_LUA_H

#include <stddef.h>

#include <lua.h>

/* The state, created on first use; the target function named `target`
 * (a field of targets.lua's table) is pushed on top of an empty stack. */
lua_State *fuzz_lua_target(const char *target);

/* Calls the function pushed by fuzz_lua_target with the nargs values above
 * it. A raise means a decoder raised on data or an invariant of targets.lua
 * failed: it is reported and the process aborts, which libFuzzer records
 * as a crash. Afterwards the stack is empty and everything the input made
 * has been collected (so that __gc runs under the sanitizers at once). */
void fuzz_lua_call(lua_State *L, int nargs);

#endif

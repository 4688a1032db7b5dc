/*
 * The libFuzzer entry of the harnesses that are pure Lua calls: the input,
 * as one string, goes to the function FUZZ_TARGET of fuzz/targets.lua
 * (decode, error_body, answer), which calls signals.core and checks what
 * comes back.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_lua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_lua_target(FUZZ_TARGET);

    lua_pushlstring(L, (const char *)data, size);
    fuzz_lua_call(L, 1);
    return 0;
}

/* placeholder until written: registers nothing */
#include "core.h"

void sig_decode_register(lua_State *L)
{
    (void)L;
}

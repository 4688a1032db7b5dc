/* placeholder until written: registers nothing */
#include "core.h"

void sig_error_register(lua_State *L)
{
    (void)L;
}

/* placeholder until written: registers nothing */
#include "core.h"

void sig_error_body_register(lua_State *L)
{
    (void)L;
}

/* placeholder until written: registers nothing */
#include "core.h"

void sig_http_register(lua_State *L)
{
    (void)L;
}

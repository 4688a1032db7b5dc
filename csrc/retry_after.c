/* placeholder until written: registers nothing */
#include "core.h"

void sig_retry_after_register(lua_State *L)
{
    (void)L;
}

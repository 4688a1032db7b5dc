/*
 * Error objects (CONTRACT §5): what core.error makes, and what a failed
 * signal's failure() returns.
 */
#ifndef SIGNALS_ERROR_H
#define SIGNALS_ERROR_H

#include "compat.h"

/*
 * Pushes an error userdata holding a shallow copy of the table at idx,
 * with retryable made a boolean and a missing or empty message replaced by
 * one made from kind and status. Raises (a programmer's mistake, not a
 * failure to report) when kind is not one of CONTRACT §5's or message is
 * neither a string nor a number.
 */
void sig_error_push(lua_State *L, int idx);

#endif

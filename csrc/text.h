/*
 * Text for tostring: every object, page and error prints as one line.
 */
#ifndef SIGNALS_TEXT_H
#define SIGNALS_TEXT_H

#include "compat.h"

/* No clipping. */
#define SIG_TEXT_ALL ((size_t)-1)

/*
 * Appends s[0..len) to b with control characters (CR, LF, tab, ...) turned
 * into spaces (CRLF into one), so that API-provided text cannot break the
 * line. Longer than
 * max bytes, it is cut before the character that crosses max and "..."
 * follows.
 */
void sig_text_add(luaL_Buffer *b, const char *s, size_t len, size_t max);

#endif

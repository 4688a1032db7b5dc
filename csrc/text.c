/*
 * One-line text for tostring.
 */
#include "text.h"

void sig_text_add(luaL_Buffer *b, const char *s, size_t len, size_t max)
{
    size_t n = len, i;

    if (len > max) {
        n = max;
        /* Back off UTF-8 continuation bytes: never half a character. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && i > 0 && s[i - 1] == '\r')
            continue; /* one space for a CRLF line break */
        luaL_addchar(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
    }
    if (n < len)
        luaL_addstring(b, "...");
}

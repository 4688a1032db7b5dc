/*
 * JSON text out: the core's one JSON writer. core.encode writes Lua values
 * with it (encode.c), and :json() writes a parsed tree with it
 * (sig_jw_tree), so that strings are escaped and numbers spelled the same
 * way in both. Each function appends to b and returns 1, or 0 when memory
 * is exhausted (b then holds a part of the text).
 */
#ifndef SIGNALS_JSON_WRITE_H
#define SIGNALS_JSON_WRITE_H

#include <cjson/cJSON.h>

#include "buffer.h"

/* How sig_jw_string treats bytes that are not valid UTF-8. */
enum sig_jw_utf8 {
    SIG_JW_UTF8_STRICT, /* refused: the text a server is sent must be valid */
    SIG_JW_UTF8_AS_IS   /* copied: a parsed body is printed as it came */
};

/*
 * s[0..n) as a JSON string: quotes, backslashes and control characters
 * escaped (\n and the other short forms, else \u00XX; NUL bytes are
 * \u0000), everything else as it is. Returns -1, having written part of
 * it, for invalid UTF-8 in SIG_JW_UTF8_STRICT.
 */
int sig_jw_string(struct sig_buf *b, const char *s, size_t n, enum sig_jw_utf8 utf8);

int sig_jw_integer(struct sig_buf *b, long long i);

/* A finite number: an integral value within +-2^53 as an integer (strict
 * integer fields on the server side refuse 5.0), any other the shortest
 * of %.15g, %.16g, %.17g that reads back as the same double, with '.' as
 * the decimal point whatever the locale. */
int sig_jw_number(struct sig_buf *b, double d);

/* The compact text of node, a tree made by sig_json_parse (json_tree.h):
 * strings as they came (NUL bytes and invalid UTF-8 included), numbers by
 * sig_jw_number, a non-finite one (1e400 was read as inf) as null, as
 * cJSON prints it. */
int sig_jw_tree(struct sig_buf *b, const cJSON *node);

#endif

/*
 * The JSON writer (json_write.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_tree.h"
#include "json_write.h"
#include "utf8.h"

/* 2^53: below it every integer is exact in a double. */
#define EXACT_INT 9007199254740992.0

/* The escape of control character, quote or backslash c at esc (room for
 * 7 bytes); returns its length. */
static size_t escape(unsigned char c, char *esc)
{
    static const char hex[] = "0123456789abcdef";
    char letter;

    switch (c) {
    case '"': letter = '"'; break;
    case '\\': letter = '\\'; break;
    case '\b': letter = 'b'; break;
    case '\f': letter = 'f'; break;
    case '\n': letter = 'n'; break;
    case '\r': letter = 'r'; break;
    case '\t': letter = 't'; break;
    default:
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xF];
        return 6;
    }
    esc[0] = '\\';
    esc[1] = letter;
    return 2;
}

int sig_jw_string(struct sig_buf *b, const char *s, size_t n, enum sig_jw_utf8 utf8)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    if (!sig_buf_addc(b, '"'))
        return 0;
    while (p < end) {
        const unsigned char *run = p;
        char esc[7];

        /* What needs no escape goes in one copy: printable ASCII, and the
         * rest of the bytes above it (checked in strict mode). */
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') {
            if (*p < 0x80 || utf8 == SIG_JW_UTF8_AS_IS) {
                p++;
            } else {
                size_t k = sig_utf8_len(p, (size_t)(end - p));
                if (k == 0)
                    break;
                p += k;
            }
        }
        if (!sig_buf_add(b, run, (size_t)(p - run)))
            return 0;
        if (p == end)
            break;
        if (*p >= 0x80)
            return -1;
        if (!sig_buf_add(b, esc, escape(*p, esc)))
            return 0;
        p++;
    }
    return sig_buf_addc(b, '"');
}

int sig_jw_integer(struct sig_buf *b, long long i)
{
    char digits[24], *d = digits + sizeof digits;
    /* In unsigned arithmetic, so that LLONG_MIN's magnitude fits. */
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

    do {
        *--d = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (i < 0)
        *--d = '-';
    return sig_buf_add(b, d, (size_t)(digits + sizeof digits - d));
}

int sig_jw_number(struct sig_buf *b, double d)
{
    char tmp[32], *c;
    int prec, n = 0;

    if (d == floor(d) && fabs(d) <= EXACT_INT)
        return sig_jw_integer(b, (long long)d);
    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* printf follows LC_NUMERIC: JSON's decimal point is always '.'. */
    for (c = tmp; *c; c++)
        if ((*c < '0' || *c > '9') && *c != '-' && *c != '+' && *c != 'e' && *c != 'E')
            *c = '.';
    return sig_buf_add(b, tmp, (size_t)n);
}

/* The members or elements of container, between open and close. The depth
 * is the parser's, at most CJSON_NESTING_LIMIT. */
static int write_children(struct sig_buf *b, const cJSON *container, char open, char close)
{
    const cJSON *child;
    int object = open == '{';

    if (!sig_buf_addc(b, open))
        return 0;
    cJSON_ArrayForEach(child, container) {
        if (child != container->child && !sig_buf_addc(b, ','))
            return 0;
        if (object && (sig_jw_string(b, child->string, sig_json_key_len(child), SIG_JW_UTF8_AS_IS) != 1
                       || !sig_buf_addc(b, ':')))
            return 0;
        if (!sig_jw_tree(b, child))
            return 0;
    }
    return sig_buf_addc(b, close);
}

int sig_jw_tree(struct sig_buf *b, const cJSON *node)
{
    switch (node->type & 0xFF) {
    case cJSON_Object:
        return write_children(b, node, '{', '}');
    case cJSON_Array:
        return write_children(b, node, '[', ']');
    case cJSON_String:
        return sig_jw_string(b, node->valuestring, sig_json_len(node), SIG_JW_UTF8_AS_IS) == 1;
    case cJSON_Number:
        if (!isfinite(node->valuedouble))
            return sig_buf_add(b, "null", 4);
        return sig_jw_number(b, node->valuedouble);
    case cJSON_True:
        return sig_buf_add(b, "true", 4);
    case cJSON_False:
        return sig_buf_add(b, "false", 5);
    default:
        return sig_buf_add(b, "null", 4);
    }
}

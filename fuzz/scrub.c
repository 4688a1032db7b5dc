/*
 * The key scrubber (csrc/scrub.c) against a plain reference: the input
 * makes a key and a text full of its pieces, as they are, in base64 and
 * percent-encoded; sig_scrub's answer must be exactly what the reference
 * computes the slow way (memmem at every position of the text, and of its
 * percent-decoded form). Any difference aborts, a crash for libFuzzer.
 *
 * Input: one byte for the key's length (0..49), the key, then segments of
 * the text, each an operation byte (op % 6) and its arguments:
 *   0 literal: a length byte (% 32), then that many bytes
 *   1 a slice of the key (start and length bytes), as it is
 *   2 base64 of (op / 6 % 3 bytes of the input, the slice); (op >> 5) & 1:
 *     URL-safe alphabet, (op >> 6) & 1: no padding
 *   3 the slice with every byte %XX; (op >> 5) & 1: lower-case hex
 *   4 the slice with the bytes RFC 3986 reserves as %XX
 *   5 base64 of the slice with its + / = as %XX
 */
#define _GNU_SOURCE /* memmem */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrub.h"

#define TEXT_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char STANDARD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_SAFE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct input {
    const uint8_t *p, *end;
};

static unsigned next_byte(struct input *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

/* A buffer that could not grow: nothing to test then. */
static void need(int ok)
{
    if (!ok)
        abort();
}

/* RFC 4648 base64 of s[0..n), group by group. */
static void base64(struct sig_buf *b, const unsigned char *s, size_t n, const char *alphabet, int pad)
{
    size_t i;

    for (i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0)
                   | (i + 2 < n ? s[i + 2] : 0);
        size_t chars = n - i >= 3 ? 4 : n - i + 1, k;

        for (k = 0; k < 4; k++) {
            if (k < chars)
                need(sig_buf_addc(b, alphabet[(v >> (18 - 6 * k)) & 63]));
            else if (pad)
                need(sig_buf_addc(b, '='));
        }
    }
}

static void percent(struct sig_buf *b, const unsigned char *s, size_t n, int lower, int reserved_only)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int c = s[i];
        char hex[4];

        if (reserved_only && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                              || c == '-' || c == '.' || c == '_' || c == '~')) {
            need(sig_buf_addc(b, (char)c));
            continue;
        }
        snprintf(hex, sizeof hex, lower ? "%%%02x" : "%%%02X", (unsigned)c);
        need(sig_buf_add(b, hex, 3));
    }
}

static void make_text(struct input *in, const unsigned char *key, size_t n, struct sig_buf *text)
{
    while (in->p < in->end && text->len < TEXT_MAX) {
        unsigned op = next_byte(in), start = n ? next_byte(in) % n : 0, len = 0;
        struct sig_buf tmp = { NULL, 0, 0 };
        size_t i;

        if (op % 6 == 0) {
            len = next_byte(in) % 32;
            for (i = 0; i < len && in->p < in->end; i++)
                need(sig_buf_addc(text, (char)next_byte(in)));
            continue;
        }
        len = next_byte(in) % (unsigned)(n + 1);
        if (start + len > n)
            len = (unsigned)n - start;
        switch (op % 6) {
        case 1:
            need(sig_buf_add(text, key + start, len));
            break;
        case 2:
            for (i = 0; i < op / 6 % 3; i++)
                need(sig_buf_addc(&tmp, (char)next_byte(in)));
            need(sig_buf_add(&tmp, key + start, len));
            base64(text, (const unsigned char *)tmp.data, tmp.len, (op >> 5) & 1 ? URL_SAFE : STANDARD,
                   !((op >> 6) & 1));
            break;
        case 3:
        case 4:
            percent(text, key + start, len, (op >> 5) & 1, op % 6 == 4);
            break;
        case 5:
            base64(&tmp, key + start, len, STANDARD, 1);
            for (i = 0; i < tmp.len; i++) {
                char c = tmp.data[i];

                if (c == '+' || c == '/' || c == '=')
                    percent(text, (const unsigned char *)&c, 1, 0, 0);
                else
                    need(sig_buf_addc(text, c));
            }
            break;
        }
        sig_buf_free(&tmp);
    }
}

/* ---- the reference -------------------------------------------------------- */

/* Strings whose 8-byte pieces are traces: the key, and for each alignment
 * and alphabet the characters of base64(align NULs .. key) whose bits all
 * come from the key. */
struct sources {
    struct sig_buf s[7];
};

static void make_sources(struct sources *src, const unsigned char *key, size_t n)
{
    const char *alphabets[2] = { STANDARD, URL_SAFE };
    size_t a, k, z;

    memset(src, 0, sizeof *src);
    need(sig_buf_add(&src->s[0], key, n));
    for (a = 0; a < 3; a++)
        for (k = 0; k < 2; k++) {
            struct sig_buf bytes = { NULL, 0, 0 }, all = { NULL, 0, 0 };
            struct sig_buf *inner = &src->s[1 + 2 * a + k];
            size_t first = (8 * a + 5) / 6, last = 8 * (a + n) / 6; /* [first, last) */

            for (z = 0; z < a; z++)
                need(sig_buf_addc(&bytes, '\0'));
            need(sig_buf_add(&bytes, key, n));
            base64(&all, (const unsigned char *)bytes.data, bytes.len, alphabets[k], 0);
            if (last > first)
                need(sig_buf_add(inner, all.data + first, last - first));
            sig_buf_free(&bytes);
            sig_buf_free(&all);
        }
}

static int is_trace(const struct sources *src, const unsigned char *w)
{
    size_t i;

    for (i = 0; i < 7; i++)
        if (src->s[i].len >= SIG_SCRUB_MIN && memmem(src->s[i].data, src->s[i].len, w, SIG_SCRUB_MIN))
            return 1;
    return 0;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Which bytes of the text belong to a trace. */
static void covered(const struct sources *src, const unsigned char *t, size_t len, char *cover)
{
    unsigned char *dec = malloc(len + 1);
    size_t *from = malloc((len + 1) * sizeof *from), *to = malloc((len + 1) * sizeof *to);
    char *esc = malloc(len + 1);
    size_t i, n = 0, k;

    if (dec == NULL || from == NULL || to == NULL || esc == NULL)
        abort();
    memset(cover, 0, len);
    for (i = 0; i + SIG_SCRUB_MIN <= len; i++)
        if (is_trace(src, t + i))
            memset(cover + i, 1, SIG_SCRUB_MIN);
    for (i = 0; i < len; n++) {
        from[n] = i;
        if (t[i] == '%' && i + 2 < len && hex_value(t[i + 1]) >= 0 && hex_value(t[i + 2]) >= 0) {
            dec[n] = (unsigned char)(hex_value(t[i + 1]) * 16 + hex_value(t[i + 2]));
            esc[n] = 1;
            i += 3;
        } else {
            dec[n] = t[i];
            esc[n] = 0;
            i++;
        }
        to[n] = i;
    }
    for (i = 0; i + SIG_SCRUB_MIN <= n; i++) {
        int any = 0;

        for (k = 0; k < SIG_SCRUB_MIN; k++)
            any |= esc[i + k];
        if (any && is_trace(src, dec + i))
            memset(cover + from[i], 1, to[i + SIG_SCRUB_MIN - 1] - from[i]);
    }
    free(dec);
    free(from);
    free(to);
    free(esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, data + size };
    size_t n = next_byte(&in) % 50, i;
    const unsigned char *key = in.p;
    struct sig_buf text = { NULL, 0, 0 }, want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
    struct sources src;
    char *cover;
    int found, any = 0;

    if ((size_t)(in.end - in.p) < n)
        n = (size_t)(in.end - in.p);
    in.p += n;
    make_text(&in, key, n, &text);
    found = sig_scrub(text.data, text.len, (const char *)key, n, &got);
    if (found < 0)
        abort();

    make_sources(&src, key, n);
    cover = malloc(text.len + 1);
    if (cover == NULL)
        abort();
    if (n >= SIG_SCRUB_MIN)
        covered(&src, (const unsigned char *)text.data, text.len, cover);
    else
        memset(cover, 0, text.len);
    for (i = 0; i < text.len; i++) {
        if (!cover[i]) {
            need(sig_buf_addc(&want, text.data[i]));
        } else if (i == 0 || !cover[i - 1]) {
            need(sig_buf_add(&want, SIG_SCRUB_MARK, sizeof SIG_SCRUB_MARK - 1));
            any = 1;
        }
    }
    if (found != any || (found && (got.len != want.len || memcmp(got.data, want.data, want.len) != 0))) {
        fprintf(stderr, "scrub: key %zu bytes, text %zu bytes: %s\n", n, text.len,
                found != any ? "found differs" : "output differs");
        abort();
    }
    for (i = 0; i < 7; i++)
        sig_buf_free(&src.s[i]);
    free(cover);
    sig_buf_free(&text);
    sig_buf_free(&want);
    sig_buf_free(&got);
    return 0;
}

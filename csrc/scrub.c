/*
 * core.scrub(text, key): the text with every trace of the API key replaced
 * by "[REDACTED]" (scrub.h says what a trace is). Any 8 consecutive bytes
 * of the key count, so that a key cut short by an excerpt is still caught,
 * and so do its base64 and percent-encoded forms, which a server echoing
 * credentials back may well use.
 *
 * An 8-byte window is one 64-bit number: the key's 8-grams and those of its
 * base64 encodings go into one hash set of such numbers, and the text is
 * read once, a byte shifted into the window at each step and the window
 * looked up (then once more, percent-decoded, when it holds a '%'). The
 * set has a few hundred entries for a real key and stays in the cache, so
 * a 32 MB body costs tens of milliseconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "scrub.h"

#define GRAM SIG_SCRUB_MIN

/* ---- a set of 8-grams --------------------------------------------------- */

struct grams {
    uint64_t *slots; /* 0: empty; the gram 0 (eight NUL bytes) is has_zero */
    unsigned shift;  /* 64 - log2 of the slot count */
    int has_zero;
};

static size_t slot_of(const struct grams *s, uint64_t g)
{
    return (size_t)((g * 0x9E3779B97F4A7C15ULL) >> s->shift);
}

static int grams_has(const struct grams *s, uint64_t g)
{
    size_t mask = ((size_t)1 << (64 - s->shift)) - 1, i = slot_of(s, g);

    if (g == 0)
        return s->has_zero;
    while (s->slots[i] != 0) {
        if (s->slots[i] == g)
            return 1;
        i = (i + 1) & mask;
    }
    return 0;
}

static void grams_add(struct grams *s, uint64_t g)
{
    size_t mask = ((size_t)1 << (64 - s->shift)) - 1, i = slot_of(s, g);

    if (g == 0) {
        s->has_zero = 1;
        return;
    }
    while (s->slots[i] != 0 && s->slots[i] != g)
        i = (i + 1) & mask;
    s->slots[i] = g;
}

/* The window after byte c: the last 8 bytes, the oldest lowest, however
 * the machine orders bytes in memory. */
static uint64_t slide(uint64_t g, unsigned char c)
{
    return (g >> 8) | ((uint64_t)c << 56);
}

static void grams_add_text(struct grams *s, const char *t, size_t len)
{
    uint64_t g = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        g = slide(g, (unsigned char)t[i]);
        if (i >= GRAM - 1)
            grams_add(s, g);
    }
}

/* The base64 characters (of `alphabet`) whose 6 bits all come from the key
 * when it starts `align` bytes into a group of 3: those a longer encoded
 * text holds wherever the key sits in it. out has room for 4 * (len + 2) / 3
 * characters; returns how many were written. */
static size_t base64_inner(const char *key, size_t len, size_t align, const char *alphabet, char *out)
{
    unsigned bits = 0;
    size_t i, n = 0, at = 0; /* at: the bit where the next character starts */
    int nbits = 0;

    for (i = 0; i < align + len; i++) {
        bits = ((bits << 8) | (i < align ? 0 : (unsigned char)key[i - align])) & 0xffff;
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            if (at >= 8 * align)
                out[n++] = alphabet[(bits >> nbits) & 63];
            at += 6;
        }
    }
    return n;
}

/* The key's 8-grams and those of its base64 forms; 0 when out of memory. */
static int grams_of_key(struct grams *s, const char *key, size_t len)
{
    static const char *const alphabets[] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    size_t room = 4 * (len + 2) / 3, count = len + 6 * room, slots = 64, a, k;
    unsigned bits = 6;
    char *encoded;

    if (len > SIZE_MAX / 64)
        return 0;
    while (slots < 2 * count)
        slots *= 2, bits++;
    s->shift = 64 - bits;
    s->has_zero = 0;
    s->slots = calloc(slots, sizeof *s->slots);
    encoded = malloc(room);
    if (s->slots == NULL || encoded == NULL) {
        free(s->slots);
        free(encoded);
        return 0;
    }
    grams_add_text(s, key, len);
    for (a = 0; a < 3; a++)
        for (k = 0; k < 2; k++)
            grams_add_text(s, encoded, base64_inner(key, len, a, alphabets[k], encoded));
    free(encoded);
    return 1;
}

/* ---- runs of traces ----------------------------------------------------- */

/* Byte ranges [start, end) of the text, in increasing order of start. */
struct runs {
    size_t *at; /* start, end, start, end, ... */
    size_t len, cap;
    int failed;
};

/* Adds [start, end), merged into the last run when they overlap or touch. */
static void runs_add(struct runs *r, size_t start, size_t end)
{
    if (r->len > 0 && r->at[r->len - 1] >= start) {
        if (end > r->at[r->len - 1])
            r->at[r->len - 1] = end;
        return;
    }
    if (r->len == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        size_t *at = cap < SIZE_MAX / sizeof *at ? realloc(r->at, cap * sizeof *at) : NULL;

        if (at == NULL) {
            r->failed = 1;
            return;
        }
        r->at = at;
        r->cap = cap;
    }
    r->at[r->len++] = start;
    r->at[r->len++] = end;
}

/* The text as it is. */
static void find_plain(const struct grams *s, const unsigned char *t, size_t len, struct runs *r)
{
    uint64_t g = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        g = slide(g, t[i]);
        if (i >= GRAM - 1 && grams_has(s, g))
            runs_add(r, i + 1 - GRAM, i + 1);
    }
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The text percent-decoded: windows holding at least one escape (the others
 * are find_plain's), each covering the text its 8 bytes came from. */
static void find_percent(const struct grams *s, const unsigned char *t, size_t len, struct runs *r)
{
    size_t start[GRAM], count = 0, i = 0;
    unsigned char escaped[GRAM];
    unsigned escapes = 0;
    uint64_t g = 0;

    while (i < len) {
        size_t slot = count % GRAM;
        int hi, lo;
        unsigned char c = t[i];

        if (count >= GRAM)
            escapes -= escaped[slot];
        start[slot] = i;
        escaped[slot] = 0;
        if (c == '%' && len - i > 2 && (hi = hex_value(t[i + 1])) >= 0 && (lo = hex_value(t[i + 2])) >= 0) {
            c = (unsigned char)(hi << 4 | lo);
            escaped[slot] = 1;
            i += 3;
        } else {
            i++;
        }
        escapes += escaped[slot];
        g = slide(g, c);
        if (++count >= GRAM && escapes > 0 && grams_has(s, g))
            runs_add(r, start[count % GRAM], i); /* the oldest of the 8 */
    }
}

/* The text with each run of the union of a and b (both in order) replaced
 * by the mark; 0 when out of memory. */
static int write_scrubbed(const char *t, size_t len, const struct runs *a, const struct runs *b,
                          struct sig_buf *out)
{
    size_t i = 0, j = 0, done = 0;

    while (i < a->len || j < b->len) {
        size_t start, end;

        if (j >= b->len || (i < a->len && a->at[i] <= b->at[j])) {
            start = a->at[i], end = a->at[i + 1];
            i += 2;
        } else {
            start = b->at[j], end = b->at[j + 1];
            j += 2;
        }
        /* Runs of the other list that overlap or touch this one join it. */
        for (;;) {
            if (i < a->len && a->at[i] <= end) {
                end = a->at[i + 1] > end ? a->at[i + 1] : end;
                i += 2;
            } else if (j < b->len && b->at[j] <= end) {
                end = b->at[j + 1] > end ? b->at[j + 1] : end;
                j += 2;
            } else {
                break;
            }
        }
        if (!sig_buf_add(out, t + done, start - done)
            || !sig_buf_add(out, SIG_SCRUB_MARK, sizeof SIG_SCRUB_MARK - 1))
            return 0;
        done = end;
    }
    return sig_buf_add(out, t + done, len - done);
}

int sig_scrub(const char *text, size_t len, const char *key, size_t key_len, struct sig_buf *out)
{
    struct grams set;
    struct runs plain = { NULL, 0, 0, 0 }, percent = { NULL, 0, 0, 0 };
    const unsigned char *t = (const unsigned char *)text;
    int result;

    if (key_len < GRAM || len < GRAM)
        return 0;
    if (!grams_of_key(&set, key, key_len))
        return -1;
    find_plain(&set, t, len, &plain);
    if (memchr(text, '%', len) != NULL)
        find_percent(&set, t, len, &percent);
    if (plain.failed || percent.failed)
        result = -1;
    else if (plain.len == 0 && percent.len == 0)
        result = 0;
    else
        result = write_scrubbed(text, len, &plain, &percent, out) ? 1 : -1;
    free(set.slots);
    free(plain.at);
    free(percent.at);
    return result;
}

/* core.scrub(text, key): the text itself when it holds no trace of the key. */
static int l_scrub(lua_State *L)
{
    size_t len, key_len;
    const char *text, *key;
    struct sig_buf *out;
    int found;

    luaL_checktype(L, 1, LUA_TSTRING);
    luaL_checktype(L, 2, LUA_TSTRING);
    lua_settop(L, 2);
    text = lua_tolstring(L, 1, &len);
    key = lua_tolstring(L, 2, &key_len);
    out = sig_buf_new(L); /* freed by the collector whatever happens */
    found = sig_scrub(text, len, key, key_len, out);
    if (found < 0)
        return luaL_error(L, "not enough memory");
    if (found == 0)
        lua_settop(L, 1);
    else
        lua_pushlstring(L, out->data, out->len);
    sig_buf_free(out);
    return 1;
}

void sig_scrub_register(lua_State *L)
{
    lua_pushcfunction(L, l_scrub);
    lua_setfield(L, -2, "scrub");
}

/*
 * The JSON parser behind sig_json_tree (see json_tree.h for why it is not
 * cJSON_Parse). It makes real cJSON nodes, from blocks of memory the tree
 * owns and frees itself (sig_json_tree_free), never with cJSON's
 * allocator. One pass over the text, no recursion: the open arrays and
 * objects are kept on an explicit stack as deep as cJSON allows. Strings
 * are copied, unescaped, into the tree's own buffer as they are scanned;
 * the text itself is only read.
 */
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "json_tree.h"

struct sig_json_block {
    struct sig_json_block *next;
    size_t cap;
    sig_json_node nodes[];
};

/* API bodies have about 20 bytes of text per value; the first block is
 * sized from that, later ones double. */
#define TEXT_BYTES_PER_NODE 20
#define MIN_BLOCK_NODES 16

struct parser {
    sig_json_tree *tree;
    sig_json_spare *spare;
    sig_json_node *node, *nodes_end; /* the free nodes of the newest block */
    size_t next_cap;
    const char *end; /* of the text, where its NUL is */
    char *w;         /* where the next string goes in tree->text */
};

static size_t block_bytes(const struct sig_json_block *b)
{
    return sizeof *b + b->cap * sizeof(sig_json_node);
}

/* A block of at least cap nodes, empty: the first spare one large enough,
 * else a new one of cap nodes; NULL when memory is exhausted. */
static struct sig_json_block *new_block(sig_json_spare *spare, size_t cap)
{
    struct sig_json_block **link, *b;

    for (link = spare != NULL ? &spare->blocks : NULL; link != NULL && *link != NULL; link = &(*link)->next) {
        if ((*link)->cap >= cap) {
            b = *link;
            *link = b->next;
            spare->bytes -= block_bytes(b);
            return b;
        }
    }
    if (cap > (SIZE_MAX - sizeof *b) / sizeof(sig_json_node))
        return NULL;
    b = malloc(sizeof *b + cap * sizeof(sig_json_node));
    if (b != NULL)
        b->cap = cap;
    return b;
}

/* A zeroed node (cJSON_Invalid until its type is set). */
static sig_json_node *new_node(struct parser *ps)
{
    sig_json_node *node;

    if (ps->node == ps->nodes_end) {
        struct sig_json_block *b = new_block(ps->spare, ps->next_cap);

        if (b == NULL)
            return NULL;
        b->next = ps->tree->blocks;
        ps->tree->blocks = b;
        ps->node = b->nodes;
        ps->nodes_end = b->nodes + b->cap;
        ps->next_cap *= 2;
    }
    node = ps->node++;
    memset(node, 0, sizeof *node);
    return node;
}

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The 4 hex digits at p as a number, or -1. */
static long hex4(const char *p)
{
    long v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i], lower = (char)(c | 0x20); /* 'A' | 0x20 == 'a' */
        if (c >= '0' && c <= '9')
            v = v * 16 + (c - '0');
        else if (lower >= 'a' && lower <= 'f')
            v = v * 16 + (lower - 'a' + 10);
        else
            return -1;
    }
    return v;
}

/* Writes code point c as UTF-8 at w; returns the byte after it. */
static char *put_utf8(char *w, unsigned long c)
{
    if (c < 0x80) {
        *w++ = (char)c;
    } else if (c < 0x800) {
        *w++ = (char)(0xC0 | (c >> 6));
        *w++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *w++ = (char)(0xE0 | (c >> 12));
        *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *w++ = (char)(0x80 | (c & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (c >> 18));
        *w++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *w++ = (char)(0x80 | (c & 0x3F));
    }
    return w;
}

/*
 * The escape at r (a backslash), unescaped at *w: \uXXXX is 6 bytes for
 * at most 3, a surrogate pair 12 for 4, so the copy never outgrows the
 * text. Returns the byte after the escape, or NULL.
 */
static const char *unescape(const char *r, char **w, const char *end)
{
    long c, low;

    if (end - r < 2)
        return NULL;
    switch (r[1]) {
    case '"': *(*w)++ = '"'; return r + 2;
    case '\\': *(*w)++ = '\\'; return r + 2;
    case '/': *(*w)++ = '/'; return r + 2;
    case 'b': *(*w)++ = '\b'; return r + 2;
    case 'f': *(*w)++ = '\f'; return r + 2;
    case 'n': *(*w)++ = '\n'; return r + 2;
    case 'r': *(*w)++ = '\r'; return r + 2;
    case 't': *(*w)++ = '\t'; return r + 2;
    case 'u': break;
    default: return NULL;
    }
    if (end - r < 6 || (c = hex4(r + 2)) < 0)
        return NULL;
    r += 6;
    if (c >= 0xDC00 && c <= 0xDFFF)
        return NULL; /* a low surrogate alone */
    if (c >= 0xD800 && c <= 0xDBFF) {
        if (end - r < 6 || r[0] != '\\' || r[1] != 'u' || (low = hex4(r + 2)) < 0
            || low < 0xDC00 || low > 0xDFFF)
            return NULL; /* a high surrogate without its low half */
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        r += 6;
    }
    *w = put_utf8(*w, (unsigned long)c);
    return r;
}

/*
 * Strings are scanned and copied 16 bytes at a time: most are short (keys,
 * ids, enums), and for them calls of libc's memchr and memcpy cost more
 * than their bytes. SSE2 is part of every x86-64; elsewhere the same is
 * done a byte at a time.
 */
#define CHUNK 16

/* Copies the CHUNK bytes at p to w; returns how many come before the
 * first '"' or '\\' among them (CHUNK if none does). */
static unsigned copy_chunk(const char *p, char *w)
{
#if defined(__SSE2__) && defined(__GNUC__)
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned special = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

    _mm_storeu_si128((__m128i *)(void *)w, v);
    return special != 0 ? (unsigned)__builtin_ctz(special) : CHUNK;
#else
    unsigned n = 0;

    memcpy(w, p, CHUNK);
    while (n < CHUNK && p[n] != '"' && p[n] != '\\')
        n++;
    return n;
#endif
}

/*
 * The string whose content starts at p (after the opening quote), copied
 * unescaped and NUL-terminated into the tree's buffer, its length (NUL
 * bytes inside it included) in *len. Returns the byte after the closing
 * quote, or NULL with *at set. Chunks are copied whole,
 * bytes after the string's end included: the copy is shorter than the
 * text read (see sig_json_parse), so they land where the buffer has room
 * and later strings overwrite them.
 */
static const char *parse_string(struct parser *ps, const char *p, char **out, uint32_t *len,
                                const char **at)
{
    const char *end = ps->end;
    char *w = ps->w, *start = w;

    *out = w;
    for (;;) {
        if (end - p >= CHUNK) {
            unsigned n = copy_chunk(p, w);

            p += n;
            w += n;
            if (n == CHUNK)
                continue;
        } else {
            while (p < end && *p != '"' && *p != '\\')
                *w++ = *p++;
            if (p == end) {
                *at = end;
                return NULL;
            }
        }
        if (*p == '"') {
            /* Shorter than the text, which sig_json_parse keeps below 4 GiB. */
            *len = (uint32_t)(w - start);
            *w++ = '\0';
            ps->w = w;
            return p + 1;
        }
        *at = p;
        p = unescape(p, &w, end);
        if (p == NULL)
            return NULL;
    }
}

/* Powers of ten a double holds exactly. */
static const double exact_powers[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* strtod on the number text [p, stop), which the grammar has checked,
 * copied to scratch as a C string with the locale's decimal point (what
 * strtod reads) in place of '.'. */
static double number_by_strtod(const char *p, const char *stop, char *scratch)
{
    size_t n = (size_t)(stop - p);
    char point = localeconv()->decimal_point[0];
    char *dot;

    memcpy(scratch, p, n);
    scratch[n] = '\0';
    dot = memchr(scratch, '.', n);
    if (dot != NULL && point != '\0')
        *dot = point;
    return strtod(scratch, NULL);
}

/* Adds digit c to the significant digits so far (leading zeros are not
 * significant: they only move the decimal point of a fraction). */
static void add_digit(char c, int fraction, unsigned long long *mantissa, int *digits,
                      long *exponent, int *truncated)
{
    if (*mantissa == 0 && c == '0') {
        *exponent -= fraction;
        return;
    }
    if (*digits == 19) { /* more than a 64-bit mantissa holds: strtod's job */
        *truncated = 1;
        return;
    }
    *mantissa = *mantissa * 10 + (unsigned)(c - '0');
    (*digits)++;
    *exponent -= fraction;
}

/*
 * The number at p (RFC 8259 grammar) into node. Numbers of at most 15
 * significant digits and a decimal exponent within +-22 are computed
 * exactly (one correctly rounded operation on exact values); the rest go
 * through strtod, with the free end of the tree's buffer as scratch (as
 * many bytes are free there as the text has left from p). Returns the
 * byte after the number, or NULL.
 */
static const char *parse_number(struct parser *ps, const char *p, cJSON *node)
{
    const char *start = p;
    unsigned long long mantissa = 0;
    int digits = 0, truncated = 0, negative = *p == '-';
    long exponent = 0, e = 0;
    double d;

    p += negative;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        for (; *p >= '0' && *p <= '9'; p++)
            add_digit(*p, 0, &mantissa, &digits, &exponent, &truncated);
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        for (; *p >= '0' && *p <= '9'; p++)
            add_digit(*p, 1, &mantissa, &digits, &exponent, &truncated);
    }
    if (*p == 'e' || *p == 'E') {
        int minus = 0;
        p++;
        if (*p == '+' || *p == '-')
            minus = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        for (; *p >= '0' && *p <= '9'; p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        exponent += minus ? -e : e;
    }
    if (!truncated && digits <= 15 && exponent >= -22 && exponent <= 22) {
        d = (double)mantissa;
        d = exponent >= 0 ? d * exact_powers[exponent] : d / exact_powers[-exponent];
        if (negative)
            d = -d;
    } else {
        d = number_by_strtod(start, p, ps->w);
    }
    node->valuedouble = d;
    if (d >= INT_MAX)
        node->valueint = INT_MAX;
    else if (d <= (double)INT_MIN)
        node->valueint = INT_MIN;
    else
        node->valueint = (int)d;
    return p;
}

/* Adds child as the last element of parent, keeping cJSON's links: the
 * first child's prev is the last one. */
static void append(cJSON *parent, cJSON *child)
{
    cJSON *first = parent->child;

    if (first == NULL) {
        parent->child = child;
        child->prev = child;
        return;
    }
    first->prev->next = child;
    child->prev = first->prev;
    first->prev = child;
}

/* Puts node (named key, of key_len bytes, inside an object) where the
 * parser is: last in the innermost open array or object, or at the root. */
static void place(sig_json_tree *tree, cJSON *const *stack, int depth, sig_json_node *node,
                  char *key, uint32_t key_len)
{
    node->json.string = key;
    node->key_len = key_len;
    if (depth > 0)
        append(stack[depth - 1], &node->json);
    else
        tree->root = &node->json;
}

static const char *skip_space(const char *p)
{
    while (is_space(*p))
        p++;
    return p;
}

enum sig_json_status sig_json_parse(sig_json_tree *tree, sig_json_spare *spare, const char *text,
                                    size_t len, size_t *at)
{
    cJSON *stack[CJSON_NESTING_LIMIT];
    int depth = 0;
    struct parser ps;
    const char *p, *bad;
    char *key = NULL;
    uint32_t key_len = 0;
    sig_json_node *node;
    cJSON *open;

    if (len >= (size_t)UINT32_MAX)
        return SIG_JSON_TOO_LARGE;
    /* Every string's copy and terminator fit in the bytes of its quoted
     * text, so the copy never gets ahead of the text: a whole chunk written
     * at the copy's end stays within the text's length as long as one can
     * be read at the text's. A number's scratch fits in what is left. */
    if ((tree->text_block = new_block(spare, len / sizeof(sig_json_node) + 1)) == NULL)
        return SIG_JSON_NO_MEMORY;
    tree->text_block->next = NULL;
    tree->text = (char *)tree->text_block->nodes;
    ps.tree = tree;
    ps.spare = spare;
    ps.node = ps.nodes_end = NULL;
    ps.end = text + len;
    ps.w = tree->text;
    ps.next_cap = len / TEXT_BYTES_PER_NODE + MIN_BLOCK_NODES;
    p = skip_space(text);

value:
    bad = p;
    node = new_node(&ps);
    if (node == NULL)
        return SIG_JSON_NO_MEMORY;
    switch (*p) {
    case '{':
    case '[':
        if (depth == CJSON_NESTING_LIMIT)
            goto invalid;
        node->json.type = *p == '{' ? cJSON_Object : cJSON_Array;
        tree->containers++;
        place(tree, stack, depth, node, key, key_len);
        stack[depth++] = &node->json;
        p = skip_space(p + 1);
        if (*p == (node->json.type == cJSON_Object ? '}' : ']')) {
            p++;
            depth--;
            goto next;
        }
        if (node->json.type == cJSON_Object)
            goto member;
        key = NULL;
        key_len = 0;
        goto value;
    case '"':
        node->json.type = cJSON_String;
        p = parse_string(&ps, p + 1, &node->json.valuestring, &node->side.len, &bad);
        break;
    case 't':
    case 'f':
    case 'n': {
        static const char *const words[] = { "true", "false", "null" };
        static const int types[] = { cJSON_True, cJSON_False, cJSON_NULL };
        int i = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
        size_t n = strlen(words[i]);
        if ((size_t)(ps.end - p) < n || memcmp(p, words[i], n) != 0)
            goto invalid;
        node->json.type = types[i];
        node->json.valueint = i == 0;
        p += n;
        break;
    }
    default:
        node->json.type = cJSON_Number;
        p = parse_number(&ps, p, &node->json);
    }
    if (p == NULL)
        goto invalid;
    place(tree, stack, depth, node, key, key_len);

next:
    p = skip_space(p);
    if (depth == 0) {
        if (p != ps.end) {
            *at = (size_t)(p - text);
            return SIG_JSON_TRAILING;
        }
        return SIG_JSON_OK;
    }
    open = stack[depth - 1];
    if (*p == ',') {
        p = skip_space(p + 1);
        if (open->type == cJSON_Object)
            goto member;
        key = NULL;
        key_len = 0;
        goto value;
    }
    if (*p != (open->type == cJSON_Object ? '}' : ']')) {
        bad = p;
        goto invalid;
    }
    p++;
    depth--;
    goto next;

member:
    bad = p;
    if (*p != '"')
        goto invalid;
    p = parse_string(&ps, p + 1, &key, &key_len, &bad);
    if (p == NULL)
        goto invalid;
    p = skip_space(p);
    if (*p != ':') {
        bad = p;
        goto invalid;
    }
    p = skip_space(p + 1);
    goto value;

invalid:
    *at = (size_t)(bad - text);
    return SIG_JSON_INVALID;
}

/* Gives the blocks of list to spare, or frees those that do not fit. */
static void release_blocks(struct sig_json_block *list, sig_json_spare *spare)
{
    while (list != NULL) {
        struct sig_json_block *b = list;

        list = b->next;
        if (spare != NULL && block_bytes(b) <= spare->limit - spare->bytes) {
            b->next = spare->blocks;
            spare->blocks = b;
            spare->bytes += block_bytes(b);
        } else {
            free(b);
        }
    }
}

void sig_json_tree_free(sig_json_tree *tree, sig_json_spare *spare)
{
    release_blocks(tree->text_block, spare);
    release_blocks(tree->blocks, spare);
    tree->root = NULL;
    tree->text = NULL;
    tree->text_block = NULL;
    tree->blocks = NULL;
    tree->containers = 0;
}

void sig_json_spare_free(sig_json_spare *spare)
{
    spare->limit = 0;
    release_blocks(spare->blocks, NULL);
    spare->blocks = NULL;
    spare->bytes = 0;
}

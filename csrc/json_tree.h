/*
 * JSON text into a tree of cJSON nodes, as cJSON defines them: typed,
 * linked (child, next, prev) and valued as cJSON_Parse would leave them,
 * keys and strings NUL-terminated C strings. cJSON stays the model every
 * reader of a body works on (cJSON_ArrayForEach, cJSON_IsString, ...);
 * only the parsing is the core's own (sig_json_parse, json_tree.c), and
 * so is the memory: cJSON_Parse makes two or three allocations per value
 * (node, key, string), which were most of what a decoded page cost
 * (docs/INTERNALS.md has the bench figures), and cJSON_InitHooks would swap
 * the allocator for every user of the process. The nodes are carved from a
 * few large blocks and every string is copied into one buffer as long as
 * the text: the tree must never be given to cJSON_Delete (which would free
 * each node) nor to anything that modifies it; sig_json_tree_free is its
 * only way out.
 *
 * What cJSON has no field for lives beside each node, in the
 * sig_json_node that holds it: the byte lengths of its key and of its
 * string (a JSON string may hold NUL bytes, \u0000, which end the C
 * string: the length says where it really ends), and for an object or
 * array the slot of its converted table (doc.h).
 */
#ifndef SIGNALS_JSON_TREE_H
#define SIGNALS_JSON_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* A node and what is kept beside it. A text of 4 GiB (less a byte) or
 * more is refused (SIG_JSON_TOO_LARGE), so that every length fits in 32
 * bits and a node costs 8 bytes more than cJSON's own. */
typedef struct sig_json_node {
    cJSON json; /* first: a node's address is its record's */
    uint32_t key_len; /* bytes of json.string (0 when it is NULL) */
    union {
        uint32_t len;  /* a string's bytes in json.valuestring */
        uint32_t slot; /* an object's or array's converted table (doc.h), 0 if none */
    } side;
} sig_json_node;

/* The record of a node of a tree made by sig_json_parse (of no other). */
static inline const sig_json_node *sig_json_node_of(const cJSON *node)
{
    return (const sig_json_node *)(const void *)node;
}

/* The length of a string node's valuestring, or of a node's key. */
static inline size_t sig_json_len(const cJSON *node)
{
    return sig_json_node_of(node)->side.len;
}

static inline size_t sig_json_key_len(const cJSON *node)
{
    return sig_json_node_of(node)->key_len;
}

/* The cache slot of an object or array node (doc.h): the one part of a
 * parsed tree that changes after parsing. */
static inline int sig_json_slot(const cJSON *node)
{
    return (int)sig_json_node_of(node)->side.slot;
}

static inline void sig_json_set_slot(const cJSON *node, int slot)
{
    ((sig_json_node *)node)->side.slot = (uint32_t)slot;
}

struct sig_json_block;

typedef struct sig_json_tree {
    cJSON *root;
    char *text;                    /* the strings, one after the other ... */
    struct sig_json_block *text_block; /* ... in the memory of this block */
    struct sig_json_block *blocks; /* the nodes */
    size_t containers;             /* how many of them are objects or arrays */
} sig_json_tree;

/*
 * The memory of freed trees, kept (up to limit bytes) for the next ones.
 * A tree the size of a page is made of blocks too large for malloc's
 * caches: glibc answers each such malloc and free by consolidating its
 * free lists, which costs as much as every small object freed since, and
 * a program that parses page after page freed thousands of those.
 */
typedef struct sig_json_spare {
    struct sig_json_block *blocks;
    size_t bytes, limit;
} sig_json_spare;

enum sig_json_status {
    SIG_JSON_OK,
    SIG_JSON_INVALID,  /* not JSON; *at is where it stops being JSON */
    SIG_JSON_TRAILING, /* a value followed by more than whitespace, from *at */
    SIG_JSON_TOO_LARGE, /* a text of UINT32_MAX bytes or more (sig_json_node) */
    SIG_JSON_NO_MEMORY
};

/*
 * Parses text[0..len) (RFC 8259, at most CJSON_NESTING_LIMIT nested arrays
 * and objects, of duplicate keys all kept as cJSON does; as cJSON, control
 * characters inside strings are taken as they are) into tree, which must
 * be zeroed, with memory from spare (may be NULL) where it has some.
 * text[len] must be readable and NUL, as it is in a Lua string.
 * Strings are unescaped whole, \u0000 included, with their lengths beside
 * their nodes (sig_json_node). On failure
 * *at is the offset of the offending byte; the tree holds whatever was
 * allocated, to be freed all the same.
 */
enum sig_json_status sig_json_parse(sig_json_tree *tree, sig_json_spare *spare, const char *text,
                                    size_t len, size_t *at);

/* Gives what the tree holds to spare (may be NULL), or frees what does not
 * fit, and zeroes the tree; safe to call again. */
void sig_json_tree_free(sig_json_tree *tree, sig_json_spare *spare);

/* Frees the spare memory; nothing is kept from then on. */
void sig_json_spare_free(sig_json_spare *spare);

#endif

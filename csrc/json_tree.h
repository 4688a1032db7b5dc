/*
 * JSON text into a read-only cJSON tree that lives in memory of its own:
 * the nodes are carved from a few large blocks and every string (key or
 * value) is a C string in one buffer as long as the text. cJSON_Parse
 * makes two or three allocations per value (node, key, string), and they
 * were most of what a decoded page cost; cJSON_InitHooks would swap the allocator for
 * every user of the process, so the tree is built here instead, in the
 * shape cJSON's readers (cJSON_ArrayForEach, cJSON_Print...) expect.
 *
 * The tree must never be given to cJSON_Delete or to anything that
 * modifies it: sig_json_tree_free is its only way out.
 */
#ifndef SIGNALS_JSON_TREE_H
#define SIGNALS_JSON_TREE_H

#include <stddef.h>

#include <cjson/cJSON.h>

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
    SIG_JSON_NO_MEMORY
};

/*
 * Parses text[0..len) (RFC 8259, at most CJSON_NESTING_LIMIT nested arrays
 * and objects, of duplicate keys all kept as cJSON does; as cJSON, control
 * characters inside strings are taken as they are) into tree, which must
 * be zeroed, with memory from spare (may be NULL) where it has some.
 * text[len] must be readable and NUL, as it is in a Lua string.
 * Like cJSON's, strings are C strings: a \u0000 escape ends one. On failure
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

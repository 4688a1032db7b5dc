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
    char *text;                    /* the strings, one after the other */
    struct sig_json_block *blocks; /* the nodes */
} sig_json_tree;

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
 * be zeroed. text[len] must be readable and NUL, as it is in a Lua string.
 * Like cJSON's, strings are C strings: a \u0000 escape ends one. On failure
 * *at is the offset of the offending byte; the tree holds whatever was
 * allocated, to be freed all the same.
 */
enum sig_json_status sig_json_parse(sig_json_tree *tree, const char *text, size_t len, size_t *at);

/* Frees what the tree holds and zeroes it; safe to call again. */
void sig_json_tree_free(sig_json_tree *tree);

#endif

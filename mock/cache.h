/* The answer cache's index (API-NOTES §4.4): for each cache key — kind,
 * subject, question, answer type, outputSchema and template — the newest
 * signal created through the API with it. Keys are made of interned
 * strings, so they compare by pointer. Whether that signal may answer a
 * new create (completed, young enough) is the store's decision. */
#ifndef MOCK_CACHE_H
#define MOCK_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache_key {
    const char *subject, *question, *schema, *template_id;  /* interned */
    unsigned char kind, answer_type;
};

struct cache_slot {
    struct cache_key key;
    uint32_t signal;  /* index + 1 into the store's signals; 0 = empty slot */
};

struct answer_cache {
    struct cache_slot *slots;
    size_t cap, n;
};

void cache_clear(struct answer_cache *c);
/* The signal (index + 1) last put under `key`, 0 when none. */
uint32_t cache_get(const struct answer_cache *c, const struct cache_key *key);
void cache_put(struct answer_cache *c, const struct cache_key *key, uint32_t signal);

#endif

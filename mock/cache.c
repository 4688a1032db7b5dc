#include "cache.h"

#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static size_t hash_key(const struct cache_key *k)
{
    uint64_t h = (uint64_t)k->kind << 8 | k->answer_type;
    h = mix(h, (uintptr_t)k->subject);
    h = mix(h, (uintptr_t)k->question);
    h = mix(h, (uintptr_t)k->schema);
    h = mix(h, (uintptr_t)k->template_id);
    return (size_t)(h ^ (h >> 29));
}

static bool same_key(const struct cache_key *a, const struct cache_key *b)
{
    return a->subject == b->subject && a->question == b->question && a->schema == b->schema &&
           a->template_id == b->template_id && a->kind == b->kind &&
           a->answer_type == b->answer_type;
}

/* The slot holding `key`, or the empty one where it would go. */
static struct cache_slot *slot_of(const struct cache_slot *slots, size_t cap,
                                  const struct cache_key *key)
{
    size_t mask = cap - 1, i = hash_key(key) & mask;
    while (slots[i].signal && !same_key(&slots[i].key, key))
        i = (i + 1) & mask;
    return (struct cache_slot *)&slots[i];
}

void cache_clear(struct answer_cache *c)
{
    free(c->slots);
    memset(c, 0, sizeof *c);
}

uint32_t cache_get(const struct answer_cache *c, const struct cache_key *key)
{
    return c->cap ? slot_of(c->slots, c->cap, key)->signal : 0;
}

void cache_put(struct answer_cache *c, const struct cache_key *key, uint32_t signal)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct cache_slot *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < c->cap; i++)
            if (c->slots[i].signal)
                *slot_of(slots, cap, &c->slots[i].key) = c->slots[i];
        free(c->slots);
        c->slots = slots;
        c->cap = cap;
    }
    struct cache_slot *s = slot_of(c->slots, c->cap, key);
    if (!s->signal)
        c->n++;
    s->key = *key;
    s->signal = signal;
}

#define _GNU_SOURCE
#include "records.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

const char MOCK_ORGANIZATION_ID[] = "org_signals_mock";

void records_init(struct records *rs)
{
    memset(rs, 0, sizeof *rs);
    pthread_mutex_init(&rs->lock, NULL);
}

static void free_sets(struct records *rs)
{
    for (int k = 0; k < REC_KINDS; k++) {
        struct record_set *set = &rs->sets[k];
        for (size_t i = 0; i < set->n; i++)
            cJSON_Delete(set->v[i]);
        free(set->v);
        memset(set, 0, sizeof *set);
    }
}

void records_clear(struct records *rs)
{
    pthread_mutex_lock(&rs->lock);
    free_sets(rs);
    pthread_mutex_unlock(&rs->lock);
}

void records_destroy(struct records *rs)
{
    free_sets(rs);
    pthread_mutex_destroy(&rs->lock);
}

void records_lock(struct records *rs)
{
    pthread_mutex_lock(&rs->lock);
}

void records_unlock(struct records *rs)
{
    pthread_mutex_unlock(&rs->lock);
}

const char *json_string(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

bool json_string_is(const cJSON *obj, const char *key, const char *value)
{
    const char *v = json_string(obj, key);
    return v && strcmp(v, value) == 0;
}

bool record_deleted(const cJSON *obj)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(obj, "deletedAt");
    return at && !cJSON_IsNull(at);
}

bool record_matches(const cJSON *obj, const struct record_match *m)
{
    if (!m)
        return !record_deleted(obj);
    return (m->include_deleted || !record_deleted(obj)) &&
           (!m->key || json_string_is(obj, m->key, m->value)) &&
           (!m->key2 || json_string_is(obj, m->key2, m->value2));
}

cJSON *record_add(struct records *rs, enum record_kind kind, cJSON *obj)
{
    struct record_set *set = &rs->sets[kind];
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->v = xrealloc(set->v, set->cap * sizeof *set->v);
    }
    set->v[set->n++] = obj;
    return obj;
}

cJSON *record_find(struct records *rs, enum record_kind kind, const char *id)
{
    const struct record_set *set = &rs->sets[kind];
    for (size_t i = 0; i < set->n; i++)
        if (json_string_is(set->v[i], "id", id))
            return set->v[i];
    return NULL;
}

cJSON *record_first(struct records *rs, enum record_kind kind, const struct record_match *m)
{
    const struct record_set *set = &rs->sets[kind];
    for (size_t i = 0; i < set->n; i++)
        if (record_matches(set->v[i], m))
            return set->v[i];
    return NULL;
}

/* Removes `only`, or when it is NULL every record matching `m`, keeping the
 * order of the rest. */
static void remove_where(struct record_set *set, const cJSON *only, const struct record_match *m)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->n; i++) {
        cJSON *obj = set->v[i];
        if (only ? obj == only : record_matches(obj, m))
            cJSON_Delete(obj);
        else
            set->v[kept++] = obj;
    }
    set->n = kept;
}

void record_remove(struct records *rs, enum record_kind kind, const cJSON *obj)
{
    remove_where(&rs->sets[kind], obj, NULL);
}

void record_replace(struct records *rs, enum record_kind kind, const cJSON *old, cJSON *obj)
{
    struct record_set *set = &rs->sets[kind];
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i] == old) {
            cJSON_Delete(set->v[i]);
            set->v[i] = obj;
            return;
        }
    }
    cJSON_Delete(obj);
}

void records_remove_matching(struct records *rs, enum record_kind kind,
                             const struct record_match *m)
{
    remove_where(&rs->sets[kind], NULL, m);
}

size_t records_count(struct records *rs, enum record_kind kind, const struct record_match *m)
{
    const struct record_set *set = &rs->sets[kind];
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        n += record_matches(set->v[i], m);
    return n;
}

cJSON *records_page(struct records *rs, enum record_kind kind, const struct record_match *m,
                    bool newest_first, long offset, long limit, long *total)
{
    const struct record_set *set = &rs->sets[kind];
    cJSON *items = cJSON_CreateArray();
    long seen = 0;
    for (size_t k = 0; k < set->n; k++) {
        const cJSON *obj = set->v[newest_first ? set->n - 1 - k : k];
        if (!record_matches(obj, m))
            continue;
        if (on_page(seen, offset, limit))
            cJSON_AddItemToArray(items, record_view(obj));
        seen++;
    }
    *total = seen;
    return items;
}

cJSON *record_view(const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, true);
    cJSON *m = copy->child;
    while (m) {
        cJSON *next = m->next;
        if (m->string && m->string[0] == '_')
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, m));
        m = next;
    }
    return copy;
}

void json_set(cJSON *obj, const char *key, cJSON *item)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
    else
        cJSON_AddItemToObject(obj, key, item);
}

void json_set_string(cJSON *obj, const char *key, const char *value)
{
    json_set(obj, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

void json_set_time(cJSON *obj, const char *key, int64_t ms)
{
    char when[RFC3339_LEN];
    if (ms < 0) {
        json_set(obj, key, cJSON_CreateNull());
        return;
    }
    format_rfc3339(ms, when);
    json_set_string(obj, key, when);
}

void json_copy_member(cJSON *to, const cJSON *from, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
    if (v)
        json_set(to, key, cJSON_Duplicate(v, true));
}

char *new_hex_id(const char *prefix, size_t hex_digits)
{
    static const char hex[] = "0123456789abcdef";
    size_t plen = strlen(prefix);
    unsigned char *bytes = xmalloc(hex_digits);
    random_bytes(bytes, hex_digits);
    char *id = xmalloc(plen + hex_digits + 1);
    memcpy(id, prefix, plen);
    for (size_t i = 0; i < hex_digits; i++)
        id[plen + i] = hex[bytes[i] & 15];
    id[plen + hex_digits] = '\0';
    free(bytes);
    return id;
}

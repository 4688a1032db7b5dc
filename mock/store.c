#define _GNU_SOURCE
#include "store_private.h"

#include "answers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flaky_counter {
    enum signal_kind kind;
    const char *subject, *question;  /* interned: compared by pointer */
    long created;
    struct flaky_counter *next;
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* ---- interned strings: open addressing, power-of-two capacity ---- */

static char **intern_slot(struct intern_pool *p, const char *s)
{
    size_t mask = p->cap - 1, i = (size_t)hash_text(s) & mask;
    while (p->slots[i] && strcmp(p->slots[i], s) != 0)
        i = (i + 1) & mask;
    return &p->slots[i];
}

const char *intern_find(struct intern_pool *p, const char *s)
{
    return (s && p->cap) ? *intern_slot(p, s) : NULL;
}

const char *intern(struct intern_pool *p, const char *s)
{
    if (!s)
        return NULL;
    if ((p->n + 1) * 2 > p->cap) {
        struct intern_pool bigger = { xcalloc(p->cap ? p->cap * 2 : 64, sizeof(char *)),
                                      p->cap ? p->cap * 2 : 64, p->n };
        for (size_t i = 0; i < p->cap; i++)
            if (p->slots[i])
                *intern_slot(&bigger, p->slots[i]) = p->slots[i];
        free(p->slots);
        *p = bigger;
    }
    char **slot = intern_slot(p, s);
    if (!*slot) {
        *slot = xstrdup(s);
        p->n++;
    }
    return *slot;
}

static void intern_free(struct intern_pool *p)
{
    for (size_t i = 0; i < p->cap; i++)
        free(p->slots[i]);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

/* ---- id index over st->signals ---- */

static size_t index_slot(const struct store *st, const char *id)
{
    size_t mask = st->index_cap - 1, i = (size_t)hash_text(id) & mask;
    while (st->index[i] && strcmp(st->signals[st->index[i] - 1].id, id) != 0)
        i = (i + 1) & mask;
    return i;
}

static void index_reserve(struct store *st, size_t count)
{
    if (count * 2 <= st->index_cap)
        return;
    size_t cap = st->index_cap ? st->index_cap : 1024;
    while (count * 2 > cap)
        cap *= 2;
    free(st->index);
    st->index = xcalloc(cap, sizeof *st->index);
    st->index_cap = cap;
    for (size_t i = 0; i < st->n; i++)
        st->index[index_slot(st, st->signals[i].id)] = (uint32_t)(i + 1);
}

struct signal *signal_lookup(struct store *st, const char *id)
{
    if (!st->index_cap)
        return NULL;
    uint32_t v = st->index[index_slot(st, id)];
    return v ? &st->signals[v - 1] : NULL;
}

/* Room for `extra` more signals, with the index sized to match. */
static void reserve(struct store *st, size_t extra)
{
    size_t need = st->n + extra;
    if (need > st->cap) {
        size_t cap = st->cap ? st->cap : 256;
        while (cap < need)
            cap *= 2;
        st->signals = xrealloc(st->signals, cap * sizeof *st->signals);
        st->cap = cap;
    }
    index_reserve(st, need);
}

/* Appends a signal with a fresh id and indexes it. */
static struct signal *append(struct store *st, const struct signal_input *in)
{
    struct signal *s = &st->signals[st->n];
    memset(s, 0, sizeof *s);
    do
        new_uuid(s->id);
    while (signal_lookup(st, s->id));
    s->kind = (unsigned char)in->kind;
    s->answer_type = (unsigned char)in->answer_type;
    s->subject = intern(&st->strings, in->subject);
    s->question = intern(&st->strings, in->question);
    s->subscription_id = intern(&st->strings, in->subscription_id);
    s->template_id = intern(&st->strings, in->template_id);
    s->schema = intern(&st->strings, in->schema);
    s->schema_answer = intern(&st->strings, in->schema_answer);
    st->n++;
    st->index[index_slot(st, s->id)] = (uint32_t)st->n;
    return s;
}

/* ---- lifecycle of the whole store ---- */

static void clear(struct store *st)
{
    free(st->signals);
    free(st->index);
    intern_free(&st->strings);
    while (st->flaky) {
        struct flaky_counter *next = st->flaky->next;
        free(st->flaky);
        st->flaky = next;
    }
    research_clear(st);
    cache_clear(&st->cache);
    st->signals = NULL;
    st->n = st->cap = st->index_cap = 0;
    st->index = NULL;
}

static void set_defaults(struct store *st, const struct store_defaults *d)
{
    st->credits = d->credits;
    st->delay_ms = d->delay_ms;
    st->cache_ttl_s = d->cache_ttl_s;
}

void store_init(struct store *st, const struct store_defaults *d)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->lock, NULL);
    set_defaults(st, d);
    records_init(&st->records);
}

void store_reset(struct store *st, const struct store_defaults *d)
{
    pthread_mutex_lock(&st->lock);
    clear(st);
    set_defaults(st, d);
    pthread_mutex_unlock(&st->lock);
    records_clear(&st->records);
}

void store_destroy(struct store *st)
{
    clear(st);
    pthread_mutex_destroy(&st->lock);
    records_destroy(&st->records);
}

void store_set_delay(struct store *st, long delay_ms)
{
    pthread_mutex_lock(&st->lock);
    st->delay_ms = delay_ms;
    pthread_mutex_unlock(&st->lock);
}

long store_delay(struct store *st)
{
    pthread_mutex_lock(&st->lock);
    long delay_ms = st->delay_ms;
    pthread_mutex_unlock(&st->lock);
    return delay_ms;
}

void store_set_credits(struct store *st, long credits)
{
    pthread_mutex_lock(&st->lock);
    st->credits = credits;
    pthread_mutex_unlock(&st->lock);
}

long store_credits(struct store *st)
{
    pthread_mutex_lock(&st->lock);
    long credits = st->credits;
    pthread_mutex_unlock(&st->lock);
    return credits;
}

void store_set_cache_ttl(struct store *st, long seconds)
{
    pthread_mutex_lock(&st->lock);
    st->cache_ttl_s = seconds;
    pthread_mutex_unlock(&st->lock);
}

/* ---- signals ---- */

/* How many signals with this subject and question were created so far,
 * this one included. */
static long flaky_bump(struct store *st, const struct signal *s)
{
    struct flaky_counter *c;
    for (c = st->flaky; c; c = c->next)
        if (c->kind == s->kind && c->subject == s->subject && c->question == s->question)
            return ++c->created;
    c = xcalloc(1, sizeof *c);
    c->kind = s->kind;
    c->subject = s->subject;
    c->question = s->question;
    c->created = 1;
    c->next = st->flaky;
    st->flaky = c;
    return 1;
}

static struct cache_key key_of(const struct signal *s)
{
    return (struct cache_key){ .subject = s->subject, .question = s->question,
                               .schema = s->schema, .template_id = s->template_id,
                               .kind = s->kind, .answer_type = s->answer_type };
}

/* The signal that answers `in` from the cache at `now`, or NULL: the newest
 * one made with the same key, if it completed within the TTL. A failed or
 * still processing newest signal is no answer, so a retry is processed. */
static const struct signal *cached(struct store *st, const struct signal_input *in, int64_t now)
{
    if (!in->cacheable || st->cache_ttl_s <= 0)
        return NULL;
    struct signal probe = { .kind = (unsigned char)in->kind,
                            .answer_type = (unsigned char)in->answer_type,
                            .subject = intern_find(&st->strings, in->subject),
                            .question = intern_find(&st->strings, in->question),
                            .schema = intern_find(&st->strings, in->schema),
                            .template_id = intern_find(&st->strings, in->template_id) };
    /* a string never stored is in no key (and must not pass for an absent one) */
    if (!probe.subject || !probe.question || (in->schema && !probe.schema) ||
        (in->template_id && !probe.template_id))
        return NULL;
    struct cache_key key = key_of(&probe);
    uint32_t i = cache_get(&st->cache, &key);
    if (!i)
        return NULL;
    const struct signal *s = &st->signals[i - 1];
    bool fresh = now - s->ready_ms < st->cache_ttl_s * 1000;
    return signal_status_at(s, now) == STATUS_COMPLETED && fresh ? s : NULL;
}

cJSON *store_create(struct store *st, const struct signal_input *in, int64_t now,
                    char id_out[UUID_LEN], int64_t *ready_out)
{
    struct markers mk;
    markers_parse(in->question, &mk);
    pthread_mutex_lock(&st->lock);
    const struct signal *hit = cached(st, in, now);
    if (hit) {
        cJSON *json = signal_json(hit, STATUS_COMPLETED, false);
        memcpy(id_out, hit->id, UUID_LEN);
        *ready_out = hit->ready_ms;
        pthread_mutex_unlock(&st->lock);
        return json;
    }
    if (st->credits <= 0) {
        pthread_mutex_unlock(&st->lock);
        return NULL;
    }
    st->credits--;
    reserve(st, 1);
    struct signal *s = append(st, in);
    s->created_ms = now;
    s->ready_ms = now + (mk.delay_ms >= 0 ? mk.delay_ms : st->delay_ms);
    s->failure = (unsigned char)mk.failure;
    if (mk.flaky > 0 && flaky_bump(st, s) <= mk.flaky)
        s->failure = FAIL_RETRYABLE;
    s->outcome = s->failure != FAIL_NONE ? STATUS_FAILED : STATUS_COMPLETED;
    /* the newest signal of its key, whether or not it could have been
     * answered from the cache: a forced refresh renews the cached answer */
    struct cache_key key = key_of(s);
    cache_put(&st->cache, &key, (uint32_t)st->n);
    cJSON *json = signal_json(s, STATUS_PROCESSING, false);
    memcpy(id_out, s->id, UUID_LEN);
    *ready_out = s->ready_ms;
    pthread_mutex_unlock(&st->lock);
    return json;
}

cJSON *store_get(struct store *st, enum signal_kind kind, const char *id, int64_t now)
{
    cJSON *json = NULL;
    pthread_mutex_lock(&st->lock);
    const struct signal *s = signal_lookup(st, id);
    if (s && (kind == KIND_ANY || s->kind == kind))
        json = signal_json(s, signal_status_at(s, now), false);
    pthread_mutex_unlock(&st->lock);
    return json;
}

static bool matches(const struct signal *s, const struct list_query *q, const char *subject,
                    const char *subscription, int64_t now)
{
    if (q->kind != KIND_ANY && s->kind != q->kind)
        return false;
    if (q->subject && s->subject != subject)
        return false;
    if (q->subscription_id && s->subscription_id != subscription)
        return false;
    enum signal_status status = signal_status_at(s, now);
    if (q->status_mask && !(q->status_mask & (1u << status)))
        return false;
    if (q->has_from || q->has_to) {
        if (status != STATUS_COMPLETED)
            return false;  /* only a completed signal has a completedAt */
        /* completedAt is shown to the second; filter on what is shown */
        int64_t shown = s->ready_ms - ((s->ready_ms % 1000) + 1000) % 1000;
        if ((q->has_from && shown < q->from_ms) || (q->has_to && shown > q->to_ms))
            return false;
    }
    return true;
}

cJSON *store_list(struct store *st, const struct list_query *q, int64_t now, long *total)
{
    cJSON *results = cJSON_CreateArray();
    long seen = 0;
    pthread_mutex_lock(&st->lock);
    /* Filters compare interned pointers: a value never interned matches
     * nothing, and no string is compared per signal. */
    const char *subject = intern_find(&st->strings, q->subject);
    const char *subscription = intern_find(&st->strings, q->subscription_id);
    bool impossible = (q->subject && !subject) || (q->subscription_id && !subscription);
    for (size_t i = st->n; i-- > 0 && !impossible;) {
        const struct signal *s = &st->signals[i];
        if (!matches(s, q, subject, subscription, now))
            continue;
        if (on_page(seen, q->offset, q->limit))
            cJSON_AddItemToArray(results, signal_json(s, signal_status_at(s, now), true));
        seen++;
    }
    pthread_mutex_unlock(&st->lock);
    *total = seen;
    return results;
}

/* Above this many, a seed answers with a count instead of the ids. */
#define SEED_IDS_MAX 1000

cJSON *store_seed(struct store *st, const struct seed_input *in, int64_t now)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *ids = in->count <= SEED_IDS_MAX ? cJSON_AddArrayToObject(out, "ids") : NULL;
    if (!ids)
        cJSON_AddNumberToObject(out, "count", (double)in->count);
    /* One second apart and ending now: createdAt increases with seed order,
     * so the last seeded signal is the newest. */
    int64_t last_s = now / 1000;
    pthread_mutex_lock(&st->lock);
    reserve(st, (size_t)in->count);
    for (long i = 0; i < in->count; i++) {
        struct signal *s = append(st, &in->signal);
        s->created_ms = (last_s - (in->count - 1 - i)) * 1000;
        s->outcome = (unsigned char)in->status;
        s->ready_ms = in->status == STATUS_PROCESSING ? INT64_MAX : s->created_ms;
        if (in->status == STATUS_FAILED)
            s->failure = in->retryable ? FAIL_RETRYABLE : FAIL_PERMANENT;
        if (ids)
            cJSON_AddItemToArray(ids, cJSON_CreateString(s->id));
    }
    pthread_mutex_unlock(&st->lock);
    return out;
}


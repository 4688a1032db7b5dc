#define _GNU_SOURCE
#include "store.h"

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

struct research {
    char id[RESEARCH_ID_LEN];
    cJSON *input;
    bool fails;
    int64_t created_ms, ready_ms;
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

static const char *intern_find(struct intern_pool *p, const char *s)
{
    return (s && p->cap) ? *intern_slot(p, s) : NULL;
}

static const char *intern(struct intern_pool *p, const char *s)
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

static struct signal *signal_lookup(struct store *st, const char *id)
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
    for (size_t i = 0; i < st->n_research; i++) {
        cJSON_Delete(st->research[i]->input);
        free(st->research[i]);
    }
    free(st->research);
    st->signals = NULL;
    st->n = st->cap = st->index_cap = st->n_research = 0;
    st->index = NULL;
    st->research = NULL;
}

void store_init(struct store *st, long credits, long delay_ms)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->lock, NULL);
    st->credits = credits;
    st->delay_ms = delay_ms;
    records_init(&st->records);
}

void store_reset(struct store *st, long credits, long delay_ms)
{
    pthread_mutex_lock(&st->lock);
    clear(st);
    st->credits = credits;
    st->delay_ms = delay_ms;
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

cJSON *store_create(struct store *st, const struct signal_input *in, int64_t now,
                    char id_out[UUID_LEN], int64_t *ready_out)
{
    struct markers mk;
    markers_parse(in->question, &mk);
    pthread_mutex_lock(&st->lock);
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
        if (status == STATUS_PROCESSING)
            return false;
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

/* ---- contact research ---- */

static void view_of(const struct research *r, struct research_view *out)
{
    memcpy(out->id, r->id, RESEARCH_ID_LEN);
    out->input = cJSON_Duplicate(r->input, true);
    out->fails = r->fails;
    out->created_ms = r->created_ms;
    out->ready_ms = r->ready_ms;
}

void store_add_research(struct store *st, cJSON *input, bool fails, int64_t now,
                        struct research_view *out)
{
    struct research *r = xcalloc(1, sizeof *r);
    unsigned char b[8];
    random_bytes(b, sizeof b);
    snprintf(r->id, sizeof r->id, "cr_%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7]);
    r->input = input;
    r->fails = fails;
    r->created_ms = now;
    pthread_mutex_lock(&st->lock);
    r->ready_ms = now + st->delay_ms;
    st->research = xrealloc(st->research, (st->n_research + 1) * sizeof *st->research);
    st->research[st->n_research++] = r;
    view_of(r, out);
    pthread_mutex_unlock(&st->lock);
}

bool store_get_research(struct store *st, const char *id, struct research_view *out)
{
    bool found = false;
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < st->n_research && !found; i++) {
        if (strcmp(st->research[i]->id, id) == 0) {
            view_of(st->research[i], out);
            found = true;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

bool store_find_research(struct store *st, const char *external_id,
                         const char *external_source, struct research_view *out)
{
    bool found = false;
    pthread_mutex_lock(&st->lock);
    for (size_t i = st->n_research; i-- > 0 && !found;) {
        const struct research *r = st->research[i];
        if (json_string_is(r->input, "externalId", external_id) &&
            json_string_is(r->input, "externalSource", external_source)) {
            view_of(r, out);
            found = true;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

void research_view_clear(struct research_view *v)
{
    cJSON_Delete(v->input);
    v->input = NULL;
}

/* ---- what summaries, exports and scores read ---- */

long store_completed_questions(struct store *st, const char *domain, int64_t now, int max,
                               cJSON *questions)
{
    long count = 0;
    int listed = 0;
    pthread_mutex_lock(&st->lock);
    const char *subject = intern_find(&st->strings, domain);
    for (size_t i = st->n; subject && i-- > 0;) {
        const struct signal *s = &st->signals[i];
        if (s->kind != KIND_COMPANY || s->subject != subject ||
            signal_status_at(s, now) != STATUS_COMPLETED)
            continue;
        count++;
        bool known = false;
        const cJSON *q;
        cJSON_ArrayForEach(q, questions)
            known = known || strcmp(q->valuestring, s->question) == 0;
        if (!known && listed < max) {
            cJSON_AddItemToArray(questions, cJSON_CreateString(s->question));
            listed++;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return count;
}

/* The envelope {"type":…, "<key>": {"value": v}} holds one member besides
 * "type": v, or for json_schema (no value wrapper) the member itself. */
static cJSON *unwrap_answer(const cJSON *answer)
{
    const char *type = json_string(answer, "type");
    bool wrapped = !type || strcmp(type, "json_schema") != 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, answer) {
        if (strcmp(m->string, "type") == 0)
            continue;
        const cJSON *value = wrapped ? cJSON_GetObjectItemCaseSensitive(m, "value") : NULL;
        return cJSON_Duplicate(value ? value : m, true);
    }
    return NULL;
}

cJSON *store_latest_value(struct store *st, enum signal_kind kind, const char *subject,
                          const char *question, int64_t now)
{
    cJSON *value = NULL;
    pthread_mutex_lock(&st->lock);
    const char *subj = intern_find(&st->strings, subject);
    const char *quest = intern_find(&st->strings, question);
    for (size_t i = st->n; subj && quest && i-- > 0;) {
        const struct signal *s = &st->signals[i];
        if (s->kind != kind || s->subject != subj || s->question != quest ||
            signal_status_at(s, now) != STATUS_COMPLETED)
            continue;
        cJSON *sig = signal_json(s, STATUS_COMPLETED, false);
        value = unwrap_answer(cJSON_GetObjectItemCaseSensitive(sig, "answer"));
        cJSON_Delete(sig);
        break;
    }
    pthread_mutex_unlock(&st->lock);
    return value;
}

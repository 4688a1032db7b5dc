/* All API state of signals-mock, behind one mutex: signals (company and
 * contact, in one creation-ordered array), the answer cache over them,
 * contact research, credits and the processing delay. Strings shared by many
 * signals (a seeded domain, a question) are interned, so that 100 000 seeded
 * signals cost one small struct each. Everything that reads a signal renders
 * it to JSON while the lock is held, because a concurrent /_mock/reset frees
 * the strings. */
#ifndef MOCK_STORE_H
#define MOCK_STORE_H

#include "cache.h"
#include "records.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum signal_kind { KIND_COMPANY, KIND_CONTACT, KIND_ANY };
enum signal_status { STATUS_PROCESSING, STATUS_COMPLETED, STATUS_FAILED };
enum failure { FAIL_NONE, FAIL_RETRYABLE, FAIL_PERMANENT };

struct signal {
    char id[UUID_LEN];
    unsigned char kind;        /* enum signal_kind */
    unsigned char answer_type; /* index into ANSWER_TYPES */
    unsigned char outcome;     /* enum signal_status once processing ends */
    unsigned char failure;     /* enum failure */
    const char *subject;       /* domain or contactProfileUrl (interned) */
    const char *question;      /* interned */
    const char *subscription_id;  /* interned, may be NULL */
    const char *template_id;      /* interned: made from or attached to it; may be NULL */
    const char *schema;           /* interned outputSchema JSON text as sent, may be NULL */
    const char *schema_answer;    /* interned JSON text of a json_schema answer, may be NULL */
    int64_t created_ms;
    int64_t ready_ms;          /* processing ends; INT64_MAX = never */
};

struct signal_input {
    enum signal_kind kind;
    const char *subject;
    const char *question;
    const char *subscription_id;
    const char *template_id;
    const char *schema;         /* the outputSchema as JSON text */
    const char *schema_answer;  /* see json_schema_answer_text() */
    int answer_type;
    /* Whether the cache may answer it (API-NOTES §4.4): an API create without
     * forceRefresh. Subscription runs are always processed afresh. */
    bool cacheable;
};

struct list_query {
    enum signal_kind kind;
    const char *subject;          /* NULL = any */
    const char *subscription_id;  /* NULL = any */
    unsigned status_mask;         /* bit per enum signal_status; 0 = any */
    bool has_from, has_to;        /* bounds on completedAt */
    int64_t from_ms, to_ms;
    long limit, offset;
};

struct seed_input {
    struct signal_input signal;
    long count;
    enum signal_status status;
    bool retryable;
};

#define RESEARCH_ID_LEN 20  /* "cr_" + 16 hex + NUL */

/* A copy of one research record, safe to use after the lock is gone. */
struct research_view {
    char id[RESEARCH_ID_LEN];
    cJSON *input;  /* the echoed request fields */
    bool fails;
    int64_t created_ms, ready_ms;
};

struct intern_pool {
    char **slots;
    size_t cap, n;
};

struct flaky_counter;
struct research;

struct store {
    pthread_mutex_t lock;
    struct signal *signals;
    size_t n, cap;
    uint32_t *index;  /* open addressing over ids: signal index + 1, 0 = empty */
    size_t index_cap;
    struct intern_pool strings;
    struct flaky_counter *flaky;
    struct research **research;
    size_t n_research;
    struct answer_cache cache;
    long credits;
    long delay_ms;
    long cache_ttl_s;  /* 0: no answer is served from the cache */
    struct records records;  /* every other resource of the API (records.h) */
};

/* What a start or a /_mock/reset sets. */
struct store_defaults {
    long credits, delay_ms, cache_ttl_s;
};

void store_init(struct store *st, const struct store_defaults *d);
void store_reset(struct store *st, const struct store_defaults *d);
void store_destroy(struct store *st);

void store_set_delay(struct store *st, long delay_ms);
long store_delay(struct store *st);
void store_set_credits(struct store *st, long credits);
long store_credits(struct store *st);
void store_set_cache_ttl(struct store *st, long seconds);

/* Creates a signal and charges one credit, or, for a cacheable input whose
 * newest signal with the same cache key completed less than the cache TTL
 * ago, answers that signal again without a charge. Returns the signal as
 * the create endpoints show it (a new one processing), or NULL when no
 * credit is left. */
cJSON *store_create(struct store *st, const struct signal_input *in, int64_t now,
                    char id_out[UUID_LEN], int64_t *ready_out);
/* The signal as it is at `now`, or NULL when no signal of that kind has it. */
cJSON *store_get(struct store *st, enum signal_kind kind, const char *id, int64_t now);
/* The page of signals the query asks for, newest first, as an array;
 * `*total` counts every match. */
cJSON *store_list(struct store *st, const struct list_query *q, int64_t now, long *total);
/* Seeds signals already in their final state (no credits); returns
 * {"ids":[...]} or, above 1000 signals, {"count":N}. */
cJSON *store_seed(struct store *st, const struct seed_input *in, int64_t now);

/* Takes ownership of `input`. */
void store_add_research(struct store *st, cJSON *input, bool fails, int64_t now,
                        struct research_view *out);
bool store_get_research(struct store *st, const char *id, struct research_view *out);
bool store_find_research(struct store *st, const char *external_id,
                         const char *external_source, struct research_view *out);
void research_view_clear(struct research_view *v);

/* What a summary of `domain` consolidates: the number of its completed
 * company signals at `now`, and their distinct questions (newest first, at
 * most `max`) in `questions`. */
long store_completed_questions(struct store *st, const char *domain, int64_t now, int max,
                               cJSON *questions);
/* The unwrapped answer (API-NOTES §4.1) of the newest signal of that kind and
 * subject completed at `now` that was made from (or attached to) the
 * template, or asked its question: a copy, or NULL when none. */
cJSON *store_latest_value(struct store *st, enum signal_kind kind, const char *subject,
                          const char *template_id, const char *question, int64_t now);

/* Template extraction (extract_routes.c). The template-less signals of one
 * kind, newest first: up to `max` of them as {id, question, answerType}
 * items appended to `out`; returns how many there are in all. */
long store_adhoc_signals(struct store *st, enum signal_kind kind, long max, cJSON *out);
/* Which of `ids` (strings) name no signal (-> `unknown`) or a signal that
 * already has a template (-> `attached`); both arrays are appended to. */
void store_attach_check(struct store *st, const cJSON *ids, cJSON *unknown, cJSON *attached);
/* Ties the signals `ids` to the template; returns how many. */
long store_attach(struct store *st, const cJSON *ids, const char *template_id);

#endif

/* The API's resources beyond signals and research (templates, subscriptions
 * and their actions, summaries, lists, market subscriptions, scoring, the
 * account): each one a JSON object shaped as the API shows it, kept per kind
 * in creation order behind one mutex. Members whose name starts with '_'
 * are the mock's own bookkeeping and never shown.
 *
 * Handlers work between records_lock() and records_unlock() on borrowed
 * pointers, and take copies (record_view) before they unlock. A handler
 * that also reads signals takes the records lock first: the signal store
 * never takes this one, so the order cannot deadlock. */
#ifndef MOCK_RECORDS_H
#define MOCK_RECORDS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum record_kind {
    REC_TEMPLATE,
    REC_SUBSCRIPTION,
    REC_ACTION,        /* subscriptionId */
    REC_SUMMARY,       /* domain */
    REC_CONTACT_LIST,
    REC_LIST_CONTACT,  /* listId */
    REC_COMPANY_LIST,
    REC_MARKET,
    REC_DELIVERY,      /* subscriptionId */
    REC_PROFILE,
    REC_RULE,          /* profileId */
    REC_ASSIGNMENT,    /* profileId, objectType, objectId */
    REC_SCORE,         /* profileId, objectType, objectId, dimension */
    REC_ACCOUNT,       /* one record: connectors and organisation */
    REC_KINDS,
};

struct record_set {
    cJSON **v;
    size_t n, cap;
};

struct records {
    pthread_mutex_t lock;
    struct record_set sets[REC_KINDS];
};

void records_init(struct records *rs);
/* Frees every record (takes the lock). */
void records_clear(struct records *rs);
void records_destroy(struct records *rs);
void records_lock(struct records *rs);
void records_unlock(struct records *rs);

/* Which records a listing or removal applies to: up to two string members
 * that must be equal to the given values (a NULL key matches anything),
 * and whether soft-deleted records (a non-null deletedAt) count. */
struct record_match {
    const char *key, *value;
    const char *key2, *value2;
    bool include_deleted;
};

/* The rest expect the lock held. */

/* Takes ownership of `obj` (which carries a string "id"); returns it. */
cJSON *record_add(struct records *rs, enum record_kind kind, cJSON *obj);
/* The record of that kind and id, or NULL. */
cJSON *record_find(struct records *rs, enum record_kind kind, const char *id);
/* The first record that matches, or NULL. */
cJSON *record_first(struct records *rs, enum record_kind kind, const struct record_match *m);
void record_remove(struct records *rs, enum record_kind kind, const cJSON *obj);
/* Puts `obj` (owned) in the place of `old` (freed). */
void record_replace(struct records *rs, enum record_kind kind, const cJSON *old, cJSON *obj);
void records_remove_matching(struct records *rs, enum record_kind kind,
                             const struct record_match *m);
size_t records_count(struct records *rs, enum record_kind kind, const struct record_match *m);
bool record_matches(const cJSON *obj, const struct record_match *m);
bool record_deleted(const cJSON *obj);

/* An array of views of the matching records, newest or oldest first, from
 * `offset`, at most `limit`; `*total` counts every match. */
cJSON *records_page(struct records *rs, enum record_kind kind, const struct record_match *m,
                    bool newest_first, long offset, long limit, long *total);

/* A copy of the record as the API shows it (no private members). */
cJSON *record_view(const cJSON *obj);

/* Sets a member, replacing any previous value; takes ownership of `item`. */
void json_set(cJSON *obj, const char *key, cJSON *item);
void json_set_string(cJSON *obj, const char *key, const char *value);
/* An RFC 3339 time member (JSON null for ms < 0). */
void json_set_time(cJSON *obj, const char *key, int64_t ms);
/* Copies `key` from `from` to `to` when present (null included). */
void json_copy_member(cJSON *to, const cJSON *from, const char *key);
/* A string member's value, or NULL. */
const char *json_string(const cJSON *obj, const char *key);
/* Whether `key` is a string member equal to `value`. */
bool json_string_is(const cJSON *obj, const char *key, const char *value);

/* prefix + `hex_digits` random lower-case hex digits ("cl_" + 12). */
char *new_hex_id(const char *prefix, size_t hex_digits);

/* The organisation id every resource of the mock belongs to. */
extern const char MOCK_ORGANIZATION_ID[];

#endif

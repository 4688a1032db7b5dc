/* Signal summaries (API-NOTES §7): a consolidation of a domain's completed
 * company signals. Generating one takes the processing delay, during which
 * the summary is listed as "processing" and another request for the same
 * domain is a 409; the request itself waits and answers the finished
 * summary. No completed signal: 204. Nothing new since the last summary:
 * that one again, at once. */
#define _GNU_SOURCE
#include "routes.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#define SUMMARIES_LIMIT_DEFAULT 20
#define SUMMARIES_LIMIT_MAX 100
#define SUMMARY_POINTS_MAX 10

/* The domain, private: the API's summary object does not show it. */
#define DOMAIN_KEY "_domain"
#define READY_KEY "_readyMs"

/* Ends the processing of the domain's summaries whose time has come. */
static void refresh(struct records *rs, const char *domain, int64_t now)
{
    struct record_match m = { .key = DOMAIN_KEY, .value = domain };
    const struct record_set *set = &rs->sets[REC_SUMMARY];
    for (size_t i = 0; i < set->n; i++) {
        cJSON *s = set->v[i];
        const cJSON *ready = cJSON_GetObjectItemCaseSensitive(s, READY_KEY);
        if (!record_matches(s, &m) || !json_string_is(s, "status", "processing") ||
            now < (int64_t)ready->valuedouble)
            continue;
        json_set_string(s, "status", "completed");
        json_set_time(s, "updatedAt", (int64_t)ready->valuedouble);
    }
}

static const char *read_domain(const char *domain, cJSON *fields)
{
    if (!domain || !*domain)
        field_error(fields, "domain", "'domain' is required");
    else if (!valid_domain(domain))
        field_error(fields, "domain", "%s", DOMAIN_MESSAGE);
    return domain;
}

void summaries_list(struct call *c, struct reply *r)
{
    long limit, offset, total;
    cJSON *fields = cJSON_CreateArray();
    const char *domain = read_domain(query_get(&c->query, "domain"), fields);
    call_paging(c, SUMMARIES_LIMIT_DEFAULT, SUMMARIES_LIMIT_MAX, &limit, &offset, fields);
    if (!fields_ok(fields, r))
        return;
    struct records *rs = &c->m->store.records;
    struct record_match m = { .key = DOMAIN_KEY, .value = domain };
    records_lock(rs);
    refresh(rs, domain, c->now);
    cJSON *items = records_page(rs, REC_SUMMARY, &m, true, offset, limit, &total);
    records_unlock(rs);
    reply_page(r, PAGE_RESULTS, items, total, limit, offset);
}

/* One data point per distinct question. */
static cJSON *data_points(const char *domain, const cJSON *questions)
{
    cJSON *points = cJSON_CreateArray();
    const cJSON *q;
    cJSON_ArrayForEach(q, questions) {
        cJSON *p = cJSON_CreateObject();
        char *description = xasprintf("signals-mock summary of %s: %s", domain, q->valuestring);
        char *url = xasprintf("https://%s/", domain);
        cJSON_AddStringToObject(p, "description", description);
        const char *question = q->valuestring;
        cJSON_AddItemToObject(p, "referenceQuestions", cJSON_CreateStringArray(&question, 1));
        cJSON_AddStringToObject(p, "qualification", "good");
        cJSON *source = cJSON_CreateObject();
        cJSON_AddStringToObject(source, "url", url);
        cJSON_AddStringToObject(source, "title", domain);
        cJSON_AddStringToObject(source, "snippet", "signals-mock source");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "sources"), source);
        cJSON_AddItemToArray(points, p);
        free(description);
        free(url);
    }
    return points;
}

/* Starts a summary of `count` signals unless one is running (409) or the
 * newest already covers them. Returns the summary's id and when it will be
 * ready, or NULL after an answer went into `r`. Lock held. */
static char *start_summary(struct call *c, struct records *rs, const char *domain, long count,
                           cJSON *questions, int64_t *ready, struct reply *r)
{
    struct record_match m = { .key = DOMAIN_KEY, .value = domain };
    refresh(rs, domain, c->now);
    const struct record_set *set = &rs->sets[REC_SUMMARY];
    for (size_t i = set->n; i-- > 0;) {
        const cJSON *s = set->v[i];
        if (!record_matches(s, &m))
            continue;
        if (json_string_is(s, "status", "processing")) {
            reply_error(r, 409, "CONFLICT", "CONFLICT",
                        "a summary for this domain is already being generated", NULL);
            return NULL;
        }
        if (cJSON_GetObjectItemCaseSensitive(s, "signalsCount")->valuedouble == (double)count) {
            reply_json(r, 200, record_view(s));
            return NULL;
        }
        break;
    }
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", id);
    cJSON_AddItemToObject(s, "summary", data_points(domain, questions));
    cJSON_AddStringToObject(s, "status", "processing");
    cJSON_AddNumberToObject(s, "signalsCount", (double)count);
    json_set_time(s, "createdAt", c->now);
    json_set_time(s, "updatedAt", c->now);
    cJSON_AddStringToObject(s, DOMAIN_KEY, domain);
    *ready = c->now + store_delay(&c->m->store);
    cJSON_AddNumberToObject(s, READY_KEY, (double)*ready);
    record_add(rs, REC_SUMMARY, s);
    return xstrdup(id);
}

void summaries_generate(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *domain = read_domain(string_member(body, "domain", false, 0, NULL, fields), fields);
    if (!fields_ok(fields, r)) {
        cJSON_Delete(body);
        return;
    }
    cJSON *questions = cJSON_CreateArray();
    long count = store_completed_questions(&c->m->store, domain, c->now, SUMMARY_POINTS_MAX,
                                           questions);
    struct records *rs = &c->m->store.records;
    char *id = NULL;
    int64_t ready = 0;
    if (count == 0) {
        reply_empty(r, 204);
    } else {
        records_lock(rs);
        id = start_summary(c, rs, domain, count, questions, &ready, r);
        records_unlock(rs);
    }
    cJSON_Delete(questions);
    if (id) {
        sleeper_until(&c->m->sleeper, ready);
        records_lock(rs);
        refresh(rs, domain, now_ms());
        const cJSON *s = record_find(rs, REC_SUMMARY, id);
        if (s)
            reply_json(r, 200, record_view(s));
        else  /* a reset came first */
            reply_not_found(r, "summary not found");
        records_unlock(rs);
        free(id);
    }
    cJSON_Delete(body);
}

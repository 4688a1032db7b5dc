/* Company and contact signals (API-NOTES §4-§6, §8.9 logs) and credits. One
 * set of handlers serves both kinds: the route's `arg` says which. A create
 * may be answered from the answer cache (store.h); the batch is in
 * batch_routes.c. */
#define _GNU_SOURCE
#include "answers.h"
#include "routes.h"
#include "signal_body.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_TIMEOUT_DEFAULT_S 60
#define SYNC_TIMEOUT_MAX_S 900
#define LIST_LIMIT_MAX 25

static enum signal_kind kind_of(const struct call *c)
{
    return (enum signal_kind)c->route->arg;
}

static const char *subject_key(enum signal_kind kind)
{
    return kind == KIND_CONTACT ? "contactProfileUrl" : "domain";
}

static void reply_no_credits(struct reply *r)
{
    reply_error(r, 402, "PAYMENT_REQUIRED", "INSUFFICIENT_CREDITS",
                "not enough credits left to create a signal", NULL);
}

/* The subject of a new signal: a valid domain, or any non-empty profile URL. */
static const char *read_subject(const cJSON *obj, enum signal_kind kind, cJSON *fields)
{
    const char *key = subject_key(kind);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        field_error(fields, key, "'%s' is required", key);
        return NULL;
    }
    if (!cJSON_IsString(v) || !*v->valuestring) {
        field_error(fields, key, "'%s' must be a non-empty string", key);
        return NULL;
    }
    if (kind == KIND_COMPANY && !valid_domain(v->valuestring)) {
        field_error(fields, key, "%s", DOMAIN_MESSAGE);
        return NULL;
    }
    return v->valuestring;
}

/* A validated create body, or false after a 400 or 404 went into `r`. */
struct create_body {
    cJSON *json;
    struct signal_def def;
};

static void create_body_free(struct create_body *b)
{
    signal_def_clear(&b->def);
    cJSON_Delete(b->json);
}

static bool read_create_body(struct call *c, struct reply *r, struct create_body *b)
{
    memset(b, 0, sizeof *b);
    b->json = call_json_object(c, r);
    if (!b->json)
        return false;
    cJSON *fields = cJSON_CreateArray();
    const char *subject = read_subject(b->json, kind_of(c), fields);
    signal_def_read(c, b->json, "", &b->def, fields);
    b->def.in.kind = kind_of(c);
    b->def.in.subject = subject;
    return fields_ok(fields, r) && signal_def_template_ok(&b->def, r);
}

void signals_create(struct call *c, struct reply *r)
{
    struct create_body b;
    if (read_create_body(c, r, &b)) {
        char id[UUID_LEN];
        int64_t ready;
        cJSON *sig = store_create(&c->m->store, &b.def.in, c->now, id, &ready);
        if (sig)
            reply_json(r, 200, sig);
        else
            reply_no_credits(r);
    }
    create_body_free(&b);
}

void signals_create_sync(struct call *c, struct reply *r)
{
    long timeout_s = SYNC_TIMEOUT_DEFAULT_S;
    const char *wait = call_header(c, "X-Sbr-Timeout-Sec");
    if (wait && !parse_long(wait, 1, SYNC_TIMEOUT_MAX_S, &timeout_s)) {
        reply_field_error(r, "X-Sbr-Timeout-Sec", "must be a whole number between 1 and %d",
                          SYNC_TIMEOUT_MAX_S);
        return;
    }
    const char *timeout_error = call_header(c, "X-Sbr-Timeout-Error");
    struct create_body b;
    if (!read_create_body(c, r, &b)) {
        create_body_free(&b);
        return;
    }
    char id[UUID_LEN];
    int64_t ready;
    cJSON *sig = store_create(&c->m->store, &b.def.in, c->now, id, &ready);
    create_body_free(&b);
    if (!sig) {
        reply_no_credits(r);
        return;
    }
    cJSON_Delete(sig);
    /* Processing ends at a known instant, so waiting is one sleep. */
    int64_t deadline = c->now + timeout_s * 1000;
    sleeper_until(&c->m->sleeper, ready < deadline ? ready : deadline);
    sig = store_get(&c->m->store, kind_of(c), id, now_ms());
    if (!sig) {
        reply_not_found(r, "signal not found or access denied");
        return;
    }
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(sig, "status"));
    if (strcmp(status, "processing") != 0) {
        reply_json(r, 200, sig);
    } else if (timeout_error && str_ieq(timeout_error, "true")) {
        cJSON_Delete(sig);
        char *message = xasprintf(
            "signal processing exceeded the requested timeout of %ld seconds", timeout_s);
        cJSON *extra = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(extra, "details"), "signalId", id);
        reply_error(r, 408, "TIMEOUT", "REQUEST_TIMEOUT", message, extra);
        free(message);
    } else {
        reply_json(r, 202, sig);
    }
}

void signals_get(struct call *c, struct reply *r)
{
    const char *id = c->params[0];
    if (!valid_uuid(id)) {
        reply_field_error(r, "signalId", "'signalId' must be a lower-case UUID");
        return;
    }
    cJSON *sig = store_get(&c->m->store, kind_of(c), id, c->now);
    if (sig)
        reply_json(r, 200, sig);
    else
        reply_not_found(r, "signal not found or access denied");
}

/* Reads the list filters shared by the lists and the subscription logs. */
static void read_list_query(const struct call *c, enum signal_kind kind, struct list_query *q,
                            cJSON *fields)
{
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->subject = query_get(&c->query, subject_key(kind));
    if (q->subject && kind != KIND_CONTACT && !valid_domain(q->subject))
        field_error(fields, "domain", "%s", DOMAIN_MESSAGE);
    q->subscription_id = query_get(&c->query, "subscriptionId");
    for (size_t i = 0; i < c->query.n; i++) {
        if (strcmp(c->query.v[i].name, "status") != 0)
            continue;
        int s = enum_index(STATUSES, c->query.v[i].value);
        if (s < 0)
            field_error(fields, "status", "'status' must be processing, completed or failed");
        else
            q->status_mask |= 1u << s;
    }
    const char *from = query_get(&c->query, "fromDate");
    const char *to = query_get(&c->query, "toDate");
    if (from && !(q->has_from = parse_rfc3339(from, &q->from_ms)))
        field_error(fields, "fromDate", "'fromDate' must be an RFC 3339 date-time");
    if (to && !(q->has_to = parse_rfc3339(to, &q->to_ms)))
        field_error(fields, "toDate", "'toDate' must be an RFC 3339 date-time");
    call_paging(c, LIST_LIMIT_MAX, LIST_LIMIT_MAX, &q->limit, &q->offset, fields);
    /* companyId is accepted but not emulated: signals are not tied to companies. */
}

static void list_page(struct call *c, struct reply *r, enum signal_kind kind,
                      const char *subscription_id)
{
    struct list_query q;
    cJSON *fields = cJSON_CreateArray();
    read_list_query(c, kind, &q, fields);
    if (!fields_ok(fields, r))
        return;
    if (subscription_id)
        q.subscription_id = subscription_id;
    long total;
    cJSON *items = store_list(&c->m->store, &q, c->now, &total);
    reply_page(r, PAGE_RESULTS, items, total, q.limit, q.offset);
}

void signals_list(struct call *c, struct reply *r)
{
    list_page(c, r, kind_of(c), NULL);
}

void signals_subscription_logs(struct call *c, struct reply *r)
{
    list_page(c, r, KIND_ANY, c->params[0]);
}

void credits_get(struct call *c, struct reply *r)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "remainingCredits", (double)store_credits(&c->m->store));
    reply_json(r, 200, out);
}

/* Company and contact signals (API.md §4-§6, §8.9 logs) and credits. One
 * set of handlers serves both kinds: the route's `arg` says which. */
#define _GNU_SOURCE
#include "answers.h"
#include "routes.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_TIMEOUT_DEFAULT_S 60
#define SYNC_TIMEOUT_MAX_S 900
#define LIST_LIMIT_MAX 25
#define ASYNC_BATCH_MAX 20000

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

/* The question part of a signal definition, shared by single creates and
 * batch items (`prefix` names the item in field errors). `*schema_text` gets
 * the malloc'd answer a json_schema signal will give. The question falls
 * back to the template's when only a template is named. */
static void read_definition(const cJSON *obj, const char *prefix, struct signal_input *in,
                            char **question_owned, char **schema_text, cJSON *fields)
{
    char name[96];
#define FIELD(key) (snprintf(name, sizeof name, "%s%s", prefix, key), name)
    const cJSON *question = cJSON_GetObjectItemCaseSensitive(obj, "question");
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(obj, "signalTemplateId");
    if (!tmpl)
        tmpl = cJSON_GetObjectItemCaseSensitive(obj, "templateId");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "answerType");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "outputSchema");

    if (tmpl && !cJSON_IsNull(tmpl) && (!cJSON_IsString(tmpl) || !*tmpl->valuestring))
        field_error(fields, FIELD(tmpl->string), "'%s' must be a non-empty string",
                    tmpl->string);
    if (question && !cJSON_IsNull(question)) {
        if (cJSON_IsString(question) && *question->valuestring)
            in->question = question->valuestring;
        else
            field_error(fields, FIELD("question"), "'question' must be a non-empty string");
    } else if (cJSON_IsString(tmpl) && *tmpl->valuestring) {
        *question_owned = xasprintf(TEMPLATE_QUESTION_FORMAT, tmpl->valuestring);
        in->question = *question_owned;
    } else {
        field_error(fields, FIELD("question"),
                    "'question' is required unless 'signalTemplateId' is given");
    }
    check_enum_member(fields, obj, "answerType", ANSWER_TYPES, FIELD("answerType"));
    int t = cJSON_IsString(type) ? enum_index(ANSWER_TYPES, type->valuestring) : -1;
    in->answer_type = t >= 0 ? t : ANSWER_OPEN_TEXT;
    check_enum_member(fields, obj, "weight", WEIGHTS, FIELD("weight"));
    check_enum_member(fields, obj, "verificationMode", VERIFICATION_MODES,
                      FIELD("verificationMode"));
    if (schema && !cJSON_IsNull(schema)) {
        if (cJSON_IsObject(schema)) {
            *schema_text = json_schema_answer_text(schema);
            in->schema_answer = *schema_text;
        } else {
            field_error(fields, FIELD("outputSchema"), "'outputSchema' must be an object");
        }
    } else if (t == ANSWER_JSON_SCHEMA) {
        field_error(fields, FIELD("outputSchema"),
                    "'outputSchema' is required when answerType is json_schema");
    }
#undef FIELD
}

/* A validated create body, or false after a 400 went into `r`. */
struct create_body {
    cJSON *json;
    struct signal_input in;
    char *question_owned, *schema_text;
};

static void create_body_free(struct create_body *b)
{
    cJSON_Delete(b->json);
    free(b->question_owned);
    free(b->schema_text);
}

static bool read_create_body(struct call *c, struct reply *r, struct create_body *b)
{
    memset(b, 0, sizeof *b);
    b->json = call_json_object(c, r);
    if (!b->json)
        return false;
    cJSON *fields = cJSON_CreateArray();
    b->in.kind = kind_of(c);
    b->in.subject = read_subject(b->json, b->in.kind, fields);
    read_definition(b->json, "", &b->in, &b->question_owned, &b->schema_text, fields);
    return fields_ok(fields, r);
}

void signals_create(struct call *c, struct reply *r)
{
    struct create_body b;
    if (read_create_body(c, r, &b)) {
        char id[UUID_LEN];
        int64_t ready;
        cJSON *sig = store_create(&c->m->store, &b.in, c->now, id, &ready);
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
    cJSON *sig = store_create(&c->m->store, &b.in, c->now, id, &ready);
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

/* A batch result: the created signal's id, or NULL for a rejected item. */
static cJSON *batch_item(const char *id, const char *domain, const char *question)
{
    cJSON *item = cJSON_CreateObject();
    if (id)
        cJSON_AddStringToObject(item, "id", id);
    cJSON_AddStringToObject(item, "status", id ? "processing" : "rejected");
    cJSON_AddStringToObject(item, "domain", domain);
    cJSON_AddStringToObject(item, "question", question);
    return item;
}

struct batch_def {
    struct signal_input in;
    char *question_owned, *schema_text;
};

/* Every signal definition times every domain, domain-major; a bad domain or
 * an exhausted credit balance rejects its items, not the batch. */
static void run_batch(struct call *c, const cJSON *domains, struct batch_def *defs, int n_defs,
                      cJSON *results, long *accepted, long *rejected)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, domains) {
        for (int i = 0; i < n_defs; i++) {
            char id[UUID_LEN];
            int64_t ready;
            cJSON *sig = NULL;
            const char *refusal = DOMAIN_MESSAGE;
            if (valid_domain(d->valuestring)) {
                defs[i].in.subject = d->valuestring;
                sig = store_create(&c->m->store, &defs[i].in, c->now, id, &ready);
                refusal = "insufficient credits";
            }
            cJSON *item = batch_item(sig ? id : NULL, d->valuestring, defs[i].in.question);
            if (sig) {
                cJSON_AddItemToObject(item, "createdAt",
                                      cJSON_DetachItemFromObject(sig, "createdAt"));
                cJSON_Delete(sig);
                (*accepted)++;
            } else {
                cJSON_AddStringToObject(item, "error", refusal);
                (*rejected)++;
            }
            cJSON_AddItemToArray(results, item);
        }
    }
}

void signals_batch(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *signals = cJSON_GetObjectItemCaseSensitive(body, "signals");
    const cJSON *domains = cJSON_GetObjectItemCaseSensitive(body, "domains");
    bool async = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "async"));
    int n_defs = cJSON_IsArray(signals) ? cJSON_GetArraySize(signals) : 0;
    int n_domains = cJSON_IsArray(domains) ? cJSON_GetArraySize(domains) : 0;
    if (n_defs == 0)
        field_error(fields, "signals", "'signals' must be a non-empty array");
    if (n_domains == 0)
        field_error(fields, "domains", "'domains' must be a non-empty array");
    int i = 0;
    for (const cJSON *d = n_domains ? domains->child : NULL; d; d = d->next, i++) {
        if (!cJSON_IsString(d)) {
            char field[32];
            snprintf(field, sizeof field, "domains[%d]", i);
            field_error(fields, field, "'%s' must be a string", field);
        }
    }
    struct batch_def *defs = xcalloc((size_t)n_defs + 1, sizeof *defs);
    for (i = 0; i < n_defs; i++) {
        const cJSON *def = cJSON_GetArrayItem(signals, i);
        char *prefix = xasprintf("signals[%d].", i);
        if (!cJSON_IsObject(def)) {
            field_error(fields, prefix, "each signal must be an object");
        } else {
            defs[i].in.kind = KIND_COMPANY;
            read_definition(def, prefix, &defs[i].in, &defs[i].question_owned,
                            &defs[i].schema_text, fields);
        }
        free(prefix);
    }
    long total = (long)n_defs * n_domains;
    if (async && total > ASYNC_BATCH_MAX)
        field_error(fields, "signals", "an async batch holds at most %d signals",
                    ASYNC_BATCH_MAX);

    if (fields_ok(fields, r)) {
        char submitted[RFC3339_LEN];
        format_rfc3339(c->now, submitted);
        cJSON *results = cJSON_CreateArray();
        long accepted = 0, rejected = 0;
        run_batch(c, domains, defs, n_defs, results, &accepted, &rejected);
        cJSON *out = cJSON_CreateObject();
        if (async) {
            char batch_id[UUID_LEN];
            new_uuid(batch_id);
            cJSON_AddStringToObject(out, "batchId", batch_id);
            cJSON_AddStringToObject(out, "status", "accepted");
            cJSON_AddBoolToObject(out, "async", true);
            cJSON_AddNumberToObject(out, "totalSignals", (double)total);
            cJSON_AddStringToObject(out, "submittedAt", submitted);
            cJSON_Delete(results);
        } else {
            cJSON_AddStringToObject(out, "submittedAt", submitted);
            cJSON_AddNumberToObject(out, "totalSignals", (double)total);
            cJSON_AddNumberToObject(out, "accepted", (double)accepted);
            cJSON_AddNumberToObject(out, "rejected", (double)rejected);
            cJSON_AddItemToObject(out, "results", results);
        }
        reply_json(r, 200, out);
    }
    for (i = 0; i < n_defs; i++) {
        free(defs[i].question_owned);
        free(defs[i].schema_text);
    }
    free(defs);
    cJSON_Delete(body);
}

void credits_get(struct call *c, struct reply *r)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "remainingCredits", (double)store_credits(&c->m->store));
    reply_json(r, 200, out);
}

/* The /_mock control routes the specs drive (spec/helper.lua): reset, the
 * request log, configuration, seeding and fault injection. Malformed
 * control bodies get the same 400 envelope as the API's own validation. */
#define _GNU_SOURCE
#include "answers.h"
#include "routes.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#define SEED_MAX 1000000
#define DELAY_MAX_MS 86400000.0

/* Members other than `allowed` are refused: a misspelt option in a spec
 * should fail loudly, not be ignored. */
static void only_members(const cJSON *obj, const char *const *allowed, cJSON *fields)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
        if (enum_index(allowed, m->string) < 0)
            field_error(fields, m->string, "unknown member '%s'", m->string);
}

void control_reset(struct call *c, struct reply *r)
{
    struct mock *m = c->m;
    reqlog_reset(&m->log);
    faults_reset(&m->faults);
    ratelimit_configure(&m->limiter, NULL, 0, NULL, 0);
    stats_reset(&m->stats);
    struct store_defaults defaults = mock_store_defaults(m);
    store_reset(&m->store, &defaults);
    reply_empty(r, 204);
}

void control_requests(struct call *c, struct reply *r)
{
    char *text = reqlog_render(&c->m->log);
    reply_bytes(r, 200, "application/json", text, strlen(text));
}

void control_config(struct call *c, struct reply *r)
{
    static const char *const allowed[] = { "delay_ms", "rate_limit", "credits", "connectors",
                                           "cache_ttl_s", NULL };
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(body, "delay_ms");
    const cJSON *credits = cJSON_GetObjectItemCaseSensitive(body, "credits");
    const cJSON *limit = cJSON_GetObjectItemCaseSensitive(body, "rate_limit");
    const cJSON *connectors = cJSON_GetObjectItemCaseSensitive(body, "connectors");
    const cJSON *cache_ttl = cJSON_GetObjectItemCaseSensitive(body, "cache_ttl_s");
    only_members(body, allowed, fields);
    if (delay && !json_whole(delay, 0, DELAY_MAX_MS))
        field_error(fields, "delay_ms", "must be a whole number of milliseconds >= 0");
    if (credits && !json_whole(credits, 0, 1e15))
        field_error(fields, "credits", "must be a whole number >= 0");
    if (cache_ttl && !json_whole(cache_ttl, 0, (double)CACHE_TTL_MAX_S))
        field_error(fields, "cache_ttl_s", "must be a whole number of seconds >= 0");
    char err[160];
    if (connectors && !connectors_valid(connectors, err, sizeof err))
        field_error(fields, "connectors", "%s", err);
    /* the limiter is configured last: nothing changes unless all is valid */
    if (cJSON_GetArraySize(fields) == 0 && limit &&
        !ratelimit_configure(&c->m->limiter, limit, c->now, err, sizeof err))
        field_error(fields, "rate_limit", "%s", err);
    if (fields_ok(fields, r)) {
        if (delay)
            store_set_delay(&c->m->store, (long)delay->valuedouble);
        if (credits)
            store_set_credits(&c->m->store, (long)credits->valuedouble);
        if (connectors)
            connectors_set(&c->m->store, connectors);
        if (cache_ttl)
            store_set_cache_ttl(&c->m->store, (long)cache_ttl->valuedouble);
        reply_empty(r, 204);
    }
    cJSON_Delete(body);
}

/* Reads a seed body into `in`, recording what is wrong in `fields`. */
static void read_seed(const cJSON *body, struct seed_input *in, char **schema_text,
                      cJSON *fields)
{
    static const char *const kinds[] = { "company", "contact", NULL };
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(body, "count");
    const cJSON *retryable = cJSON_GetObjectItemCaseSensitive(body, "retryable");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(body, "outputSchema");
    const char *kind = optional_string(body, "kind", fields);
    const char *domain = optional_string(body, "domain", fields);
    const char *profile = optional_string(body, "contactProfileUrl", fields);
    const char *status = optional_string(body, "status", fields);
    const char *type = optional_string(body, "answerType", fields);
    const char *question = optional_string(body, "question", fields);

    memset(in, 0, sizeof *in);
    in->count = 1;
    if (count && !json_whole(count, 1, SEED_MAX))
        field_error(fields, "count", "must be a whole number between 1 and %d", SEED_MAX);
    else if (count)
        in->count = (long)count->valuedouble;
    int k = kind ? enum_index(kinds, kind) : 0;
    if (k < 0)
        field_error(fields, "kind", "must be \"company\" or \"contact\"");
    in->signal.kind = k == 1 ? KIND_CONTACT : KIND_COMPANY;
    if (in->signal.kind == KIND_COMPANY) {
        in->signal.subject = domain ? domain : "acme.com";
        if (!valid_domain(in->signal.subject))
            field_error(fields, "domain", "%s", DOMAIN_MESSAGE);
    } else {
        in->signal.subject = profile ? profile : "https://www.linkedin.com/in/jane-example";
    }
    in->signal.question = question ? question : "Seeded question";
    in->signal.subscription_id = optional_string(body, "subscriptionId", fields);
    int st = status ? enum_index(STATUSES, status) : STATUS_COMPLETED;
    if (st < 0)
        field_error(fields, "status", "must be processing, completed or failed");
    in->status = st < 0 ? STATUS_COMPLETED : (enum signal_status)st;
    int t = type ? enum_index(ANSWER_TYPES, type) : ANSWER_OPEN_TEXT;
    if (t < 0)
        field_error(fields, "answerType", "must be one of the 12 answer types");
    in->signal.answer_type = t < 0 ? ANSWER_OPEN_TEXT : t;
    if (retryable && !cJSON_IsBool(retryable))
        field_error(fields, "retryable", "must be a boolean");
    in->retryable = cJSON_IsTrue(retryable);
    if (schema && !cJSON_IsNull(schema) && !cJSON_IsObject(schema))
        field_error(fields, "outputSchema", "must be an object");
    if (cJSON_IsObject(schema)) {
        *schema_text = json_schema_answer_text(schema);
        in->signal.schema_answer = *schema_text;
    }
}

void control_seed(struct call *c, struct reply *r)
{
    static const char *const allowed[] = {
        "count", "kind", "domain", "contactProfileUrl", "subscriptionId", "status",
        "answerType", "question", "retryable", "outputSchema", NULL,
    };
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    struct seed_input in;
    char *schema_text = NULL;
    only_members(body, allowed, fields);
    read_seed(body, &in, &schema_text, fields);
    if (fields_ok(fields, r))
        reply_json(r, 201, store_seed(&c->m->store, &in, c->now));
    free(schema_text);
    cJSON_Delete(body);
}

void control_stats(struct call *c, struct reply *r)
{
    reply_json(r, 200, stats_json(&c->m->stats));
}

/* The API's routes of the router's table: what a spec holds against the
 * operations the client knows. */
void control_routes(struct call *c, struct reply *r)
{
    (void)c;
    size_t n;
    const struct route *table = route_table(&n);
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        if (strncmp(table[i].path, "/v1/", 4) != 0)
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "method", table[i].method);
        cJSON_AddStringToObject(item, "path", table[i].path);
        cJSON_AddItemToArray(out, item);
    }
    reply_json(r, 200, out);
}

void control_faults(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    char err[160];
    int queued = 0;
    if (faults_add(&c->m->faults, body, err, sizeof err, &queued)) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "queued", queued);
        reply_json(r, 201, out);
    } else {
        reply_field_error(r, "fault", "%s", err);
    }
    cJSON_Delete(body);
}

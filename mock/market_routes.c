/* Market-signal subscriptions (API-NOTES §11.5): monitors of job posts,
 * LinkedIn posts, funding rounds, investments and IPOs, delivered to a
 * webhook. Created active; pause and resume switch them; a delete is soft
 * (status "deleted", still readable, listed only with includeDeleted=true,
 * no longer changeable). The mock never polls by itself: trigger makes one
 * poll, which delivers up to three made-up signals (never more than
 * intervalSignalLimit), listed by …/signals. Webhooks are never called and
 * the webhookSecret is never shown. Every handler answers while holding
 * the records lock. */
#define _GNU_SOURCE
#include "companies.h"
#include "resources.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#define MARKET_NAME_MAX 200
#define SIGNAL_LIMIT_DEFAULT 500
#define SIGNAL_LIMIT_MAX 10000
#define SIGNALS_PER_POLL 3
#define HOUR_MS 3600000LL
#define SECRET_KEY "_webhookSecret"

static const char *const MARKET_TYPES[] = { "JOB_POSTS", "LINKEDIN_POST", "FUND_RAISED",
                                            "RECENT_INVESTMENT", "IPO", NULL };
/* What a delivered signal of each type is about, in MARKET_TYPES order. */
static const char *const MARKET_TITLES[] = { "Senior Data Engineer", "Post about expanding the team",
                                             "Series B funding round", "New investment",
                                             "Initial public offering" };
static const char *const INTERVALS[] = { "daily", "weekly", NULL };

static const char NO_MARKET[] = "market-signal subscription not found or access denied";

/* A deleted subscription stays readable but no longer changes. */
static cJSON *live_market(struct call *c, struct records *rs, struct reply *r)
{
    return record_or_404(rs, REC_MARKET, c->params[0], true, NO_MARKET, r);
}

/* Checks and copies the changeable fields of `body` into `sub`. */
static void apply_market_fields(cJSON *sub, const cJSON *body, cJSON *fields)
{
    static const char *const copied[] = { "name", "prompt", "filters", "webhookUrl",
                                          "intervalSignalLimit", "interval", NULL };
    string_member(body, "name", false, MARKET_NAME_MAX, NULL, fields);
    const char *prompt = string_member(body, "prompt", false, 0, NULL, fields);
    object_member(body, "filters", NULL, fields);
    const char *url = string_member(body, "webhookUrl", false, 0, NULL, fields);
    const char *secret = string_member(body, "webhookSecret", false, 0, NULL, fields);
    optional_whole(body, "intervalSignalLimit", 1, SIGNAL_LIMIT_MAX, 0, fields);
    check_enum_member(fields, body, "interval", INTERVALS, "interval");
    if (url && !valid_http_url(url))
        field_error(fields, "webhookUrl", "'webhookUrl' must be an http(s) URL");
    const char *type = json_string(sub, "type");
    if (prompt && type && strcmp(type, "JOB_POSTS") != 0)
        field_error(fields, "prompt", "'prompt' is only supported for JOB_POSTS subscriptions");
    for (int i = 0; copied[i]; i++)
        json_copy_member(sub, body, copied[i]);
    /* null sets a member back to its default; webhookUrl has none */
    if (!json_string(sub, "webhookUrl"))
        field_error(fields, "webhookUrl", "'webhookUrl' is required");
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(sub, "filters")))
        json_set(sub, "filters", cJSON_CreateObject());
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sub, "intervalSignalLimit")))
        json_set(sub, "intervalSignalLimit", cJSON_CreateNumber(SIGNAL_LIMIT_DEFAULT));
    if (!json_string(sub, "interval"))
        json_set_string(sub, "interval", "daily");
    if (secret)
        json_set_string(sub, SECRET_KEY, secret);
}

void market_list(struct call *c, struct reply *r)
{
    static const struct listing markets = { .kind = REC_MARKET, .style = PAGE_ITEMS,
                                            .default_limit = 20, .newest_first = true,
                                            .include_deleted = true };
    reply_listing(c, r, &markets);
}

void market_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *type = string_member(body, "type", true, 0, NULL, fields);
    check_enum_member(fields, body, "type", MARKET_TYPES, "type");
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *sub = cJSON_CreateObject();
    cJSON_AddStringToObject(sub, "id", id);
    cJSON_AddStringToObject(sub, "organizationId", MOCK_ORGANIZATION_ID);
    json_set_string(sub, "type", type);
    cJSON_AddNullToObject(sub, "name");
    cJSON_AddStringToObject(sub, "status", "active");
    cJSON_AddNullToObject(sub, "prompt");
    cJSON_AddObjectToObject(sub, "filters");
    cJSON_AddNullToObject(sub, "webhookUrl");
    cJSON_AddNumberToObject(sub, "intervalSignalLimit", SIGNAL_LIMIT_DEFAULT);
    cJSON_AddStringToObject(sub, "interval", "daily");
    apply_market_fields(sub, body, fields);
    json_set_time(sub, "createdAt", c->now);
    json_set_time(sub, "updatedAt", c->now);
    cJSON_Delete(body);
    if (!fields_ok(fields, r)) {
        cJSON_Delete(sub);
        return;
    }
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    reply_json(r, 200, record_view(record_add(rs, REC_MARKET, sub)));
    records_unlock(rs);
}

void market_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_MARKET, false, NO_MARKET);
}

void market_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *sub = live_market(c, rs, r);
    if (sub) {
        cJSON *fields = cJSON_CreateArray();
        if (cJSON_GetObjectItemCaseSensitive(body, "type"))
            field_error(fields, "type", "'type' cannot be changed");
        cJSON *next = cJSON_Duplicate(sub, true);
        apply_market_fields(next, body, fields);
        if (fields_ok(fields, r)) {
            json_set_time(next, "updatedAt", c->now);
            reply_json(r, 200, record_view(next));
            record_replace(rs, REC_MARKET, sub, next);
        } else {
            cJSON_Delete(next);
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void market_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *sub = live_market(c, rs, r);
    if (sub) {
        json_set_string(sub, "status", "deleted");
        json_set_time(sub, "updatedAt", c->now);
        json_set_time(sub, "deletedAt", c->now);
        reply_json(r, 200, record_view(sub));
    }
    records_unlock(rs);
}

/* pause (arg 0) and resume (arg 1): idempotent. */
void market_switch(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *sub = live_market(c, rs, r);
    if (sub) {
        json_set_string(sub, "status", c->route->arg ? "active" : "paused");
        json_set_time(sub, "updatedAt", c->now);
        reply_json(r, 200, record_view(sub));
    }
    records_unlock(rs);
}

/* The `n`-th signal a subscription of this type delivers. */
static cJSON *delivery(const cJSON *sub, int type, long n, int64_t now)
{
    char domain[COMPANY_DOMAIN_LEN];
    company_domain((int)(n % COMPANY_POOL_SIZE), domain);
    char *id = new_hex_id("ms_", 16);
    char *posting = new_hex_id("jp_", 8);
    char *external = new_hex_id("ext_", 8);
    char *url = xasprintf("https://%s/signals/%ld", domain, n + 1);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", id);
    cJSON_AddStringToObject(d, "subscriptionId", json_string(sub, "id"));
    /* a job post is identified by its posting, the other types by an
     * external id */
    json_set_string(d, "jobPostingId", type == 0 ? posting : NULL);
    json_set_string(d, "externalSignalId", type == 0 ? NULL : external);
    cJSON *payload = cJSON_AddObjectToObject(d, "payload");
    cJSON_AddStringToObject(payload, "title", MARKET_TITLES[type]);
    cJSON_AddStringToObject(payload, "companyDomain", domain);
    cJSON_AddStringToObject(payload, "url", url);
    cJSON_AddNumberToObject(d, "confidenceScore", 0.9);
    cJSON_AddStringToObject(d, "status", "delivered");
    json_set_time(d, "publishedAt", now - HOUR_MS);
    json_set_time(d, "createdAt", now);
    json_set_time(d, "deliveredAt", now);
    free(id);
    free(posting);
    free(external);
    free(url);
    return d;
}

void market_trigger(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *sub = live_market(c, rs, r);
    if (sub) {
        struct record_match mine = { .key = "subscriptionId", .value = c->params[0] };
        long delivered = (long)records_count(rs, REC_DELIVERY, &mine);
        long limit = (long)cJSON_GetObjectItemCaseSensitive(sub, "intervalSignalLimit")->valuedouble;
        int type = enum_index(MARKET_TYPES, json_string(sub, "type"));
        for (long i = 0; i < SIGNALS_PER_POLL && i < limit; i++)
            record_add(rs, REC_DELIVERY, delivery(sub, type, delivered + i, c->now));
        reply_json(r, 200, record_view(sub));
    }
    records_unlock(rs);
}

void market_signals(struct call *c, struct reply *r)
{
    static const struct listing deliveries = { .kind = REC_DELIVERY, .style = PAGE_ITEMS,
                                               .default_limit = 20, .newest_first = true,
                                               .parent_key = "subscriptionId",
                                               .parent_kind = REC_MARKET,
                                               .parent_missing = NO_MARKET };
    reply_listing(c, r, &deliveries);
}

/* Subscription actions (API-NOTES §8.10): where a subscription delivers, at
 * most 10 per subscription, each a webhook that can be paused. Deletes are
 * permanent. The mock never calls the webhooks. Every handler answers
 * while holding the records lock: nothing here waits. */
#define _GNU_SOURCE
#include "resources.h"
#include "validate.h"

#include <string.h>

#define ACTIONS_PER_SUBSCRIPTION 10

static const char *const ACTION_TYPES[] = { "webhook", NULL };

static const cJSON *subscription_of(struct call *c, struct records *rs, struct reply *r)
{
    return record_or_404(rs, REC_SUBSCRIPTION, c->params[0], false, NO_SUBSCRIPTION, r);
}

/* The action of the path, or NULL after a 404. */
static cJSON *action_of(struct call *c, struct records *rs, struct reply *r)
{
    if (!subscription_of(c, rs, r))
        return NULL;
    struct record_match m = { .key = "id", .value = c->params[1], .key2 = "subscriptionId",
                              .value2 = c->params[0] };
    cJSON *action = record_first(rs, REC_ACTION, &m);
    if (!action)
        reply_not_found(r, "subscription action not found or access denied");
    return action;
}

/* The type-specific configuration: webhook = { destination: http(s) URL }. */
static const cJSON *read_webhook(const cJSON *body, cJSON *fields)
{
    const cJSON *webhook = cJSON_GetObjectItemCaseSensitive(body, "webhook");
    const char *dest = json_string(webhook, "destination");
    if (!cJSON_IsObject(webhook) || !dest || !valid_http_url(dest)) {
        field_error(fields, "webhook.destination",
                    "invalid action configuration: 'webhook.destination' must be an "
                    "http(s) URL");
        return NULL;
    }
    return webhook;
}

void actions_list(struct call *c, struct reply *r)
{
    static const struct listing actions = { .kind = REC_ACTION, .style = PAGE_HAS_MORE,
                                            .default_limit = 20, .parent_key = "subscriptionId",
                                            .parent_kind = REC_SUBSCRIPTION,
                                            .parent_missing = NO_SUBSCRIPTION };
    reply_listing(c, r, &actions);
}

void actions_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    if (!json_string(body, "type"))
        field_error(fields, "type", "'type' is required");
    check_enum_member(fields, body, "type", ACTION_TYPES, "type");
    const cJSON *webhook = read_webhook(body, fields);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    struct record_match siblings = { .key = "subscriptionId", .value = c->params[0] };
    if (found_and_fields_ok(subscription_of(c, rs, r), fields, r)) {
        if (records_count(rs, REC_ACTION, &siblings) >= ACTIONS_PER_SUBSCRIPTION) {
            reply_field_error(r, "subscriptionId", "a subscription has at most %d actions",
                              ACTIONS_PER_SUBSCRIPTION);
        } else {
            char id[UUID_LEN];
            new_uuid(id);
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "id", id);
            cJSON_AddStringToObject(a, "subscriptionId", c->params[0]);
            cJSON_AddStringToObject(a, "type", "webhook");
            cJSON *hook = cJSON_AddObjectToObject(a, "webhook");
            json_copy_member(hook, webhook, "destination");
            cJSON_AddBoolToObject(a, "enabled", true);
            json_set_time(a, "createdAt", c->now);
            json_set_time(a, "updatedAt", c->now);
            reply_json(r, 200, record_view(record_add(rs, REC_ACTION, a)));
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void actions_get(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *a = action_of(c, rs, r);
    if (a)
        reply_json(r, 200, record_view(a));
    records_unlock(rs);
}

void actions_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *a = action_of(c, rs, r);
    if (a) {
        cJSON *fields = cJSON_CreateArray();
        const char *type = json_string(body, "type");
        if (cJSON_GetObjectItemCaseSensitive(body, "type") &&
            (!type || strcmp(type, json_string(a, "type")) != 0))
            field_error(fields, "type", "'type' cannot be changed");
        const cJSON *webhook = read_webhook(body, fields);
        if (fields_ok(fields, r)) {
            json_copy_member(cJSON_GetObjectItemCaseSensitive(a, "webhook"), webhook,
                             "destination");
            json_set_time(a, "updatedAt", c->now);
            reply_json(r, 200, record_view(a));
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void actions_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *a = action_of(c, rs, r);
    if (a) {
        reply_deleted(r, c->params[1]);
        record_remove(rs, REC_ACTION, a);
    }
    records_unlock(rs);
}

/* pause (arg 0) and unpause (arg 1): idempotent. */
void actions_enable(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *a = action_of(c, rs, r);
    if (a) {
        json_set(a, "enabled", cJSON_CreateBool(c->route->arg != 0));
        json_set_time(a, "updatedAt", c->now);
        reply_json(r, 200, record_view(a));
    }
    records_unlock(rs);
}

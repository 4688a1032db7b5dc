/* Contact research (API-NOTES §9.1-§9.3): started by a POST, processing for the
 * mock's delay, then completed (interests, challenges) or failed. */
#define _GNU_SOURCE
#include "routes.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

static const char *const RESEARCH_REQUIRED[] = { "firstName", "lastName", "companyName",
                                                 "companyDomain", NULL };
/* Optional fields echoed back; externalId/externalSource are how a record
 * becomes findable by GET /v1/contacts/research?externalId=&externalSource=. */
static const char *const RESEARCH_OPTIONAL[] = { "contactProfileUrl", "linkedInSalesNavigatorUrl",
                                                 "jobTitle", "externalId", "externalSource",
                                                 NULL };

static enum signal_status research_status(const struct research_view *v, int64_t now)
{
    if (now < v->ready_ms)
        return STATUS_PROCESSING;
    return v->fails ? STATUS_FAILED : STATUS_COMPLETED;
}

static cJSON *research_json(const struct research_view *v, enum signal_status status)
{
    char when[RFC3339_LEN];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", v->id);
    cJSON_AddStringToObject(o, "status", STATUSES[status]);
    const cJSON *field;
    cJSON_ArrayForEach(field, v->input)
        cJSON_AddItemToObject(o, field->string, cJSON_Duplicate(field, true));
    format_rfc3339(v->created_ms, when);
    cJSON_AddStringToObject(o, "createdAt", when);
    if (status == STATUS_PROCESSING)
        return o;
    if (status == STATUS_COMPLETED) {
        if (!cJSON_GetObjectItemCaseSensitive(o, "jobTitle"))
            cJSON_AddStringToObject(o, "jobTitle", "Head of Operations");
        static const char *const interests[] = { "supply-chain automation", "AI in logistics" };
        static const char *const challenges[] = { "scaling operations across regions",
                                                  "legacy tooling" };
        cJSON_AddItemToObject(o, "interests", cJSON_CreateStringArray(interests, 2));
        cJSON_AddItemToObject(o, "challenges", cJSON_CreateStringArray(challenges, 2));
    } else {
        cJSON_AddBoolToObject(o, "retryable", false);
        cJSON_AddStringToObject(o, "error", "Could not retrieve LinkedIn profile data");
        cJSON_AddStringToObject(o, "errorCode", "CONTACT_NOT_FOUND");
    }
    format_rfc3339(v->ready_ms, when);
    cJSON_AddStringToObject(o, "completedAt", when);
    return o;
}

/* Validation problems are a 422 (the API's documented create statuses); a
 * body that is not JSON stays a 400. */
void research_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object_as(c, r, 422);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    cJSON *input = cJSON_CreateObject();
    for (int i = 0; RESEARCH_REQUIRED[i]; i++) {
        const char *key = RESEARCH_REQUIRED[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
        if (!cJSON_IsString(v) || !*v->valuestring)
            field_error(fields, key, "'%s' is required and must be a non-empty string", key);
        else if (strcmp(key, "companyDomain") == 0 && !valid_domain(v->valuestring))
            field_error(fields, key, "'companyDomain' " HOSTNAME_RULE);
        else
            cJSON_AddStringToObject(input, key, v->valuestring);
    }
    for (int i = 0; RESEARCH_OPTIONAL[i]; i++) {
        const char *key = RESEARCH_OPTIONAL[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
        if (!v || cJSON_IsNull(v))
            continue;
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(input, key, v->valuestring);
        else
            field_error(fields, key, "'%s' must be a string", key);
    }
    if (!fields_ok_as(fields, r, 422)) {
        cJSON_Delete(input);
    } else {
        /* firstName "Fail" scripts a research that fails, like the signal
         * markers do for signals. */
        const char *first = cJSON_GetStringValue(cJSON_GetObjectItem(input, "firstName"));
        struct research_view v;
        store_add_research(&c->m->store, input, strcmp(first, "Fail") == 0, c->now, &v);
        reply_json(r, 200, research_json(&v, STATUS_PROCESSING));
        research_view_clear(&v);
    }
    cJSON_Delete(body);
}

static void reply_research(struct call *c, struct reply *r, bool found, struct research_view *v)
{
    if (!found) {
        reply_not_found(r, "contact research not found or access denied");
        return;
    }
    reply_json(r, 200, research_json(v, research_status(v, c->now)));
    research_view_clear(v);
}

void research_get(struct call *c, struct reply *r)
{
    struct research_view v;
    bool found = store_get_research(&c->m->store, c->params[0], &v);
    reply_research(c, r, found, &v);
}

void research_by_external(struct call *c, struct reply *r)
{
    const char *id = query_get(&c->query, "externalId");
    const char *source = query_get(&c->query, "externalSource");
    cJSON *fields = cJSON_CreateArray();
    if (!id || !*id)
        field_error(fields, "externalId", "'externalId' is required");
    if (!source || !*source)
        field_error(fields, "externalSource", "'externalSource' is required");
    if (!fields_ok(fields, r))
        return;
    struct research_view v;
    bool found = store_find_research(&c->m->store, id, source, &v);
    reply_research(c, r, found, &v);
}

/* The Sales Navigator contact search (API-NOTES §9.4) over the contact pool
 * (contact_pool.c). It answers from the pool only while the salesNavigator
 * connector is connected; otherwise an empty page with
 * salesNavConnected:false. A companyLinkedInUrls value holding
 * "invalid-linkedin" is the API's 422 "Could not process LinkedIn URL". */
#define _GNU_SOURCE
#include "contact_pool.h"
#include "routes.h"
#include "validate.h"

#include <string.h>

#define SEARCH_LIMIT_DEFAULT 25
#define SEARCH_LIMIT_MAX 100
#define SEARCH_OFFSET_MAX 1000000000L
#define UNPROCESSABLE_URL_MARKER "invalid-linkedin"

/* Reads the filters into `f`; problems go to `fields`. */
static void read_filter(const cJSON *body, struct pool_filter *f, cJSON *fields)
{
    memset(f, 0, sizeof *f);
    f->first_name = optional_string(body, "firstName", fields);
    f->last_name = optional_string(body, "lastName", fields);
    f->keywords = optional_string(body, "keywords", fields);
    f->job_titles = string_array(body, "jobTitles", NULL, fields);
    f->companies = string_array(body, "companyLinkedInUrls", NULL, fields);
    f->seniority = string_array(body, "seniorityLevels", NULL, fields);
    f->departments = string_array(body, "departments", NULL, fields);
    f->countries = country_codes(body, "countries", NULL, fields);
    const cJSON *e;
    cJSON_ArrayForEach(e, f->departments) {
        if (enum_index(POOL_DEPARTMENTS, e->valuestring) < 0) {
            field_error(fields, "departments", "invalid value: %s", e->valuestring);
            break;
        }
    }
}

/* The URL the API could not process, or NULL. */
static const char *unprocessable_url(const cJSON *urls)
{
    const cJSON *u;
    cJSON_ArrayForEach(u, urls)
        if (strstr(u->valuestring, UNPROCESSABLE_URL_MARKER))
            return u->valuestring;
    return NULL;
}

static void reply_unprocessable(struct reply *r, const char *url)
{
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(extra, "details"), "url", url);
    cJSON *field = cJSON_CreateObject();
    cJSON_AddStringToObject(field, "field", "companyLinkedInUrls");
    cJSON_AddStringToObject(field, "message", "Could not process LinkedIn URL");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(extra, "fields"), field);
    reply_error(r, 422, "VALIDATION", "VALIDATION_ERROR", "Could not process LinkedIn URL",
                extra);
}

void contacts_search(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    struct pool_filter f;
    read_filter(body, &f, fields);
    /* 0 is what Saber's CLI sends for "no limit given": the default page */
    long limit = optional_whole(body, "limit", 0, SEARCH_LIMIT_MAX, 0, fields);
    long offset = optional_whole(body, "offset", 0, SEARCH_OFFSET_MAX, 0, fields);
    if (limit == 0)
        limit = SEARCH_LIMIT_DEFAULT;
    const char *bad_url = unprocessable_url(f.companies);
    if (!fields_ok(fields, r)) {
        cJSON_Delete(body);
        return;
    }
    if (bad_url) {
        reply_unprocessable(r, bad_url);
        cJSON_Delete(body);
        return;
    }
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    bool connected = connector_connected(rs, "salesNavigator");
    records_unlock(rs);
    cJSON *items = cJSON_CreateArray();
    long total = 0;
    for (int i = 0; connected && i < CONTACT_POOL_SIZE; i++) {
        if (!pool_matches(i, &f))
            continue;
        if (on_page(total, offset, limit))
            cJSON_AddItemToArray(items, pool_contact(i));
        total++;
    }
    cJSON *out = page_json(PAGE_HAS_MORE, items, total, limit, offset);
    cJSON_AddBoolToObject(out, "salesNavConnected", connected);
    reply_json(r, 200, out);
    cJSON_Delete(body);
}

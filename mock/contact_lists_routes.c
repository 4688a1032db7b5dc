/* Contact lists (API-NOTES §10): a snapshot of a Sales Navigator search, taken
 * from the contact pool (contact_pool.c) when the list is created (its
 * filters narrow it as they narrow the search) and never refreshed. Creating one
 * needs the salesNavigator connector. Deletes are permanent and take the
 * stored contacts along. Every handler answers while holding the records
 * lock: nothing here waits. */
#define _GNU_SOURCE
#include "contact_pool.h"
#include "resources.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

static const char NO_LIST[] = "contact list not found or access denied";

static cJSON *list_of(struct call *c, struct records *rs, struct reply *r)
{
    return record_or_404(rs, REC_CONTACT_LIST, c->params[0], false, NO_LIST, r);
}

/* filters = { companyLinkedInUrls (required), jobTitles?, keywords?,
 * countries? }: a company URL plus at least one other filter. */
static const cJSON *read_filters(const cJSON *body, cJSON *fields)
{
    static const char *const known[] = { "companyLinkedInUrls", "jobTitles", "keywords",
                                         "countries", NULL };
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(body, "filters");
    if (!cJSON_IsObject(filters)) {
        field_error(fields, "filters", "'filters' is required and must be an object");
        return NULL;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, filters)
        if (enum_index(known, m->string) < 0)
            field_error(fields, "filters", "unknown filter member '%s'", m->string);
    const cJSON *urls = string_array(filters, "companyLinkedInUrls",
                                     "filters.companyLinkedInUrls", fields);
    const cJSON *titles = string_array(filters, "jobTitles", "filters.jobTitles", fields);
    const char *keywords = string_member(filters, "keywords", false, 0, "filters.keywords",
                                         fields);
    const cJSON *countries = country_codes(filters, "countries", "filters.countries", fields);
    if (cJSON_GetArraySize(urls) == 0)
        field_error(fields, "filters.companyLinkedInUrls",
                    "'companyLinkedInUrls' must hold at least one company URL");
    else if (cJSON_GetArraySize(titles) == 0 && !(keywords && *keywords) &&
             cJSON_GetArraySize(countries) == 0)
        field_error(fields, "filters",
                    "a company URL plus at least one other filter (jobTitles, keywords, "
                    "countries) is required");
    return filters;
}

/* Stores the pool contacts the filters select; returns how many. */
static long snapshot(struct records *rs, const char *list_id, const cJSON *filters)
{
    struct pool_filter f = {
        .keywords = json_string(filters, "keywords"),
        .job_titles = cJSON_GetObjectItemCaseSensitive(filters, "jobTitles"),
        .countries = cJSON_GetObjectItemCaseSensitive(filters, "countries"),
        .companies = cJSON_GetObjectItemCaseSensitive(filters, "companyLinkedInUrls"),
    };
    long n = 0;
    for (int i = 0; i < CONTACT_POOL_SIZE; i++) {
        if (!pool_matches(i, &f))
            continue;
        char *id = new_hex_id("c_", 12);
        cJSON *contact = cJSON_CreateObject();
        cJSON_AddStringToObject(contact, "id", id);
        cJSON_AddStringToObject(contact, "listId", list_id);
        cJSON *pooled = pool_contact(i);
        while (pooled->child) {
            cJSON *m = cJSON_DetachItemViaPointer(pooled, pooled->child);
            cJSON_AddItemToObject(contact, m->string, m);
        }
        cJSON_Delete(pooled);
        record_add(rs, REC_LIST_CONTACT, contact);
        free(id);
        n++;
    }
    return n;
}

void contact_lists_list(struct call *c, struct reply *r)
{
    static const struct listing lists = { .kind = REC_CONTACT_LIST, .style = PAGE_HAS_MORE,
                                          .default_limit = 20, .newest_first = true };
    reply_listing(c, r, &lists);
}

void contact_lists_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *name = string_member(body, "name", true, 0, NULL, fields);
    const cJSON *filters = read_filters(body, fields);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (fields_ok(fields, r) && connector_ready(rs, "salesNavigator", r)) {
        char *id = new_hex_id("cl_", 12);
        cJSON *list = cJSON_CreateObject();
        cJSON_AddStringToObject(list, "id", id);
        cJSON_AddStringToObject(list, "name", name);
        cJSON_AddItemToObject(list, "filters", cJSON_Duplicate(filters, true));
        cJSON_AddNumberToObject(list, "contactCount", (double)snapshot(rs, id, filters));
        json_set_time(list, "createdAt", c->now);
        json_set_time(list, "updatedAt", c->now);
        reply_json(r, 200, record_view(record_add(rs, REC_CONTACT_LIST, list)));
        free(id);
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void contact_lists_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_CONTACT_LIST, false, NO_LIST);
}

void contact_lists_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *list = list_of(c, rs, r);
    cJSON *fields = cJSON_CreateArray();
    const char *name = string_member(body, "name", true, 0, NULL, fields);
    if (found_and_fields_ok(list, fields, r)) {
        json_set_string(list, "name", name);
        json_set_time(list, "updatedAt", c->now);
        reply_json(r, 200, record_view(list));
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void contact_lists_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *list = list_of(c, rs, r);
    if (list) {
        struct record_match contents = { .key = "listId", .value = c->params[0] };
        records_remove_matching(rs, REC_LIST_CONTACT, &contents);
        reply_deleted(r, c->params[0]);
        record_remove(rs, REC_CONTACT_LIST, list);
    }
    records_unlock(rs);
}

void contact_lists_contacts(struct call *c, struct reply *r)
{
    static const struct listing contacts = { .kind = REC_LIST_CONTACT, .style = PAGE_HAS_MORE,
                                             .default_limit = 25, .parent_key = "listId",
                                             .parent_kind = REC_CONTACT_LIST,
                                             .parent_missing = NO_LIST };
    reply_listing(c, r, &contacts);
}

/* Company search, count preview and company lists (API-NOTES §11.4) over the
 * company pool of companies.c. A list is a saved filter: its companies are
 * the pool companies the filter selects at the time of the request. A
 * delete is soft, but a deleted list is gone for every route. The export
 * is CSV; the HubSpot import needs the hubspotApp connector and reads a
 * made-up HubSpot portal. Every handler answers while holding the records
 * lock. */
#define _GNU_SOURCE
#include "companies.h"
#include "resources.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_NAME_MAX 200
#define COMPANIES_LIMIT_DEFAULT 25
#define LIMIT_MAX 100
#define SEARCH_PREVIEW_MAX 50
/* The HubSpot portal: the first pool companies, and one domain that no
 * company of the pool has (it comes back in unresolvedDomains). */
#define HUBSPOT_POOL_COMPANIES 5
#define HUBSPOT_UNRESOLVED_DOMAIN "hubspot-only.example"

/* Firmographic columns an export may add after name and domain. */
static const char *const EXPORT_COLUMNS[] = { "industry", "size", "type", "founded", "city",
                                              "state", "countryCode", "handle", NULL };
static const char *const HUBSPOT_OPERATORS[] = {
    "EQ", "NEQ", "GT", "GTE", "LT", "LTE", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN", NULL,
};

static const char NO_LIST[] = "company list not found or access denied";

/* A deleted list is gone for every route. */
static cJSON *live_list(struct call *c, struct records *rs, struct reply *r)
{
    return record_or_404(rs, REC_COMPANY_LIST, c->params[0], true, NO_LIST, r);
}

static const char *read_name(const cJSON *body, cJSON *fields)
{
    return string_member(body, "name", true, LIST_NAME_MAX, NULL, fields);
}

/* A saved list's body {name, filter}: the name, once both are checked. */
static const char *read_list(const cJSON *body, cJSON *fields)
{
    const char *name = read_name(body, fields);
    check_company_filter(body, "filter", fields);
    return name;
}

/* The search (arg 0): {companies: the first matches, total}; the count
 * preview (arg 1): {count, credits}, charging nothing. */
void companies_preview(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    check_company_filter(body, "filter", fields);
    if (fields_ok(fields, r)) {
        long total;
        cJSON *companies = companies_matching(cJSON_GetObjectItemCaseSensitive(body, "filter"), 0,
                                              SEARCH_PREVIEW_MAX, &total);
        cJSON *out = cJSON_CreateObject();
        if (c->route->arg) {
            cJSON_Delete(companies);
            cJSON_AddNumberToObject(out, "count", (double)total);
            cJSON_AddNumberToObject(out, "credits", (double)total);
        } else {
            cJSON_AddItemToObject(out, "companies", companies);
            cJSON_AddNumberToObject(out, "total", (double)total);
        }
        reply_json(r, 200, out);
    }
    cJSON_Delete(body);
}

void company_lists_list(struct call *c, struct reply *r)
{
    static const struct listing lists = { .kind = REC_COMPANY_LIST, .style = PAGE_HAS_MORE,
                                          .default_limit = 20, .newest_first = true };
    reply_listing(c, r, &lists);
}

static cJSON *new_list(const char *name, cJSON *filter, int64_t now)
{
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "id", id);
    cJSON_AddStringToObject(list, "name", name);
    cJSON_AddItemToObject(list, "filter", filter);
    json_set_time(list, "createdAt", now);
    json_set_time(list, "updatedAt", now);
    return list;
}

void company_lists_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *name = read_list(body, fields);
    if (fields_ok(fields, r)) {
        cJSON *filter = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(body, "filter"), true);
        struct records *rs = &c->m->store.records;
        records_lock(rs);
        reply_json(r, 200, record_view(record_add(rs, REC_COMPANY_LIST,
                                                  new_list(name, filter, c->now))));
        records_unlock(rs);
    }
    cJSON_Delete(body);
}

void company_lists_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_COMPANY_LIST, true, NO_LIST);
}

void company_lists_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *name = read_list(body, fields);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *list = live_list(c, rs, r);
    if (found_and_fields_ok(list, fields, r)) {
        json_set_string(list, "name", name);
        json_copy_member(list, body, "filter");
        json_set_time(list, "updatedAt", c->now);
        reply_json(r, 200, record_view(list));
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void company_lists_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *list = live_list(c, rs, r);
    if (list) {
        json_set_time(list, "deletedAt", c->now);
        reply_json(r, 200, record_view(list));
    }
    records_unlock(rs);
}

void company_lists_companies(struct call *c, struct reply *r)
{
    long limit, offset, total;
    cJSON *fields = cJSON_CreateArray();
    call_paging(c, COMPANIES_LIMIT_DEFAULT, LIMIT_MAX, &limit, &offset, fields);
    if (!fields_ok(fields, r))
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *list = live_list(c, rs, r);
    if (list) {
        cJSON *items = companies_matching(cJSON_GetObjectItemCaseSensitive(list, "filter"),
                                          offset, limit, &total);
        reply_page(r, PAGE_HAS_MORE, items, total, limit, offset);
    }
    records_unlock(rs);
}

/* ---- export ---- */

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *out, const char *s, bool first)
{
    if (!first)
        fputc(',', out);
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* A JSON value as one cell: text as it is, lists joined by "; ". */
static char *cell_text(const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return xstrdup("");
    if (cJSON_IsString(v))
        return xstrdup(v->valuestring);
    if (cJSON_IsBool(v))
        return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNumber(v))
        return xasprintf("%.15g", v->valuedouble);
    if (cJSON_IsArray(v)) {
        char *joined = xstrdup("");
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            char *part = cell_text(e);
            char *next = xasprintf("%s%s%s", joined, *joined ? "; " : "", part);
            free(part);
            free(joined);
            joined = next;
        }
        return joined;
    }
    char *text = cJSON_PrintUnformatted(v);
    return text ? text : xstrdup("");
}

/* The export's columns (`columns`, `template_ids` are checked string arrays). */
static char *export_csv(struct call *c, struct records *rs, const cJSON *companies,
                        const cJSON *columns, const cJSON *template_ids)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        abort();
    const cJSON *col, *tid, *company;
    csv_field(out, "name", true);
    csv_field(out, "domain", false);
    cJSON_ArrayForEach(col, columns)
        csv_field(out, col->valuestring, false);
    cJSON_ArrayForEach(tid, template_ids)
        csv_field(out, json_string(record_find(rs, REC_TEMPLATE, tid->valuestring), "name"),
                  false);
    fputs("\r\n", out);
    cJSON_ArrayForEach(company, companies) {
        const char *domain = json_string(company, "domain");
        csv_field(out, json_string(company, "name"), true);
        csv_field(out, domain, false);
        cJSON_ArrayForEach(col, columns) {
            char *cell = cell_text(cJSON_GetObjectItemCaseSensitive(company, col->valuestring));
            csv_field(out, cell, false);
            free(cell);
        }
        cJSON_ArrayForEach(tid, template_ids) {
            const cJSON *t = record_find(rs, REC_TEMPLATE, tid->valuestring);
            cJSON *value = template_value(&c->m->store, t, tid->valuestring, KIND_COMPANY,
                                          domain, c->now);
            char *cell = cell_text(value);
            csv_field(out, cell, false);
            free(cell);
            cJSON_Delete(value);
        }
        fputs("\r\n", out);
    }
    fclose(out);
    return text;
}

void company_lists_export(struct call *c, struct reply *r)
{
    /* every member is optional: no body at all is an export of the defaults */
    cJSON *body = c->body_len ? call_json_object(c, r) : cJSON_CreateObject();
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *columns = string_array(body, "fields", NULL, fields);
    const cJSON *template_ids = string_array(body, "signalTemplateIds", NULL, fields);
    const cJSON *e;
    cJSON_ArrayForEach(e, columns)
        if (enum_index(EXPORT_COLUMNS, e->valuestring) < 0)
            field_error(fields, "fields", "unknown column '%s' (industry, size, type, founded, "
                        "city, state, countryCode or handle)", e->valuestring);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON_ArrayForEach(e, template_ids)
        if (!record_find(rs, REC_TEMPLATE, e->valuestring))
            field_error(fields, "signalTemplateIds", "no signal template with id '%s'",
                        e->valuestring);
    const cJSON *list = live_list(c, rs, r);
    if (found_and_fields_ok(list, fields, r)) {
        long total;
        cJSON *companies = companies_matching(cJSON_GetObjectItemCaseSensitive(list, "filter"),
                                              0, COMPANY_POOL_SIZE, &total);
        char *csv = export_csv(c, rs, companies, columns, template_ids);
        reply_bytes(r, 200, "text/csv; charset=utf-8", csv, strlen(csv));
        cJSON_Delete(companies);
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

/* ---- HubSpot import ---- */

/* source = { type: "hubspot", filter: { propertyName, operator, value? } };
 * value may be left out only for the (NOT_)HAS_PROPERTY operators. */
static void check_source(const cJSON *body, cJSON *fields)
{
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(body, "source");
    if (!cJSON_IsObject(source)) {
        field_error(fields, "source", "'source' is required and must be an object");
        return;
    }
    const char *type = json_string(source, "type");
    if (!type || strcmp(type, "hubspot") != 0)
        field_error(fields, "source.type", "'type' must be \"hubspot\"");
    const cJSON *filter = cJSON_GetObjectItemCaseSensitive(source, "filter");
    if (!cJSON_IsObject(filter)) {
        field_error(fields, "source.filter", "'filter' is required and must be an object");
        return;
    }
    string_member(filter, "propertyName", true, 0, "source.filter.propertyName", fields);
    const char *op = string_member(filter, "operator", true, 0, "source.filter.operator", fields);
    check_enum_member(fields, filter, "operator", HUBSPOT_OPERATORS, "source.filter.operator");
    bool needs_value = op && strstr(op, "HAS_PROPERTY") == NULL;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(filter, "value");
    if (needs_value && (!value || cJSON_IsNull(value)))
        field_error(fields, "source.filter.value", "'value' is required with operator %s", op);
}

void company_lists_import(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *name = read_name(body, fields);
    check_source(body, fields);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (fields_ok(fields, r) && connector_ready(rs, "hubspotApp", r)) {
        cJSON *filter = cJSON_CreateObject();
        cJSON *domains = cJSON_AddArrayToObject(filter, "domains");
        for (int i = 0; i < HUBSPOT_POOL_COMPANIES; i++) {
            char domain[COMPANY_DOMAIN_LEN];
            company_domain(i, domain);
            cJSON_AddItemToArray(domains, cJSON_CreateString(domain));
        }
        cJSON *out = record_view(record_add(rs, REC_COMPANY_LIST, new_list(name, filter, c->now)));
        const char *unresolved = HUBSPOT_UNRESOLVED_DOMAIN;
        cJSON_AddItemToObject(out, "unresolvedDomains", cJSON_CreateStringArray(&unresolved, 1));
        reply_json(r, 200, out);
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

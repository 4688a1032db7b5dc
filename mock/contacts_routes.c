/* Contact research (API.md §9.1-§9.3) and the Sales Navigator contact search
 * (§9.4) over a fixed pool of 60 made-up contacts. */
#define _GNU_SOURCE
#include "routes.h"
#include "validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- research ---- */

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

void research_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
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
    if (!fields_ok(fields, r)) {
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

/* ---- search ---- */

#define SEARCH_LIMIT_DEFAULT 25
#define SEARCH_LIMIT_MAX 100
#define SEARCH_OFFSET_MAX 1000000000L

/* 15 first names x 4 last names: every pool contact has a distinct name. */
static const char *const FIRST_NAMES[] = { "Jane", "Omar", "Li", "Maria", "David",
                                           "Aisha", "Lukas", "Sofia", "Kenji", "Emma",
                                           "Carlos", "Priya", "Noah", "Fatima", "Erik" };
static const char *const LAST_NAMES[] = { "Example", "Sample", "Demo", "Tester" };
static const struct {
    const char *role, *seniority;
} ROLES[] = {
    { "VP Operations", "Vice President" }, { "Head of Logistics", "Director" },
    { "Software Engineer", "Senior" },     { "Sales Director", "Director" },
    { "Marketing Manager", "Manager" },    { "Chief Financial Officer", "CXO" },
};
static const struct {
    const char *name, *handle;
} COMPANIES[] = { { "Acme Corp", "acme" }, { "Globex", "globex" }, { "Initech", "initech" } };
static const char *const LOCATIONS[] = { "Chicago, Illinois, United States",
                                         "London, England, United Kingdom", "Berlin, Germany",
                                         "Austin, Texas, United States" };

/* Sales Navigator's function taxonomy: what `departments` may contain. */
static const char *const DEPARTMENTS[] = {
    "Accounting", "Administrative", "Arts and Design", "Business Development",
    "Community and Social Services", "Consulting", "Customer Success and Support",
    "Education", "Engineering", "Entrepreneurship", "Finance", "Healthcare Services",
    "Human Resources", "Information Technology", "Legal", "Marketing",
    "Media and Communication", "Military and Protective Services", "Operations",
    "Product Management", "Program and Project Management", "Purchasing",
    "Quality Assurance", "Real Estate", "Research", "Sales", NULL,
};

static const char *first_name(int i) { return FIRST_NAMES[i % COUNT(FIRST_NAMES)]; }
static const char *last_name(int i) { return LAST_NAMES[i / COUNT(FIRST_NAMES)]; }
static const char *role(int i) { return ROLES[i % COUNT(ROLES)].role; }

cJSON *pool_contact(int i)
{
    const char *company = COMPANIES[i % COUNT(COMPANIES)].name;
    char *full = xasprintf("%s %s", first_name(i), last_name(i));
    char *headline = xasprintf("%s at %s", role(i), company);
    char *slug = xasprintf("%s-%s", first_name(i), last_name(i));
    for (char *p = slug; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *profile = xasprintf("https://www.linkedin.com/in/%s", slug);
    char *sales = xasprintf("https://www.linkedin.com/sales/lead/ACwAAA%04d,NAME_SEARCH", i);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "firstName", first_name(i));
    cJSON_AddStringToObject(o, "lastName", last_name(i));
    cJSON_AddStringToObject(o, "fullName", full);
    cJSON_AddStringToObject(o, "headline", headline);
    cJSON_AddStringToObject(o, "role", role(i));
    cJSON_AddStringToObject(o, "companyName", company);
    cJSON_AddStringToObject(o, "location", LOCATIONS[i % COUNT(LOCATIONS)]);
    const char *seniority = ROLES[i % COUNT(ROLES)].seniority;
    cJSON_AddItemToObject(o, "seniority", cJSON_CreateStringArray(&seniority, 1));
    cJSON_AddStringToObject(o, "linkedInProfileUrl", profile);
    cJSON_AddStringToObject(o, "linkedInSalesNavigatorProfileUrl", sales);
    free(full);
    free(headline);
    free(slug);
    free(profile);
    free(sales);
    return o;
}

bool pool_title_matches(int i, const cJSON *titles)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, titles)
        if (str_icontains(role(i), t->valuestring))
            return true;
    return !titles || cJSON_GetArraySize(titles) == 0;
}

void contacts_search(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *first = optional_string(body, "firstName", fields);
    const char *last = optional_string(body, "lastName", fields);
    optional_string(body, "keywords", fields);
    const cJSON *titles = string_array(body, "jobTitles", NULL, fields);
    string_array(body, "companyLinkedInUrls", NULL, fields);
    string_array(body, "seniorityLevels", NULL, fields);
    const cJSON *departments = string_array(body, "departments", NULL, fields);
    country_codes(body, "countries", NULL, fields);
    const cJSON *e;
    cJSON_ArrayForEach(e, departments) {
        if (enum_index(DEPARTMENTS, e->valuestring) < 0) {
            field_error(fields, "departments", "invalid value: %s", e->valuestring);
            break;
        }
    }
    long limit = optional_whole(body, "limit", 1, SEARCH_LIMIT_MAX, SEARCH_LIMIT_DEFAULT, fields);
    long offset = optional_whole(body, "offset", 0, SEARCH_OFFSET_MAX, 0, fields);
    if (!fields_ok(fields, r)) {
        cJSON_Delete(body);
        return;
    }

    /* Only names and titles narrow the pool; the other filters are checked
     * for shape and otherwise accepted. */
    cJSON *items = cJSON_CreateArray();
    long total = 0;
    for (int i = 0; i < CONTACT_POOL_SIZE; i++) {
        if ((first && !str_ieq(first, first_name(i))) || (last && !str_ieq(last, last_name(i))) ||
            !pool_title_matches(i, titles))
            continue;
        if (on_page(total, offset, limit))
            cJSON_AddItemToArray(items, pool_contact(i));
        total++;
    }
    cJSON *out = page_json(PAGE_HAS_MORE, items, total, limit, offset);
    cJSON_AddBoolToObject(out, "salesNavConnected", true);
    reply_json(r, 200, out);
    cJSON_Delete(body);
}

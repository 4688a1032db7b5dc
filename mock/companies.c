#define _GNU_SOURCE
#include "companies.h"

#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *slug;
} NAMES[] = {
    { "Acme", "acme" },           { "Globex", "globex" },
    { "Initech", "initech" },     { "Umbrella", "umbrella" },
    { "Hooli", "hooli" },         { "Stark", "stark" },
    { "Wayne", "wayne" },         { "Wonka", "wonka" },
    { "Cyberdyne", "cyberdyne" }, { "Soylent", "soylent" },
    { "Tyrell", "tyrell" },       { "Aperture", "aperture" },
    { "Massive Dynamic", "massivedynamic" }, { "Vandelay", "vandelay" },
    { "Pied Piper", "piedpiper" }, { "Dunder Mifflin", "dundermifflin" },
    { "Gringotts", "gringotts" }, { "Oscorp", "oscorp" },
    { "Monarch", "monarch" },     { "Nakatomi", "nakatomi" },
};
static const struct {
    const char *suffix, *tld, *city, *state, *country;
} REGIONS[] = {
    { "Corp", ".com", "Austin", "Texas", "US" },
    { "Ltd", ".co.uk", "London", "England", "GB" },
    { "GmbH", ".de", "Berlin", "Berlin", "DE" },
};
static const char *const INDUSTRIES[] = { "Software", "Logistics", "Manufacturing",
                                          "Financial Services", "Retail", "Healthcare" };
/* LinkedIn's company size buckets: what `sizes` may contain. */
static const char *const SIZES[] = { "1-10", "11-50", "51-200", "201-500", "501-1000",
                                     "1001-5000", "5001-10000", "10001+", NULL };
static const char *const TYPES[] = { "Privately Held", "Public Company", "Partnership",
                                     "Nonprofit" };

static const char *const FILTER_LISTS[] = { "domains", "names", "industries", "sizes",
                                            "types", "technologies", NULL };
static const char *const LOCATION_LISTS[] = { "cities", "states", "countryCodes", NULL };
static const char *const EXCLUDE_LISTS[] = { "industries", "sizes", "domains", NULL };

#define N_SIZES (COUNT(SIZES) - 1)
#define COMPANY_NAME_LEN 40

static int name_of(int i) { return i % (int)COUNT(NAMES); }
static int region_of(int i) { return i / (int)COUNT(NAMES); }
/* acme.com (the first) is mid-sized, as the API's examples are. */
static const char *size_of(int i) { return SIZES[(i + 2) % N_SIZES]; }
static const char *industry_of(int i) { return INDUSTRIES[i % COUNT(INDUSTRIES)]; }
static const char *type_of(int i) { return TYPES[i % COUNT(TYPES)]; }

void company_domain(int i, char out[COMPANY_DOMAIN_LEN])
{
    snprintf(out, COMPANY_DOMAIN_LEN, "%s%s", NAMES[name_of(i)].slug,
             REGIONS[region_of(i)].tld);
}

static void company_name(int i, char out[COMPANY_NAME_LEN])
{
    snprintf(out, COMPANY_NAME_LEN, "%s %s", NAMES[name_of(i)].name,
             REGIONS[region_of(i)].suffix);
}

static cJSON *pool_company(int i)
{
    char domain[COMPANY_DOMAIN_LEN];
    company_domain(i, domain);
    char name[COMPANY_NAME_LEN];
    company_name(i, name);
    char *id = xasprintf("comp_%04d", i + 1);
    char *handle = xasprintf("company/%s", domain);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "domain", domain);
    cJSON_AddStringToObject(o, "handle", handle);
    cJSON_AddStringToObject(o, "industry", industry_of(i));
    cJSON_AddStringToObject(o, "size", size_of(i));
    cJSON_AddStringToObject(o, "type", type_of(i));
    cJSON_AddNumberToObject(o, "founded", 1950 + (i * 7) % 70);
    cJSON_AddStringToObject(o, "city", REGIONS[region_of(i)].city);
    cJSON_AddStringToObject(o, "state", REGIONS[region_of(i)].state);
    cJSON_AddStringToObject(o, "countryCode", REGIONS[region_of(i)].country);
    free(id);
    free(handle);
    return o;
}

/* ---- validation ---- */

/* Every member of `obj` must be one of `lists` (an array of strings) or of
 * `objects` (checked by the caller). */
static void check_lists(const cJSON *obj, const char *const *lists, const char *const *objects,
                        const char *prefix, cJSON *fields)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) {
        char *field = xasprintf("%s.%s", prefix, m->string);
        if (enum_index(lists, m->string) >= 0)
            string_array(obj, m->string, field, fields);
        else if (!objects || enum_index(objects, m->string) < 0)
            field_error(fields, field, "unknown filter member '%s'", m->string);
        free(field);
    }
}

static void check_sizes(const cJSON *obj, const char *field, cJSON *fields)
{
    const cJSON *size;
    cJSON_ArrayForEach(size, cJSON_GetObjectItemCaseSensitive(obj, "sizes")) {
        if (cJSON_IsString(size) && enum_index(SIZES, size->valuestring) < 0) {
            field_error(fields, field, "invalid size '%s' (use a bucket such as 51-200)",
                        size->valuestring);
            return;
        }
    }
}

void check_company_filter(const cJSON *body, const char *key, cJSON *fields)
{
    const cJSON *filter = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!cJSON_IsObject(filter)) {
        field_error(fields, key, "'%s' is required and must be an object", key);
        return;
    }
    char *prefix = xasprintf("%s.location", key);
    char *exclude_prefix = xasprintf("%s.exclude", key);
    char *sizes = xasprintf("%s.sizes", key);
    char *exclude_sizes = xasprintf("%s.exclude.sizes", key);
    char *country = xasprintf("%s.location.countryCodes", key);
    static const char *const objects[] = { "location", "exclude", NULL };
    check_lists(filter, FILTER_LISTS, objects, key, fields);
    check_sizes(filter, sizes, fields);
    const cJSON *location = object_member(filter, "location", prefix, fields);
    const cJSON *exclude = object_member(filter, "exclude", exclude_prefix, fields);
    check_lists(location, LOCATION_LISTS, NULL, prefix, fields);
    /* check_lists saw the arrays; this adds the code rule */
    if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(location, "countryCodes")))
        country_codes(location, "countryCodes", country, fields);
    check_lists(exclude, EXCLUDE_LISTS, NULL, exclude_prefix, fields);
    check_sizes(exclude, exclude_sizes, fields);
    free(prefix);
    free(exclude_prefix);
    free(sizes);
    free(exclude_sizes);
    free(country);
}

/* ---- matching ---- */

/* Whether `value` is in the string array `key` of `obj` (compared without
 * case, or as a substring for names); an absent or empty array is `dflt`. */
static bool listed(const cJSON *obj, const char *key, const char *value, bool substring,
                   bool dflt)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_GetArraySize(list) == 0)
        return dflt;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
        if (cJSON_IsString(e) && (substring ? str_icontains(value, e->valuestring)
                                            : str_ieq(value, e->valuestring)))
            return true;
    return false;
}

static bool company_matches(int i, const cJSON *filter)
{
    char domain[COMPANY_DOMAIN_LEN], name[COMPANY_NAME_LEN];
    company_domain(i, domain);
    company_name(i, name);
    const cJSON *location = cJSON_GetObjectItemCaseSensitive(filter, "location");
    const cJSON *exclude = cJSON_GetObjectItemCaseSensitive(filter, "exclude");
    return listed(filter, "domains", domain, false, true) &&
           listed(filter, "names", name, true, true) &&
           listed(filter, "industries", industry_of(i), false, true) &&
           listed(filter, "sizes", size_of(i), false, true) &&
           listed(filter, "types", type_of(i), false, true) &&
           listed(location, "cities", REGIONS[region_of(i)].city, false, true) &&
           listed(location, "states", REGIONS[region_of(i)].state, false, true) &&
           listed(location, "countryCodes", REGIONS[region_of(i)].country, false, true) &&
           !listed(exclude, "industries", industry_of(i), false, false) &&
           !listed(exclude, "sizes", size_of(i), false, false) &&
           !listed(exclude, "domains", domain, false, false);
}

cJSON *companies_matching(const cJSON *filter, long offset, long limit, long *total)
{
    cJSON *items = cJSON_CreateArray();
    long seen = 0;
    for (int i = 0; i < COMPANY_POOL_SIZE; i++) {
        if (!company_matches(i, filter))
            continue;
        if (on_page(seen, offset, limit))
            cJSON_AddItemToArray(items, pool_company(i));
        seen++;
    }
    *total = seen;
    return items;
}

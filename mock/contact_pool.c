#define _GNU_SOURCE
#include "contact_pool.h"

#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 15 first names x 4 last names: every pool contact has a distinct name. */
static const char *const FIRST_NAMES[] = { "Jane", "Omar", "Li", "Maria", "David",
                                           "Aisha", "Lukas", "Sofia", "Kenji", "Emma",
                                           "Carlos", "Priya", "Noah", "Fatima", "Erik" };
static const char *const LAST_NAMES[] = { "Example", "Sample", "Demo", "Tester" };
static const struct {
    const char *role, *seniority, *department, *skills;
} ROLES[] = {
    { "VP Operations", "Vice President", "Operations",
      "supply chain, logistics automation, process improvement" },
    { "Head of Logistics", "Director", "Operations", "freight, warehousing, logistics" },
    { "Software Engineer", "Senior", "Engineering", "Go, Lua, Kubernetes" },
    { "Sales Director", "Director", "Sales", "enterprise sales, negotiation, CRM" },
    { "Marketing Manager", "Manager", "Marketing", "demand generation, SEO, content" },
    { "Chief Financial Officer", "CXO", "Finance", "fundraising, M&A, reporting" },
};
static const struct {
    const char *name, *handle;
} COMPANIES[] = { { "Acme Corp", "acme" }, { "Globex", "globex" }, { "Initech", "initech" } };
static const struct {
    const char *location, *country;
} LOCATIONS[] = { { "Chicago, Illinois, United States", "US" },
                  { "London, England, United Kingdom", "GB" },
                  { "Berlin, Germany", "DE" },
                  { "Austin, Texas, United States", "US" } };

const char *const POOL_DEPARTMENTS[] = {
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
#define ROLE(i) ROLES[(i) % COUNT(ROLES)]
#define COMPANY(i) COMPANIES[(i) % COUNT(COMPANIES)]
#define LOCATION(i) LOCATIONS[(i) % COUNT(LOCATIONS)]

cJSON *pool_contact(int i)
{
    char *full = xasprintf("%s %s", first_name(i), last_name(i));
    char *headline = xasprintf("%s at %s", ROLE(i).role, COMPANY(i).name);
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
    cJSON_AddStringToObject(o, "role", ROLE(i).role);
    cJSON_AddStringToObject(o, "companyName", COMPANY(i).name);
    cJSON_AddStringToObject(o, "location", LOCATION(i).location);
    cJSON_AddItemToObject(o, "seniority", cJSON_CreateStringArray(&ROLE(i).seniority, 1));
    cJSON_AddStringToObject(o, "linkedInProfileUrl", profile);
    cJSON_AddStringToObject(o, "linkedInSalesNavigatorProfileUrl", sales);
    free(full);
    free(headline);
    free(slug);
    free(profile);
    free(sales);
    return o;
}

/* Whether `value` equals (or, with `part`, is within) one of `wanted`. */
static bool any_of(const cJSON *wanted, const char *value, bool part)
{
    const cJSON *w;
    if (cJSON_GetArraySize(wanted) == 0)
        return true;
    cJSON_ArrayForEach(w, wanted)
        if (part ? str_icontains(value, w->valuestring) : str_ieq(value, w->valuestring))
            return true;
    return false;
}

/* The company handle of a LinkedIn company URL (".../company/acme/"
 * -> "acme"), compared with the contact's. */
static bool company_matches(const cJSON *urls, int i)
{
    const cJSON *u;
    if (cJSON_GetArraySize(urls) == 0)
        return true;
    cJSON_ArrayForEach(u, urls) {
        const char *p = strstr(u->valuestring, "/company/");
        if (!p)
            continue;
        p += strlen("/company/");
        size_t n = strcspn(p, "/?#");
        const char *handle = COMPANY(i).handle;
        if (n == strlen(handle) && strncasecmp(p, handle, n) == 0)
            return true;
    }
    return false;
}

/* Every blank-separated word of `keywords` in the headline or the skills. */
static bool keywords_match(const char *keywords, int i)
{
    if (!keywords)
        return true;
    char *text = xasprintf("%s at %s; %s", ROLE(i).role, COMPANY(i).name, ROLE(i).skills);
    char *words = xstrdup(keywords), *save = NULL;
    bool all = true;
    for (char *w = strtok_r(words, " \t", &save); w && all; w = strtok_r(NULL, " \t", &save))
        all = str_icontains(text, w);
    free(words);
    free(text);
    return all;
}

bool pool_matches(int i, const struct pool_filter *f)
{
    return (!f->first_name || str_ieq(f->first_name, first_name(i))) &&
           (!f->last_name || str_ieq(f->last_name, last_name(i))) &&
           any_of(f->job_titles, ROLE(i).role, true) &&
           any_of(f->departments, ROLE(i).department, false) &&
           any_of(f->seniority, ROLE(i).seniority, false) &&
           any_of(f->countries, LOCATION(i).country, false) &&
           company_matches(f->companies, i) && keywords_match(f->keywords, i);
}

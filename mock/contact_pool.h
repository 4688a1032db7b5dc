/* The made-up Sales Navigator behind the contact search (API-NOTES §9.4) and
 * the contact lists (API-NOTES §10): 60 contacts, each with what the search's
 * filters look at — a department and a seniority level (from the role), a
 * country (from the location), a company and its LinkedIn URL, and skills
 * the keywords are matched against. A contact is shown as the API's
 * Contact object; the rest stays inside. */
#ifndef MOCK_CONTACT_POOL_H
#define MOCK_CONTACT_POOL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#define CONTACT_POOL_SIZE 60

/* What narrows the pool; NULL or an empty array does not narrow. Values
 * compare without case; within one array any value matches. */
struct pool_filter {
    const char *first_name, *last_name;  /* equal */
    const char *keywords;       /* every word in the headline or the skills */
    const cJSON *job_titles;    /* a part of the role */
    const cJSON *departments;   /* the role's Sales Navigator function */
    const cJSON *seniority;     /* the role's seniority level */
    const cJSON *countries;     /* ISO 3166-1 alpha-2 of the location */
    const cJSON *companies;     /* https://www.linkedin.com/company/<handle> */
};

/* Pool contact i as the API's Contact object. */
cJSON *pool_contact(int i);
bool pool_matches(int i, const struct pool_filter *f);

/* Sales Navigator's function taxonomy, NULL-terminated: what `departments`
 * may hold. */
extern const char *const POOL_DEPARTMENTS[];

#endif

/* The mock's company universe: a fixed pool of 60 made-up companies (20
 * names in the US, the UK and Germany) that company-list filters (API-NOTES
 * §11.4) select from, for search, count preview, list contents, exports,
 * HubSpot imports and subscription runs. */
#ifndef MOCK_COMPANIES_H
#define MOCK_COMPANIES_H

#include <cjson/cJSON.h>

#define COMPANY_POOL_SIZE 60

/* Checks the required filter member `key` of `body`; failures are named
 * `key` or `key.<member>`. */
void check_company_filter(const cJSON *body, const char *key, cJSON *fields);

/* The Company objects a (valid) filter selects, in pool order, from
 * `offset`, at most `limit`; `*total` counts every match. */
cJSON *companies_matching(const cJSON *filter, long offset, long limit, long *total);

/* The domain of pool company `i` (acme.com, acme.co.uk, acme.de, ...). */
#define COMPANY_DOMAIN_LEN 40
void company_domain(int i, char out[COMPANY_DOMAIN_LEN]);

#endif

#define _GNU_SOURCE
#include "routes.h"

#include "util.h"
#include "validate.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The API's 81 operations (those of lua/signals/operations.lua and the two
 * template-extract operations of the API's reference), then the control
 * routes. GET /_mock/routes lists the API's part of this table. */
static const struct route ROUTES[] = {
    { "GET", "/v1/contacts/research", research_by_external, 0 },
    { "POST", "/v1/contacts/research", research_create, 0 },
    { "GET", "/v1/contacts/research/{id}", research_get, 0 },
    { "POST", "/v1/contacts/search", contacts_search, 0 },
    { "POST", "/v1/companies/signals/sync", signals_create_sync, KIND_COMPANY },
    { "GET", "/v1/companies/signals", signals_list, KIND_COMPANY },
    { "POST", "/v1/companies/signals", signals_create, KIND_COMPANY },
    { "POST", "/v1/companies/signals/batch", signals_batch, KIND_COMPANY },
    { "GET", "/v1/companies/signals/{signalId}", signals_get, KIND_COMPANY },
    { "GET", "/v1/companies/signals/subscriptions/{subscriptionId}/logs",
      signals_subscription_logs, KIND_ANY },
    { "POST", "/v1/contacts/signals/sync", signals_create_sync, KIND_CONTACT },
    { "GET", "/v1/contacts/signals", signals_list, KIND_CONTACT },
    { "POST", "/v1/contacts/signals", signals_create, KIND_CONTACT },
    { "GET", "/v1/contacts/signals/{signalId}", signals_get, KIND_CONTACT },
    { "GET", "/v1/credits", credits_get, 0 },
    { "POST", "/v1/contacts/find-email", find_email, 0 },
    { "GET", "/v1/companies/signals/subscriptions", subscriptions_list, 0 },
    { "POST", "/v1/companies/signals/subscriptions", subscriptions_create, 0 },
    { "GET", "/v1/companies/signals/subscriptions/{subscriptionId}", subscriptions_get, 0 },
    { "PUT", "/v1/companies/signals/subscriptions/{subscriptionId}", subscriptions_update, 0 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/start",
      subscriptions_switch, 1 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/stop",
      subscriptions_switch, 0 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/trigger",
      subscriptions_trigger, 0 },
    { "GET", "/v1/companies/signals/subscriptions/{subscriptionId}/actions", actions_list, 0 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/actions", actions_create, 0 },
    { "GET", "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}",
      actions_get, 0 },
    { "PUT", "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}",
      actions_update, 0 },
    { "DELETE", "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}",
      actions_delete, 0 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}/pause",
      actions_enable, 0 },
    { "POST", "/v1/companies/signals/subscriptions/{subscriptionId}/actions/{actionId}/unpause",
      actions_enable, 1 },
    { "GET", "/v1/contacts/lists", contact_lists_list, 0 },
    { "POST", "/v1/contacts/lists", contact_lists_create, 0 },
    { "GET", "/v1/contacts/lists/{listId}", contact_lists_get, 0 },
    { "PUT", "/v1/contacts/lists/{listId}", contact_lists_update, 0 },
    { "DELETE", "/v1/contacts/lists/{listId}", contact_lists_delete, 0 },
    { "GET", "/v1/contacts/lists/{listId}/contacts", contact_lists_contacts, 0 },
    { "GET", "/v1/companies/signals/templates", templates_list, 0 },
    { "POST", "/v1/companies/signals/templates", templates_create, 0 },
    { "GET", "/v1/companies/signals/templates/{templateId}", templates_get, 0 },
    { "PATCH", "/v1/companies/signals/templates/{templateId}", templates_update, 0 },
    { "DELETE", "/v1/companies/signals/templates/{templateId}", templates_delete, 0 },
    { "GET", "/v1/companies/signals/summaries", summaries_list, 0 },
    { "POST", "/v1/companies/signals/summaries", summaries_generate, 0 },
    { "GET", "/v1/market-signals/subscriptions", market_list, 0 },
    { "POST", "/v1/market-signals/subscriptions", market_create, 0 },
    { "GET", "/v1/market-signals/subscriptions/{subscriptionId}", market_get, 0 },
    { "PATCH", "/v1/market-signals/subscriptions/{subscriptionId}", market_update, 0 },
    { "DELETE", "/v1/market-signals/subscriptions/{subscriptionId}", market_delete, 0 },
    { "POST", "/v1/market-signals/subscriptions/{subscriptionId}/pause", market_switch, 0 },
    { "POST", "/v1/market-signals/subscriptions/{subscriptionId}/resume", market_switch, 1 },
    { "POST", "/v1/market-signals/subscriptions/{subscriptionId}/trigger", market_trigger, 0 },
    { "GET", "/v1/market-signals/subscriptions/{subscriptionId}/signals", market_signals, 0 },
    { "GET", "/v1/connectors", connectors_list, 0 },
    { "GET", "/v1/organisation", organisation_get, 0 },
    { "PUT", "/v1/organisation", organisation_update, 0 },
    { "POST", "/v1/companies/lists/import", company_lists_import, 0 },
    { "POST", "/v1/companies/lists/count-preview", companies_preview, 1 },
    { "GET", "/v1/companies/lists", company_lists_list, 0 },
    { "POST", "/v1/companies/lists", company_lists_create, 0 },
    { "GET", "/v1/companies/lists/{listId}", company_lists_get, 0 },
    { "PUT", "/v1/companies/lists/{listId}", company_lists_update, 0 },
    { "DELETE", "/v1/companies/lists/{listId}", company_lists_delete, 0 },
    { "GET", "/v1/companies/lists/{listId}/companies", company_lists_companies, 0 },
    { "POST", "/v1/companies/lists/{listId}/export", company_lists_export, 0 },
    { "POST", "/v1/companies/search", companies_preview, 0 },
    { "GET", "/v1/scoring/profiles", profiles_list, 0 },
    { "POST", "/v1/scoring/profiles", profiles_create, 0 },
    { "GET", "/v1/scoring/profiles/{profileId}", profiles_get, 0 },
    { "PUT", "/v1/scoring/profiles/{profileId}", profiles_update, 0 },
    { "DELETE", "/v1/scoring/profiles/{profileId}", profiles_delete, 0 },
    { "GET", "/v1/scoring/profiles/{profileId}/rules", rules_list, 0 },
    { "PUT", "/v1/scoring/profiles/{profileId}/rules", rules_upsert, 0 },
    { "DELETE", "/v1/scoring/profiles/{profileId}/rules/{ruleId}", rules_delete, 0 },
    { "GET", "/v1/scoring/assignments", assignments_list, 0 },
    { "POST", "/v1/scoring/assignments", assignments_create, 0 },
    { "POST", "/v1/scoring/assignments/bulk", assignments_bulk, 0 },
    { "DELETE", "/v1/scoring/assignments/{assignmentId}", assignments_delete, 0 },
    { "GET", "/v1/scoring/scores", scores_get, 0 },
    { "POST", "/v1/scoring/compute", scores_compute, 0 },
    { "POST", "/v1/signal-templates/extract/propose", extract_propose, 0 },
    { "POST", "/v1/signal-templates/extract/apply", extract_apply, 0 },
    /* control (not authenticated, not logged) */
    { "POST", "/_mock/reset", control_reset, 0 },
    { "GET", "/_mock/requests", control_requests, 0 },
    { "POST", "/_mock/config", control_config, 0 },
    { "POST", "/_mock/seed", control_seed, 0 },
    { "POST", "/_mock/faults", control_faults, 0 },
    { "GET", "/_mock/routes", control_routes, 0 },
    { "GET", "/_mock/stats", control_stats, 0 },
};

const struct route *route_table(size_t *n)
{
    *n = COUNT(ROUTES);
    return ROUTES;
}

/* Matches one pattern against the path; on success returns a rank in which
 * a literal segment outweighs every placeholder after it, so that
 * /v1/companies/signals/subscriptions beats /v1/companies/signals/{signalId}. */
static long match(const char *pattern, const char *path, char **params, size_t *n_params)
{
    long rank = 0;
    size_t n = 0;
    const char *p = pattern, *s = path;
    for (int depth = 0;; depth++) {
        if (*p != '/' || *s != '/')
            goto no;
        p++;
        s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (p[0] == '{') {
            if (slen == 0 || n == ROUTE_MAX_PARAMS)
                goto no;
            params[n++] = percent_decode(s, slen, false);
        } else {
            if (plen != slen || strncmp(p, s, plen) != 0)
                goto no;
            rank |= 1L << (30 - depth);
        }
        p += plen;
        s += slen;
        if (!*p && !*s)
            break;
    }
    *n_params = n;
    return rank;
no:
    while (n > 0)
        free(params[--n]);
    return -1;
}

const struct route *route_find(const char *method, const char *raw_path, struct call *c)
{
    const struct route *best = NULL;
    long best_rank = -1;
    char *params[ROUTE_MAX_PARAMS];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(ROUTES); i++) {
        if (strcmp(ROUTES[i].method, method) != 0)
            continue;
        long rank = match(ROUTES[i].path, raw_path, params, &n);
        if (rank < 0)
            continue;
        if (rank > best_rank) {
            for (size_t k = 0; k < c->n_params; k++)
                free(c->params[k]);
            memcpy(c->params, params, n * sizeof *params);
            c->n_params = n;
            best = &ROUTES[i];
            best_rank = rank;
        } else {
            while (n > 0)
                free(params[--n]);
        }
    }
    c->route = best;
    return best;
}

void call_free(struct call *c)
{
    for (size_t k = 0; k < c->n_params; k++)
        free(c->params[k]);
    c->n_params = 0;
    query_free(&c->query);
}

const char *call_header(const struct call *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

void call_paging(const struct call *c, long dflt, long max, long *limit, long *offset,
                 cJSON *fields)
{
    const char *l = query_get(&c->query, "limit");
    const char *o = query_get(&c->query, "offset");
    *limit = dflt;
    *offset = 0;
    if (l && !parse_long(l, 1, max, limit))
        field_error(fields, "limit", "'limit' must be a whole number between 1 and %ld", max);
    if (o && !parse_long(o, 0, LONG_MAX, offset))
        field_error(fields, "offset", "'offset' must be a whole number >= 0");
}

bool call_flag(const struct call *c, const char *name, bool dflt, cJSON *fields)
{
    const char *v = query_get(&c->query, name);
    if (!v)
        return dflt;
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        field_error(fields, name, "'%s' must be true or false", name);
    return strcmp(v, "true") == 0;
}

cJSON *call_json_object(const struct call *c, struct reply *r)
{
    return call_json_object_as(c, r, 400);
}

cJSON *call_json_object_as(const struct call *c, struct reply *r, int not_object_status)
{
    cJSON *json = NULL;
    if (c->body_len) {
        pthread_mutex_lock(&c->m->parse_lock);
        json = cJSON_ParseWithLength(c->body, c->body_len);
        pthread_mutex_unlock(&c->m->parse_lock);
    }
    if (cJSON_IsObject(json))
        return json;
    const char *why = c->body_len == 0 ? "a JSON object body is required"
                      : json          ? "the body must be a JSON object"
                                      : "the body is not valid JSON";
    cJSON *fields = cJSON_CreateArray();
    field_error(fields, "body", "%s", why);
    reply_validation_as(r, json ? not_object_status : 400, fields);
    cJSON_Delete(json);
    return NULL;
}

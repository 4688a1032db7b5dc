/* The router: one table of every route signals-mock knows (the API's 81
 * operations and the /_mock control routes), and what a handler gets. */
#ifndef MOCK_ROUTES_H
#define MOCK_ROUTES_H

#include "http_util.h"
#include "mock.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>

#define ROUTE_MAX_PARAMS 4

struct route;

/* One request as a handler sees it. */
struct call {
    struct mock *m;
    struct MHD_Connection *conn;
    const char *method;
    const struct route *route;
    char *params[ROUTE_MAX_PARAMS];  /* decoded {placeholders}, in path order */
    size_t n_params;
    struct query query;
    const char *body;
    size_t body_len;
    int64_t now;
};

typedef void (*route_handler)(struct call *c, struct reply *r);

struct route {
    const char *method;
    const char *path;    /* segments; "{name}" matches one non-empty segment */
    route_handler fn;
    int arg;             /* handler-specific (e.g. the signal kind) */
};

/* Every route, API and control, in table order; `*n` gets the count. */
const struct route *route_table(size_t *n);
/* Finds the route for a raw (still percent-encoded) path and fills the
 * call's params. Literal segments win over placeholders. NULL if none. */
const struct route *route_find(const char *method, const char *raw_path, struct call *c);
void call_free(struct call *c);


const char *call_header(const struct call *c, const char *name);
/* The body as a JSON object, or NULL after writing a 400 into `r`. */
cJSON *call_json_object(const struct call *c, struct reply *r);
/* The same for a route that answers 422 for a JSON body that is not an
 * object: 400 stays for a body that is missing or not JSON at all. */
cJSON *call_json_object_as(const struct call *c, struct reply *r, int not_object_status);
/* A list route's `limit` (1..max, default dflt) and `offset` (>= 0, default
 * 0) query parameters; problems go to `fields`. */
void call_paging(const struct call *c, long dflt, long max, long *limit, long *offset,
                 cJSON *fields);
/* A query parameter that is "true" or "false"; `dflt` when absent. */
bool call_flag(const struct call *c, const char *name, bool dflt, cJSON *fields);

/* Handlers (signals_routes.c, contacts_routes.c, control.c). */
void signals_create(struct call *c, struct reply *r);
void signals_create_sync(struct call *c, struct reply *r);
void signals_get(struct call *c, struct reply *r);
void signals_list(struct call *c, struct reply *r);
void signals_batch(struct call *c, struct reply *r);
void signals_subscription_logs(struct call *c, struct reply *r);
void credits_get(struct call *c, struct reply *r);
void research_create(struct call *c, struct reply *r);
void research_get(struct call *c, struct reply *r);
void research_by_external(struct call *c, struct reply *r);
void contacts_search(struct call *c, struct reply *r);
/* Handlers of the rest of the API, one file per area. */
void templates_list(struct call *c, struct reply *r);
void templates_create(struct call *c, struct reply *r);
void templates_get(struct call *c, struct reply *r);
void templates_update(struct call *c, struct reply *r);
void templates_delete(struct call *c, struct reply *r);
void summaries_list(struct call *c, struct reply *r);
void summaries_generate(struct call *c, struct reply *r);
void subscriptions_list(struct call *c, struct reply *r);
void subscriptions_create(struct call *c, struct reply *r);
void subscriptions_get(struct call *c, struct reply *r);
void subscriptions_update(struct call *c, struct reply *r);
void subscriptions_switch(struct call *c, struct reply *r);
void subscriptions_trigger(struct call *c, struct reply *r);
void actions_list(struct call *c, struct reply *r);
void actions_create(struct call *c, struct reply *r);
void actions_get(struct call *c, struct reply *r);
void actions_update(struct call *c, struct reply *r);
void actions_delete(struct call *c, struct reply *r);
void actions_enable(struct call *c, struct reply *r);
void contact_lists_list(struct call *c, struct reply *r);
void contact_lists_create(struct call *c, struct reply *r);
void contact_lists_get(struct call *c, struct reply *r);
void contact_lists_update(struct call *c, struct reply *r);
void contact_lists_delete(struct call *c, struct reply *r);
void contact_lists_contacts(struct call *c, struct reply *r);
void companies_preview(struct call *c, struct reply *r);
void company_lists_list(struct call *c, struct reply *r);
void company_lists_create(struct call *c, struct reply *r);
void company_lists_get(struct call *c, struct reply *r);
void company_lists_update(struct call *c, struct reply *r);
void company_lists_delete(struct call *c, struct reply *r);
void company_lists_companies(struct call *c, struct reply *r);
void company_lists_export(struct call *c, struct reply *r);
void company_lists_import(struct call *c, struct reply *r);
void market_list(struct call *c, struct reply *r);
void market_create(struct call *c, struct reply *r);
void market_get(struct call *c, struct reply *r);
void market_update(struct call *c, struct reply *r);
void market_delete(struct call *c, struct reply *r);
void market_switch(struct call *c, struct reply *r);
void market_trigger(struct call *c, struct reply *r);
void market_signals(struct call *c, struct reply *r);
void profiles_list(struct call *c, struct reply *r);
void profiles_create(struct call *c, struct reply *r);
void profiles_get(struct call *c, struct reply *r);
void profiles_update(struct call *c, struct reply *r);
void profiles_delete(struct call *c, struct reply *r);
void rules_list(struct call *c, struct reply *r);
void rules_upsert(struct call *c, struct reply *r);
void rules_delete(struct call *c, struct reply *r);
void assignments_list(struct call *c, struct reply *r);
void assignments_create(struct call *c, struct reply *r);
void assignments_bulk(struct call *c, struct reply *r);
void assignments_delete(struct call *c, struct reply *r);
void scores_get(struct call *c, struct reply *r);
void scores_compute(struct call *c, struct reply *r);
void connectors_list(struct call *c, struct reply *r);
void organisation_get(struct call *c, struct reply *r);
void organisation_update(struct call *c, struct reply *r);
void find_email(struct call *c, struct reply *r);
void extract_propose(struct call *c, struct reply *r);
void extract_apply(struct call *c, struct reply *r);
void control_reset(struct call *c, struct reply *r);
void control_requests(struct call *c, struct reply *r);
void control_config(struct call *c, struct reply *r);
void control_seed(struct call *c, struct reply *r);
void control_faults(struct call *c, struct reply *r);
void control_routes(struct call *c, struct reply *r);
void control_stats(struct call *c, struct reply *r);

/* Shared between the areas. */

/* The 404 message of an unknown signal subscription (its actions too). */
extern const char NO_SUBSCRIPTION[];
/* A template's version id (the versionId of an extract apply), kept out of
 * the template as shown: the API's template object has no such member. */
#define TEMPLATE_VERSION_ID "_versionId"
/* Gives `tmpl` a fresh version id (a new template or a new version). */
void new_version_id(cJSON *tmpl);
/* A new template record (not yet stored) from a create body, or NULL with
 * the problems appended to `fields`. */
cJSON *template_new(const cJSON *body, int64_t now, cJSON *fields);
/* What a signal made from a template takes from it (API-NOTES §5): its
 * question and answer type, and the outputSchema that goes with the type. */
struct template_def {
    char *question;
    int answer_type;
    char *schema;         /* outputSchema JSON text, or NULL */
    char *schema_answer;  /* a json_schema template's answer (json_schema_answer_text) */
};
/* Copies the definition of the template `id` unless it is unknown or
 * deleted (false). Takes the records lock. */
bool template_definition(struct records *rs, const char *id, struct template_def *out);
void template_def_clear(struct template_def *d);
/* Template update and subscriptions offer every answer type but
 * contacts_generation. */
extern const char *const SUBSCRIPTION_ANSWER_TYPES[];
/* The members that make up a template's or subscription's definition. */
extern const char *const DEFINITION_KEYS[];
/* Adds the definition members to `target`, all null (in the API's order). */
void definition_members(cJSON *target);
/* Checks the definition members of `body` and copies them into `target`,
 * then checks what `target` holds (name, question, outputSchema) and fills
 * in the defaults (answerType open_text, weight important). */
void apply_definition(cJSON *target, const cJSON *body, const char *const *answer_types,
                      cJSON *fields);
/* The newest completed answer (unwrapped) for a subject of a signal made
 * from (or attached to) the template, or asking its question; NULL if none.
 * `tmpl` may be NULL (a template the mock does not know). */
cJSON *template_value(struct store *st, const cJSON *tmpl, const char *template_id,
                      enum signal_kind kind, const char *subject, int64_t now);

/* Whether the connector `source` is connected. Records lock held. */
bool connector_connected(struct records *rs, const char *source);
/* true when the connector `source` is connected; otherwise a 400
 * CONNECTOR_NOT_CONNECTED went into `r`. Records lock held. */
bool connector_ready(struct records *rs, const char *source, struct reply *r);
/* The `connectors` member of /_mock/config: checked, then applied. */
bool connectors_valid(const cJSON *config, char *err, size_t err_len);
void connectors_set(struct store *st, const cJSON *config);

#endif

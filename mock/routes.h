/* The router: one table of every route signals-mock knows (the API's 79
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
    route_handler fn;    /* NULL: the operation exists but is not emulated (501) */
    int arg;             /* handler-specific (e.g. the signal kind) */
};

/* Finds the route for a raw (still percent-encoded) path and fills the
 * call's params. Literal segments win over placeholders. NULL if none. */
const struct route *route_find(const char *method, const char *raw_path, struct call *c);
void call_free(struct call *c);

/* Answers a call: the handler, or 501 for an operation not emulated. */
void route_run(struct call *c, struct reply *r);

const char *call_header(const struct call *c, const char *name);
/* The body as a JSON object, or NULL after writing a 400 into `r`. */
cJSON *call_json_object(const struct call *c, struct reply *r);

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
void control_reset(struct call *c, struct reply *r);
void control_requests(struct call *c, struct reply *r);
void control_config(struct call *c, struct reply *r);
void control_seed(struct call *c, struct reply *r);
void control_faults(struct call *c, struct reply *r);

#endif

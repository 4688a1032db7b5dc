#define _GNU_SOURCE
#include "server.h"

#include "mock.h"
#include "routes.h"

#include <stdlib.h>
#include <string.h>

/* A request body larger than this is refused rather than buffered. */
#define BODY_MAX (64u * 1024 * 1024)

/* One request, from its request line to the end of its answer. */
struct exchange {
    char *uri;  /* as received: percent-encoded path and raw query */
    char *body;
    size_t len, cap;
    bool started, too_large;
};

/* Called with the raw request target before MHD decodes it: the log and the
 * router need the path as it was sent. */
void *server_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct exchange *x = xcalloc(1, sizeof *x);
    x->uri = xstrdup(uri ? uri : "/");
    return x;
}

void server_end(void *cls, struct MHD_Connection *conn, void **req_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct exchange *x = *req_cls;
    if (x) {
        free(x->uri);
        free(x->body);
        free(x);
        *req_cls = NULL;
    }
}

static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool authorized(const struct mock *m, const struct call *c)
{
    const char *h = call_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || !str_istarts(h, "Bearer "))
        return false;
    const char *key = h + 7;
    while (*key == ' ')
        key++;
    return m->opt.api_key ? strcmp(key, m->opt.api_key) == 0 : strncmp(key, "sk_", 3) == 0;
}

static void route_or_404(struct call *c, const char *path, struct reply *r)
{
    if (route_find(c->method, path, c)) {
        c->route->fn(c, r);
    } else {
        char *message = xasprintf("no route %s %s", c->method, path);
        reply_not_found(r, message);
        free(message);
    }
}

/* The answer of the API itself. The limiter comes first: it counts every
 * /v1 request, so even a 401 carries the X-Ratelimit-* headers. */
static void answer_api(struct mock *m, struct call *c, const char *path, enum rl_class cls,
                       struct reply *r)
{
    struct rl_verdict v;
    c->now = now_ms();  /* after any stall: the answer is made now */
    ratelimit_check(&m->limiter, cls, c->now, &v);
    if (!v.allowed) {
        stats_limited(&m->stats, cls);
        ratelimit_reject(&v, r);
    } else if (!authorized(m, c))
        reply_error(r, 401, "AUTHENTICATION", "UNAUTHORIZED", "invalid or missing API key",
                    NULL);
    else
        route_or_404(c, path, r);
    ratelimit_decorate(&v, r);
}

static enum MHD_Result serve_api(struct mock *m, struct call *c, const char *path,
                                 const char *query, struct reply *r)
{
    struct log_ticket ticket = reqlog_append(&m->log, c->conn, c->method, path, query,
                                             c->body, c->body_len);
    enum rl_class cls = rl_class_of(c->method, path);
    stats_received(&m->stats, cls);
    /* all zero unless a fault applies: no pause, no headers */
    struct fault f = { .method = NULL };
    enum delivery how = DELIVER_FULL;
    if (faults_take(&m->faults, c->method, path, &f)) {
        switch (f.kind) {
        case FAULT_RESET:
            fault_clear(&f);
            connection_reset_hard(c->conn);
            return MHD_NO;  /* status stays 0 in the log: nothing was answered */
        case FAULT_STALL:
            sleeper_for(&m->sleeper, f.seconds);
            break;
        case FAULT_RESET_BODY:
            how = DELIVER_RESET_BODY;
            break;
        case FAULT_STALL_BODY:
            how = DELIVER_STALL_BODY;
            break;
        case FAULT_TRUNCATE:
            how = DELIVER_TRUNCATE;
            break;
        case FAULT_ECHO_KEY:
            echo_key_apply(&f, call_header(c, MHD_HTTP_HEADER_AUTHORIZATION), r);
            break;
        default:
            fault_reply(&f, r);
            break;
        }
        /* The partial kinds damage their own body when given one, else the
         * normal answer (with any extra headers on top). */
        if (how != DELIVER_FULL && f.body)
            fault_reply(&f, r);
    }
    if (r->status == 0) {
        answer_api(m, c, path, cls, r);
        fault_add_headers(&f, r);
    }
    double pause = f.seconds;
    fault_clear(&f);
    reqlog_set_status(&m->log, ticket, r->status);
    return reply_send(c->conn, &m->sleeper, r, how, pause);
}

static enum MHD_Result serve(struct mock *m, struct MHD_Connection *conn, const char *method,
                             struct exchange *x)
{
    size_t path_len = strcspn(x->uri, "?");
    char *path = xstrndup(x->uri, path_len);
    const char *query = x->uri[path_len] == '?' ? x->uri + path_len + 1 : "";
    struct call c = { .m = m, .conn = conn, .method = method, .body = x->body,
                      .body_len = x->len, .now = now_ms() };
    query_parse(&c.query, query);
    struct reply r;
    reply_init(&r);
    enum MHD_Result ret;
    if (x->too_large) {
        reply_error(&r, 413, "VALIDATION", "PAYLOAD_TOO_LARGE", "request body too large", NULL);
        ret = reply_send(conn, &m->sleeper, &r, DELIVER_FULL, 0);
    } else if (under(path, "/v1")) {
        ret = serve_api(m, &c, path, query, &r);
    } else {
        /* /_mock control routes and anything else: no log, no auth */
        route_or_404(&c, path, &r);
        ret = reply_send(conn, &m->sleeper, &r, DELIVER_FULL, 0);
    }
    reply_clear(&r);
    call_free(&c);
    free(path);
    return ret;
}

enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **req_cls)
{
    (void)url;  /* already percent-decoded by MHD; the exchange has the raw form */
    (void)version;
    struct exchange *x = *req_cls;
    if (!x)
        return MHD_NO;
    if (!x->started) {
        x->started = true;  /* headers only so far: ask for the body */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (x->too_large || x->len + n > BODY_MAX) {
            x->too_large = true;
            return MHD_YES;
        }
        if (x->len + n + 1 > x->cap) {
            x->cap = (x->len + n + 1) * 2;
            x->body = xrealloc(x->body, x->cap);
        }
        memcpy(x->body + x->len, upload_data, n);
        x->len += n;
        x->body[x->len] = '\0';
        return MHD_YES;
    }
    return serve(cls, conn, method, x);
}

#define _GNU_SOURCE
#include "faults.h"

#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[] = {
    "reset", "reset_body", "stall", "stall_body", "truncate",
    "html502", "html503", "status", "big", "echo_key", NULL,
};
static const char *const ECHO_WHERE[] = { "body", "html", "header", NULL };
static const char *const ECHO_ENCODINGS[] = { "raw", "base64", "percent", "prefix", NULL };

#define ECHO_CHARS_DEFAULT 16
#define ECHO_PAD_MAX (1L << 20)

/* The smallest body "big" can make: {"padding":""} */
#define BIG_MIN 14
#define BIG_MAX (512L * 1024 * 1024)

void faults_init(struct faults *q)
{
    q->head = NULL;
    pthread_mutex_init(&q->lock, NULL);
}

static void fault_free(struct fault *f)
{
    fault_clear(f);
    free(f);
}

void fault_clear(struct fault *f)
{
    free(f->method);
    free(f->path);
    free(f->body);
    free(f->header);
    cJSON_Delete(f->headers);
    memset(f, 0, sizeof *f);
}

static void clear(struct faults *q)
{
    while (q->head) {
        struct fault *next = q->head->next;
        fault_free(q->head);
        q->head = next;
    }
}

void faults_reset(struct faults *q)
{
    pthread_mutex_lock(&q->lock);
    clear(q);
    pthread_mutex_unlock(&q->lock);
}

void faults_destroy(struct faults *q)
{
    clear(q);
    pthread_mutex_destroy(&q->lock);
}

#define FAIL(...) do { snprintf(err, err_len, __VA_ARGS__); return false; } while (0)

/* An optional string member that must be one of `names`; its index or
 * `dflt`, -1 when it is something else. */
static int name_member(const cJSON *spec, const char *key, const char *const *names, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!v || cJSON_IsNull(v))
        return dflt;
    return cJSON_IsString(v) ? enum_index(names, v->valuestring) : -1;
}

/* The members of an echo_key fault. */
static bool parse_echo(const cJSON *spec, struct fault *f, char *err, size_t err_len)
{
    const cJSON *chars = cJSON_GetObjectItemCaseSensitive(spec, "chars");
    const cJSON *pad = cJSON_GetObjectItemCaseSensitive(spec, "pad");
    const cJSON *header = cJSON_GetObjectItemCaseSensitive(spec, "header");
    int where = name_member(spec, "where", ECHO_WHERE, ECHO_BODY);
    int encoding = name_member(spec, "encoding", ECHO_ENCODINGS, ECHO_RAW);
    if (where < 0)
        FAIL("where must be body, html or header");
    if (encoding < 0)
        FAIL("encoding must be raw, base64, percent or prefix");
    f->where = (enum echo_where)where;
    f->encoding = (enum echo_encoding)encoding;
    f->chars = ECHO_CHARS_DEFAULT;
    if (chars) {
        if (!json_whole(chars, 1, 4096))
            FAIL("chars must be a whole number between 1 and 4096");
        f->chars = (long)chars->valuedouble;
    }
    if (pad) {
        if (!json_whole(pad, 0, (double)ECHO_PAD_MAX))
            FAIL("pad must be a whole number between 0 and %ld", ECHO_PAD_MAX);
        f->pad = (long)pad->valuedouble;
    }
    if (header && (!cJSON_IsString(header) || !*header->valuestring))
        FAIL("header must be a header name");
    f->header = xstrdup(header ? header->valuestring : "X-Echoed-Authorization");
    return true;
}

/* Fills `f` from the spec; false with a message when something is wrong. */
static bool parse_fault(const cJSON *spec, struct fault *f, char *err, size_t err_len)
{
    if (!cJSON_IsObject(spec))
        FAIL("the body must be a JSON object");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(spec, "fault");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(spec, "path");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(spec, "method");
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(spec, "times");
    const cJSON *seconds = cJSON_GetObjectItemCaseSensitive(spec, "seconds");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(spec, "status");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(spec, "body");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(spec, "headers");
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(spec, "bytes");

    static const char *const members[] = { "fault", "path", "method", "times", "seconds",
                                           "status", "body", "headers", "bytes", "where",
                                           "encoding", "chars", "pad", "header", NULL };
    const cJSON *m;
    cJSON_ArrayForEach(m, spec)
        if (enum_index(members, m->string) < 0)
            FAIL("unknown member '%s'", m->string);
    int k = cJSON_IsString(kind) ? enum_index(KIND_NAMES, kind->valuestring) : -1;
    if (k < 0)
        FAIL("fault must be one of reset, reset_body, stall, stall_body, truncate, "
             "html502, html503, status, big, echo_key");
    f->kind = (enum fault_kind)k;
    if (!cJSON_IsString(path) || path->valuestring[0] != '/')
        FAIL("path must be a string starting with /");
    size_t len = strlen(path->valuestring);
    f->prefix = path->valuestring[len - 1] == '*';
    f->path = xstrndup(path->valuestring, f->prefix ? len - 1 : len);
    if (method && !cJSON_IsNull(method)) {
        if (!cJSON_IsString(method) || !*method->valuestring)
            FAIL("method must be a string");
        f->method = xstrdup(method->valuestring);
        for (char *p = f->method; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    }
    f->times = 1;
    if (times) {
        if (!json_whole(times, 1, 1e9))
            FAIL("times must be a whole number >= 1");
        f->times = (long)times->valuedouble;
    }
    if (f->kind == FAULT_STALL || f->kind == FAULT_STALL_BODY) {
        if (!cJSON_IsNumber(seconds) || seconds->valuedouble < 0 ||
            seconds->valuedouble > 86400)
            FAIL("seconds must be a number >= 0 for a stall");
        f->seconds = seconds->valuedouble;
    }
    if (status) {
        if (!json_whole(status, 200, 599))
            FAIL("status must be a whole number between 200 and 599");
        f->status = (int)status->valuedouble;
    } else if (f->kind == FAULT_STATUS) {
        FAIL("status is required for a status fault");
    }
    if (body && !cJSON_IsNull(body)) {
        f->body = cJSON_IsString(body) ? xstrdup(body->valuestring)
                                       : cJSON_PrintUnformatted(body);
        f->body_len = strlen(f->body);
    }
    if (headers && !cJSON_IsNull(headers)) {
        if (!cJSON_IsObject(headers))
            FAIL("headers must be an object");
        f->headers = cJSON_CreateObject();
        const cJSON *h;
        cJSON_ArrayForEach(h, headers) {
            if (cJSON_IsString(h)) {
                cJSON_AddStringToObject(f->headers, h->string, h->valuestring);
            } else if (cJSON_IsNumber(h)) {
                char *text = cJSON_PrintUnformatted(h);
                cJSON_AddStringToObject(f->headers, h->string, text);
                free(text);
            } else {
                FAIL("header %s must be a string", h->string);
            }
        }
    }
    if (f->kind == FAULT_BIG) {
        if (!json_whole(bytes, BIG_MIN, (double)BIG_MAX))
            FAIL("bytes must be a whole number between %d and %ld", BIG_MIN, BIG_MAX);
        f->bytes = (long)bytes->valuedouble;
    }
    if (f->kind == FAULT_ECHO_KEY)
        return parse_echo(spec, f, err, err_len);
    return true;
}
#undef FAIL

bool faults_add(struct faults *q, const cJSON *spec, char *err, size_t err_len, int *queued)
{
    struct fault *f = xcalloc(1, sizeof *f);
    if (!parse_fault(spec, f, err, err_len)) {
        fault_free(f);
        return false;
    }
    pthread_mutex_lock(&q->lock);
    struct fault **tail = &q->head;
    int n = 1;
    for (; *tail; tail = &(*tail)->next)
        n++;
    *tail = f;
    pthread_mutex_unlock(&q->lock);
    *queued = n;
    return true;
}

static bool fault_matches(const struct fault *f, const char *method, const char *path)
{
    if (f->method && !str_ieq(f->method, method))
        return false;
    return f->prefix ? strncmp(path, f->path, strlen(f->path)) == 0
                     : strcmp(path, f->path) == 0;
}

bool faults_take(struct faults *q, const char *method, const char *path, struct fault *out)
{
    bool found = false;
    pthread_mutex_lock(&q->lock);
    for (struct fault **link = &q->head; *link; link = &(*link)->next) {
        struct fault *f = *link;
        if (!fault_matches(f, method, path))
            continue;
        memset(out, 0, sizeof *out);
        out->kind = f->kind;
        out->seconds = f->seconds;
        out->status = f->status;
        out->bytes = f->bytes;
        out->where = f->where;
        out->encoding = f->encoding;
        out->chars = f->chars;
        out->pad = f->pad;
        out->header = f->header ? xstrdup(f->header) : NULL;
        out->times = 1;
        if (f->body) {
            out->body = xstrndup(f->body, f->body_len);
            out->body_len = f->body_len;
        }
        out->headers = f->headers ? cJSON_Duplicate(f->headers, true) : NULL;
        if (--f->times == 0) {
            *link = f->next;
            fault_free(f);
        }
        found = true;
        break;
    }
    pthread_mutex_unlock(&q->lock);
    return found;
}

static char *nginx_page(int status, const char *reason)
{
    return xasprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
                     "<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n"
                     "</body>\r\n</html>\r\n",
                     status, reason, status, reason);
}

static char *big_body(long bytes)
{
    char *body = xmalloc((size_t)bytes + 1);
    static const char head[] = "{\"padding\":\"";
    size_t head_len = sizeof head - 1;
    memcpy(body, head, head_len);
    memset(body + head_len, 'x', (size_t)bytes - head_len - 2);
    memcpy(body + bytes - 2, "\"}", 3);
    return body;
}

void fault_reply(const struct fault *f, struct reply *r)
{
    char *text;
    switch (f->kind) {
    case FAULT_HTML502:
    case FAULT_HTML503: {
        int status = f->kind == FAULT_HTML502 ? 502 : 503;
        text = nginx_page(status, status == 502 ? "Bad Gateway"
                                                : "Service Temporarily Unavailable");
        reply_bytes(r, status, "text/html", text, strlen(text));
        reply_set_header(r, "Server", "nginx");
        break;
    }
    case FAULT_BIG:
        reply_bytes(r, 200, "application/json", big_body(f->bytes), (size_t)f->bytes);
        break;
    default:
        text = f->body ? xstrndup(f->body, f->body_len) : xstrdup("");
        reply_bytes(r, f->status ? f->status : 200, "application/json", text, f->body_len);
        break;
    }
    fault_add_headers(f, r);
}

void fault_add_headers(const struct fault *f, struct reply *r)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, f->headers)
        reply_set_header(r, h->string, h->valuestring);
}

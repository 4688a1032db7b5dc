#define _GNU_SOURCE
#include "http_util.h"

#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void reply_init(struct reply *r)
{
    memset(r, 0, sizeof *r);
}

void reply_clear(struct reply *r)
{
    free(r->body);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    reply_init(r);
}

void reply_set_header(struct reply *r, const char *name, const char *value)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (str_ieq(r->headers[i].name, name)) {
            free(r->headers[i].value);
            r->headers[i].value = xstrdup(value);
            return;
        }
    }
    r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof *r->headers);
    r->headers[r->n_headers].name = xstrdup(name);
    r->headers[r->n_headers].value = xstrdup(value);
    r->n_headers++;
}

const char *reply_get_header(const struct reply *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (str_ieq(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

void reply_bytes(struct reply *r, int status, const char *content_type, char *body,
                 size_t len)
{
    free(r->body);
    r->status = status;
    r->body = body;
    r->body_len = body ? len : 0;
    if (content_type)
        reply_set_header(r, "Content-Type", content_type);
}

void reply_json(struct reply *r, int status, cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text) {
        fputs("signals-mock: cannot serialise a reply\n", stderr);
        abort();
    }
    reply_bytes(r, status, "application/json", text, strlen(text));
}

void reply_empty(struct reply *r, int status)
{
    reply_bytes(r, status, NULL, NULL, 0);
}

void reply_error(struct reply *r, int status, const char *type, const char *code,
                 const char *message, cJSON *extra)
{
    char request_id[UUID_LEN];
    new_uuid(request_id);
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(err, "type", type);
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    cJSON_AddStringToObject(err, "requestId", request_id);
    if (extra) {
        while (extra->child) {
            cJSON *item = extra->child;
            cJSON_DetachItemViaPointer(extra, item);
            cJSON_AddItemToObject(err, item->string, item);
        }
        cJSON_Delete(extra);
    }
    reply_json(r, status, root);
}

void reply_validation(struct reply *r, cJSON *fields)
{
    reply_validation_as(r, 400, fields);
}

void reply_validation_as(struct reply *r, int status, cJSON *fields)
{
    const cJSON *first = cJSON_GetArrayItem(fields, 0);
    const char *field = cJSON_GetStringValue(cJSON_GetObjectItem(first, "field"));
    const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(first, "message"));
    char *message = xasprintf("validation failed for '%s': %s", field ? field : "body",
                              why ? why : "invalid value");
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddItemToObject(extra, "fields", fields);
    reply_error(r, status, "VALIDATION", "VALIDATION_ERROR", message, extra);
    free(message);
}

void reply_not_found(struct reply *r, const char *message)
{
    reply_error(r, 404, "NOT_FOUND", "NOT_FOUND", message, NULL);
}

void reply_deleted(struct reply *r, const char *id)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "id", id);
    cJSON_AddBoolToObject(out, "deleted", true);
    reply_json(r, 200, out);
}

void reply_field_error(struct reply *r, const char *field, const char *fmt, ...)
{
    va_list ap;
    cJSON *fields = cJSON_CreateArray();
    va_start(ap, fmt);
    vfield_error(fields, field, fmt, ap);
    va_end(ap);
    reply_validation(r, fields);
}

bool fields_ok(cJSON *fields, struct reply *r)
{
    return fields_ok_as(fields, r, 400);
}

bool fields_ok_as(cJSON *fields, struct reply *r, int status)
{
    if (cJSON_GetArraySize(fields) > 0) {
        reply_validation_as(r, status, fields);
        return false;
    }
    cJSON_Delete(fields);
    return true;
}

bool found_and_fields_ok(const void *found, cJSON *fields, struct reply *r)
{
    if (!found) {
        cJSON_Delete(fields);
        return false;
    }
    return fields_ok(fields, r);
}

cJSON *page_json(enum page_style style, cJSON *items, long total, long limit, long offset)
{
    if (style == PAGE_BARE)
        return items;
    long count = cJSON_GetArraySize(items);
    cJSON *page = cJSON_CreateObject();
    cJSON_AddItemToObject(page, style == PAGE_RESULTS ? "results" : "items", items);
    cJSON_AddNumberToObject(page, "total", (double)total);
    cJSON_AddNumberToObject(page, "limit", (double)limit);
    cJSON_AddNumberToObject(page, "offset", (double)offset);
    if (style == PAGE_RESULTS)
        cJSON_AddNumberToObject(page, "count", (double)count);
    else if (style == PAGE_HAS_MORE)
        cJSON_AddBoolToObject(page, "hasMore", offset + count < total);
    return page;
}

void reply_page(struct reply *r, enum page_style style, cJSON *items, long total, long limit,
                long offset)
{
    reply_json(r, 200, page_json(style, items, total, limit, offset));
}

void connection_reset_hard(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return;
    int fd = info->connect_fd;
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    /* libmicrohttpd shuts the write side down (a FIN) before it closes, and
     * the client would read that as a clean end. Dissolving the association
     * now makes Linux send the RST at once; the fd stays valid for MHD. */
    struct sockaddr sa = { .sa_family = AF_UNSPEC };
    connect(fd, &sa, sizeof sa);
}

/* Long enough for a client on loopback to have read what was sent before
 * the connection is cut, so that "half a body" is what it observes. */
#define CUT_GRACE_S 0.1

struct partial {
    char *body;
    size_t len, half;
    enum delivery how;
    double pause_s;
    bool paused;
    struct sleeper *sleeper;
    struct MHD_Connection *conn;
};

static ssize_t partial_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct partial *p = cls;
    size_t end = p->len;
    if (pos < p->half) {
        end = p->half;
    } else if (p->how == DELIVER_STALL_BODY) {
        if (!p->paused) {
            p->paused = true;
            sleeper_for(p->sleeper, p->pause_s);
        }
    } else {
        sleeper_for(p->sleeper, CUT_GRACE_S);
        if (p->how == DELIVER_RESET_BODY)
            connection_reset_hard(p->conn);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (pos >= end)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = end - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, p->body + pos, n);
    return (ssize_t)n;
}

static void partial_free(void *cls)
{
    struct partial *p = cls;
    free(p->body);
    free(p);
}

enum MHD_Result reply_send(struct MHD_Connection *conn, struct sleeper *sleeper,
                           struct reply *r, enum delivery how, double pause_s)
{
    struct MHD_Response *resp;
    if (how == DELIVER_FULL) {
        if (r->body)
            resp = MHD_create_response_from_buffer_with_free_callback(r->body_len, r->body,
                                                                      free);
        else
            resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (resp)
            r->body = NULL;  /* the response's now */
    } else {
        struct partial *p = xcalloc(1, sizeof *p);
        p->body = r->body;
        p->len = r->body_len;
        p->half = r->body_len / 2;
        p->how = how;
        p->pause_s = pause_s;
        p->sleeper = sleeper;
        p->conn = conn;
        r->body = NULL;  /* the partial's now, freed with it */
        resp = MHD_create_response_from_callback(p->len, 16 * 1024, partial_read, p,
                                                 partial_free);
        if (!resp)
            partial_free(p);
    }
    if (!resp) {
        reply_clear(r);
        return MHD_NO;
    }
    for (size_t i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    reply_clear(r);
    return ret;
}

/* The one way signals-mock answers: handlers fill a `struct reply` (status,
 * headers, body) and reply_send() turns it into bytes on the wire, either
 * whole or deliberately damaged (the transport faults of faults.c). Keeping
 * the answer separate from its delivery is what lets a fault cut or stall
 * the *normal* answer of any route. */
#ifndef MOCK_HTTP_UTIL_H
#define MOCK_HTTP_UTIL_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct sleeper;

struct reply_header {
    char *name;
    char *value;
};

struct reply {
    int status;              /* 0 until a builder ran */
    char *body;              /* malloc'd, may be NULL */
    size_t body_len;
    struct reply_header *headers;
    size_t n_headers;
};

void reply_init(struct reply *r);
void reply_clear(struct reply *r);

/* Replaces an existing header of the same name (case-insensitive). */
void reply_set_header(struct reply *r, const char *name, const char *value);
const char *reply_get_header(const struct reply *r, const char *name);

/* Takes ownership of `body` (may be NULL for an empty body). */
void reply_bytes(struct reply *r, int status, const char *content_type, char *body,
                 size_t len);
/* Serialises and deletes `json`. */
void reply_json(struct reply *r, int status, cJSON *json);
void reply_empty(struct reply *r, int status);

/* The API's error envelope {"error":{type,code,message,requestId,...}} with a
 * fresh requestId. `extra` (may be NULL) is an object whose members are added
 * to the envelope (fields, details); it is consumed. */
void reply_error(struct reply *r, int status, const char *type, const char *code,
                 const char *message, cJSON *extra);
/* 400 VALIDATION/VALIDATION_ERROR carrying `fields` (consumed; non-empty). */
void reply_validation(struct reply *r, cJSON *fields);
/* The same with another status (the 422 of the routes that answer one). */
void reply_validation_as(struct reply *r, int status, cJSON *fields);
void reply_not_found(struct reply *r, const char *message);
/* 200 {"id": id, "deleted": true}: the answer to a permanent delete. */
void reply_deleted(struct reply *r, const char *id);
/* The 400 above with one failure, {field, message}. */
void reply_field_error(struct reply *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The 400 above when `fields` holds failures; otherwise frees `fields` and
 * returns true. */
bool fields_ok(cJSON *fields, struct reply *r);
/* fields_ok() answering `status` instead of 400. */
bool fields_ok_as(cJSON *fields, struct reply *r, int status);
/* fields_ok() for a handler that also looked a record up: when `found` is
 * NULL the 404 already in `r` wins and `fields` is dropped. */
bool found_and_fields_ok(const void *found, cJSON *fields, struct reply *r);

/* The list envelopes of API-NOTES §2: A {results,total,limit,offset,count},
 * B {items,total,limit,offset,hasMore}, C {items,total,limit,offset}, and
 * D the bare array of items. Consumes `items`. */
enum page_style { PAGE_RESULTS, PAGE_HAS_MORE, PAGE_ITEMS, PAGE_BARE };
/* The page as JSON, for a route that adds members of its own. */
cJSON *page_json(enum page_style style, cJSON *items, long total, long limit, long offset);
void reply_page(struct reply *r, enum page_style style, cJSON *items, long total, long limit,
                long offset);

enum delivery {
    DELIVER_FULL,
    DELIVER_RESET_BODY,   /* half the body, then a TCP reset */
    DELIVER_STALL_BODY,   /* half the body, a pause, then the rest */
    DELIVER_TRUNCATE,     /* full Content-Length announced, half sent, then FIN */
};

/* Queues `r` on the connection and clears it. `pause_s` is the stall of
 * DELIVER_STALL_BODY. */
enum MHD_Result reply_send(struct MHD_Connection *conn, struct sleeper *sleeper,
                           struct reply *r, enum delivery how, double pause_s);

/* Makes the kernel answer the peer with RST now, whatever the server does
 * with the socket afterwards. */
void connection_reset_hard(struct MHD_Connection *conn);

#endif

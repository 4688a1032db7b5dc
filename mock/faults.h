/* Queued transport faults (POST /_mock/faults): each applies to the next
 * `times` /v1 requests that match its method and path, first queued first. */
#ifndef MOCK_FAULTS_H
#define MOCK_FAULTS_H

#include "http_util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum fault_kind {
    FAULT_RESET,       /* RST before any byte of the answer */
    FAULT_RESET_BODY,  /* status, headers, half the body, RST */
    FAULT_STALL,       /* pause, then the normal answer */
    FAULT_STALL_BODY,  /* status, headers, half the body, pause, the rest */
    FAULT_TRUNCATE,    /* full Content-Length, half the body, FIN */
    FAULT_HTML502,
    FAULT_HTML503,
    FAULT_STATUS,      /* any status, body and headers */
    FAULT_BIG,         /* a 200 JSON body of `bytes` bytes */
    FAULT_ECHO_KEY,    /* the request's API key sent back (echo_key.c) */
};

/* Where and how an echo_key fault shows the key. */
enum echo_where { ECHO_BODY, ECHO_HTML, ECHO_HEADER };
enum echo_encoding { ECHO_RAW, ECHO_BASE64, ECHO_PERCENT, ECHO_PREFIX };

struct fault {
    char *method;          /* NULL = any */
    char *path;            /* exact, or a prefix when `prefix` */
    bool prefix;
    long times;
    enum fault_kind kind;
    double seconds;
    int status;            /* 0 = not given */
    char *body;            /* NULL = the normal answer (partial kinds) or "" */
    size_t body_len;
    cJSON *headers;        /* object of name: string value, may be NULL */
    long bytes;
    enum echo_where where;
    enum echo_encoding encoding;
    long chars;            /* ECHO_PREFIX: how many leading characters */
    long pad;              /* filler before the key in an echoing body */
    char *header;          /* ECHO_HEADER: the header's name */
    struct fault *next;
};

struct faults {
    pthread_mutex_t lock;
    struct fault *head;
};

void faults_init(struct faults *q);
void faults_reset(struct faults *q);
void faults_destroy(struct faults *q);

/* Queues the fault described by a /_mock/faults body; false with a message
 * in `err` when it is malformed. `*queued` receives the queue length. */
bool faults_add(struct faults *q, const cJSON *spec, char *err, size_t err_len, int *queued);

/* Takes one use of the first fault matching the request into `out` (a copy
 * owned by the caller: fault_clear it). */
bool faults_take(struct faults *q, const char *method, const char *path, struct fault *out);
void fault_clear(struct fault *f);

/* The answer a fault makes up by itself: html502/503, status, big, and the
 * partial kinds when they carry their own `body`; its `headers` included. */
void fault_reply(const struct fault *f, struct reply *r);
/* Adds the fault's `headers` (if any) to an answer. */
void fault_add_headers(const struct fault *f, struct reply *r);

/* An echo_key fault (echo_key.c) with the request's Authorization header
 * (may be NULL): its own answer goes into `r`, or, for a header echo
 * without a status, the echoing header joins the fault's `headers` and the
 * route answers as usual. */
void echo_key_apply(struct fault *f, const char *authorization, struct reply *r);

#endif

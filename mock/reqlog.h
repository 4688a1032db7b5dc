/* The record of /v1 requests that GET /_mock/requests shows to the specs.
 * An entry is added as soon as a request has been read (so a stalled one is
 * visible while it stalls) and gets its status once the answer is queued. */
#ifndef MOCK_REQLOG_H
#define MOCK_REQLOG_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>

struct reqlog {
    pthread_mutex_t lock;
    cJSON **entries;
    size_t n, cap;
    unsigned long generation;  /* bumped by each reset */
};

/* Where an entry is, valid only while the log was not reset since. */
struct log_ticket {
    unsigned long generation;
    size_t index;
};

void reqlog_init(struct reqlog *log);
void reqlog_reset(struct reqlog *log);
void reqlog_destroy(struct reqlog *log);

struct log_ticket reqlog_append(struct reqlog *log, struct MHD_Connection *conn,
                                const char *method, const char *path, const char *query,
                                const char *body, size_t body_len);
void reqlog_set_status(struct reqlog *log, struct log_ticket ticket, int status);
/* The JSON array text, oldest first; free() it. */
char *reqlog_render(struct reqlog *log);

#endif

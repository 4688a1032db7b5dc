/* The daemon's context: everything signals-mock knows, owned by main() and
 * handed to every libmicrohttpd callback. Each part guards itself. */
#ifndef MOCK_MOCK_H
#define MOCK_MOCK_H

#include "faults.h"
#include "ratelimit.h"
#include "reqlog.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define MOCK_CREDITS 10000
/* The API's answer cache keeps an answer 12 hours (API-NOTES §4.4). */
#define MOCK_CACHE_TTL_S 43200L
#define CACHE_TTL_MAX_S (365L * 86400)

struct options {
    int port;
    const char *host;
    const char *port_file;
    long parent_pid;   /* 0 = none */
    long ttl_s;        /* 0 = no limit */
    long delay_ms;
    long cache_ttl_s;
    const char *api_key;  /* NULL = any key starting with sk_ */
};

struct mock {
    struct options opt;
    struct sleeper sleeper;
    struct store store;
    struct reqlog log;
    struct faults faults;
    struct ratelimit limiter;
    struct stats stats;
    /* cJSON_Parse writes a process-wide error pointer: parses take turns. */
    pthread_mutex_t parse_lock;
};

/* What a start and a /_mock/reset set the store to. */
static inline struct store_defaults mock_store_defaults(const struct mock *m)
{
    return (struct store_defaults){ .credits = MOCK_CREDITS, .delay_ms = m->opt.delay_ms,
                                    .cache_ttl_s = m->opt.cache_ttl_s };
}

#endif

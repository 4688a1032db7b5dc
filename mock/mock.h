/* The daemon's context: everything signals-mock knows, owned by main() and
 * handed to every libmicrohttpd callback. Each part guards itself. */
#ifndef MOCK_MOCK_H
#define MOCK_MOCK_H

#include "faults.h"
#include "ratelimit.h"
#include "reqlog.h"
#include "store.h"
#include "util.h"

#define MOCK_CREDITS 10000

struct options {
    int port;
    const char *host;
    const char *port_file;
    long parent_pid;   /* 0 = none */
    long ttl_s;        /* 0 = no limit */
    long delay_ms;
    const char *api_key;  /* NULL = any key starting with sk_ */
};

struct mock {
    struct options opt;
    struct sleeper sleeper;
    struct store store;
    struct reqlog log;
    struct faults faults;
    struct ratelimit limiter;
    /* cJSON_Parse writes a process-wide error pointer: parses take turns. */
    pthread_mutex_t parse_lock;
};

#endif

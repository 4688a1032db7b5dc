/* Request counts for benches (GET /_mock/stats): every /v1 request
 * received, by rate-limit class, and the 429s the limiter gave, since the
 * last reset. */
#ifndef MOCK_STATS_H
#define MOCK_STATS_H

#include "ratelimit.h"

#include <cjson/cJSON.h>
#include <pthread.h>

struct stats {
    pthread_mutex_t lock;
    long requests[RL_CLASSES];
    long limited[RL_CLASSES];
};

void stats_init(struct stats *s);
void stats_reset(struct stats *s);
void stats_destroy(struct stats *s);
/* A request received (faulted ones included). */
void stats_received(struct stats *s, enum rl_class cls);
/* A request the limiter refused. */
void stats_limited(struct stats *s, enum rl_class cls);
/* {"reads","writes","extract_proposals","rate_limited":{same}} */
cJSON *stats_json(struct stats *s);

#endif

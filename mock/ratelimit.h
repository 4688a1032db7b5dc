/* An emulated rate limiter (API.md §13): one fixed window over every /v1
 * request, the X-Ratelimit-* headers on every answer while it is configured,
 * and a 429 in either of the API's two body styles once the window is full. */
#ifndef MOCK_RATELIMIT_H
#define MOCK_RATELIMIT_H

#include "http_util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rl_body { RL_BODY_GLOBAL, RL_BODY_ROUTE };
enum rl_retry_after { RL_RETRY_NONE, RL_RETRY_SECONDS, RL_RETRY_DATE };

struct ratelimit {
    pthread_mutex_t lock;
    bool enabled;
    long limit;
    int64_t window_ms;
    enum rl_body body;
    enum rl_retry_after retry_after;
    int64_t window_start;  /* 0 = no window open yet */
    long used;
};

/* What the limiter decided for one request. */
struct rl_verdict {
    bool enabled, allowed;
    long limit, remaining;
    int64_t reset_s;       /* Unix seconds at which the window ends */
    long retry_after_s;
    enum rl_body body;
    enum rl_retry_after retry_after;
};

void ratelimit_init(struct ratelimit *rl);
void ratelimit_destroy(struct ratelimit *rl);
/* `spec` is the "rate_limit" member of /_mock/config: NULL or JSON null
 * switches limiting off. Returns false (and leaves the limiter as it was)
 * with a message in `err` when the spec is malformed. */
bool ratelimit_configure(struct ratelimit *rl, const cJSON *spec, char *err, size_t err_len);

void ratelimit_check(struct ratelimit *rl, int64_t now, struct rl_verdict *v);
/* The 429 answer for a refused request. */
void ratelimit_reject(const struct rl_verdict *v, struct reply *r);
/* Adds the X-Ratelimit-* headers (no-op when limiting is off). */
void ratelimit_decorate(const struct rl_verdict *v, struct reply *r);

#endif

/* The emulated rate limiter (API-NOTES §13), off until /_mock/config sets it,
 * in one of two modes:
 * - "window": one fixed window over every /v1 request;
 * - "buckets": the API's documented token buckets, one for writes (POST,
 *   PUT, PATCH, DELETE), one for reads (GET, HEAD, OPTIONS), and one more
 *   that a template-extract proposal takes from besides the write bucket.
 * While configured, every answer from the limiter on carries the
 * X-Ratelimit-* headers; a refused request gets a 429 in either of the
 * API's two body styles. */
#ifndef MOCK_RATELIMIT_H
#define MOCK_RATELIMIT_H

#include "buckets.h"
#include "http_util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rl_mode { RL_OFF, RL_WINDOW, RL_BUCKETS };
enum rl_body { RL_BODY_GLOBAL, RL_BODY_ROUTE };
enum rl_retry_after { RL_RETRY_NONE, RL_RETRY_SECONDS, RL_RETRY_DATE };
/* Which bucket a request draws from (RL_EXTRACT: also RL_WRITE). */
enum rl_class { RL_READ, RL_WRITE, RL_EXTRACT, RL_CLASSES };

struct ratelimit {
    pthread_mutex_t lock;
    enum rl_mode mode;
    enum rl_body body;
    enum rl_retry_after retry_after;
    /* window mode */
    long limit;
    int64_t window_ms;
    int64_t window_start;  /* 0 = no window open yet */
    long used;
    /* bucket mode */
    struct bucket buckets[RL_CLASSES];
};

/* What the limiter decided for one request. */
struct rl_verdict {
    bool enabled, allowed;
    long limit, remaining;
    int64_t reset_s;       /* Unix seconds: the window's end, or a full bucket */
    int64_t retry_at_s;    /* Unix seconds (rounded up) when a request can pass again */
    long retry_after_s;    /* the same as seconds from now, at least 1 */
    enum rl_body body;
    enum rl_retry_after retry_after;
};

void ratelimit_init(struct ratelimit *rl);
void ratelimit_destroy(struct ratelimit *rl);
/* `spec` is the "rate_limit" member of /_mock/config: NULL or JSON null
 * switches limiting off. Returns false (and leaves the limiter as it was)
 * with a message in `err` when the spec is malformed. A new configuration
 * starts afresh (a new window, full buckets). */
bool ratelimit_configure(struct ratelimit *rl, const cJSON *spec, int64_t now, char *err,
                         size_t err_len);

enum rl_class rl_class_of(const char *method, const char *path);
void ratelimit_check(struct ratelimit *rl, enum rl_class cls, int64_t now,
                     struct rl_verdict *v);
/* The 429 answer for a refused request. */
void ratelimit_reject(const struct rl_verdict *v, struct reply *r);
/* Adds the X-Ratelimit-* headers (no-op when limiting is off). */
void ratelimit_decorate(const struct rl_verdict *v, struct reply *r);

#endif

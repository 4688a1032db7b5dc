#define _GNU_SOURCE
#include "ratelimit.h"

#include "util.h"

#include <stdio.h>
#include <string.h>

#define EXTRACT_PROPOSE_PATH "/v1/signal-templates/extract/propose"
#define LIMIT_MAX 1e9

/* The API's documented defaults (API-NOTES §13), per class. */
static const struct {
    const char *rate_key, *burst_key;
    long per_minute, burst;
} BUCKETS[RL_CLASSES] = {
    [RL_READ] = { "reads_per_minute", "read_burst", 100000, 10000 },
    [RL_WRITE] = { "writes_per_minute", "write_burst", 2000, 400 },
    [RL_EXTRACT] = { "extract_per_minute", "extract_burst", 6, 3 },
};

void ratelimit_init(struct ratelimit *rl)
{
    memset(rl, 0, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
}

void ratelimit_destroy(struct ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

#define FAIL(...) do { snprintf(err, err_len, __VA_ARGS__); return false; } while (0)

static bool only_members(const cJSON *spec, const char *const *allowed, char *err,
                         size_t err_len)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, spec) {
        bool known = false;
        for (int i = 0; allowed[i]; i++)
            known = known || strcmp(allowed[i], m->string) == 0;
        if (!known)
            FAIL("rate_limit.%s is not a member of this mode", m->string);
    }
    return true;
}

/* body and retry_after, shared by both modes. */
static bool parse_answer(const cJSON *spec, struct ratelimit *next, char *err, size_t err_len)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(spec, "body");
    const cJSON *retry = cJSON_GetObjectItemCaseSensitive(spec, "retry_after");
    if (!body || cJSON_IsNull(body) ||
        (cJSON_IsString(body) && strcmp(body->valuestring, "global") == 0))
        next->body = RL_BODY_GLOBAL;
    else if (cJSON_IsString(body) && strcmp(body->valuestring, "route") == 0)
        next->body = RL_BODY_ROUTE;
    else
        FAIL("rate_limit.body must be \"global\" or \"route\"");
    if (!retry || cJSON_IsNull(retry))
        next->retry_after = RL_RETRY_NONE;
    else if (cJSON_IsString(retry) && strcmp(retry->valuestring, "seconds") == 0)
        next->retry_after = RL_RETRY_SECONDS;
    else if (cJSON_IsString(retry) && strcmp(retry->valuestring, "date") == 0)
        next->retry_after = RL_RETRY_DATE;
    else
        FAIL("rate_limit.retry_after must be \"seconds\", \"date\" or null");
    return true;
}

static bool parse_window(const cJSON *spec, struct ratelimit *next, char *err, size_t err_len)
{
    static const char *const members[] = { "mode", "limit", "window_s", "body", "retry_after",
                                           NULL };
    const cJSON *limit = cJSON_GetObjectItemCaseSensitive(spec, "limit");
    const cJSON *window = cJSON_GetObjectItemCaseSensitive(spec, "window_s");
    if (!only_members(spec, members, err, err_len))
        return false;
    if (!cJSON_IsNumber(limit) || limit->valuedouble < 0 || limit->valuedouble > LIMIT_MAX)
        FAIL("rate_limit.limit must be a number >= 0");
    if (window && (!cJSON_IsNumber(window) || window->valuedouble <= 0 ||
                   window->valuedouble > 86400 * 365))
        FAIL("rate_limit.window_s must be a number > 0");
    next->mode = RL_WINDOW;
    next->limit = (long)limit->valuedouble;
    next->window_ms = window ? (int64_t)(window->valuedouble * 1000 + 0.5) : 60000;
    if (next->window_ms < 1)
        next->window_ms = 1;
    return true;
}

static bool parse_buckets(const cJSON *spec, struct ratelimit *next, int64_t now, char *err,
                          size_t err_len)
{
    static const char *const members[] = {
        "mode", "body", "retry_after", "reads_per_minute", "read_burst", "writes_per_minute",
        "write_burst", "extract_per_minute", "extract_burst", NULL,
    };
    if (!only_members(spec, members, err, err_len))
        return false;
    next->mode = RL_BUCKETS;
    for (int k = 0; k < RL_CLASSES; k++) {
        const char *keys[2] = { BUCKETS[k].rate_key, BUCKETS[k].burst_key };
        long values[2] = { BUCKETS[k].per_minute, BUCKETS[k].burst };
        for (int i = 0; i < 2; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, keys[i]);
            if (!v)
                continue;
            if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > LIMIT_MAX ||
                v->valuedouble != (double)(long)v->valuedouble)
                FAIL("rate_limit.%s must be a whole number >= 1", keys[i]);
            values[i] = (long)v->valuedouble;
        }
        bucket_start(&next->buckets[k], values[0], values[1], now);
    }
    return true;
}

bool ratelimit_configure(struct ratelimit *rl, const cJSON *spec, int64_t now, char *err,
                         size_t err_len)
{
    struct ratelimit next = { .mode = RL_OFF };
    if (spec && !cJSON_IsNull(spec)) {
        if (!cJSON_IsObject(spec))
            FAIL("rate_limit must be an object or null");
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(spec, "mode");
        bool buckets = cJSON_IsString(mode) && strcmp(mode->valuestring, "buckets") == 0;
        if (mode && !buckets && !(cJSON_IsString(mode) && strcmp(mode->valuestring, "window") == 0))
            FAIL("rate_limit.mode must be \"window\" or \"buckets\"");
        if (!(buckets ? parse_buckets(spec, &next, now, err, err_len)
                      : parse_window(spec, &next, err, err_len)) ||
            !parse_answer(spec, &next, err, err_len))
            return false;
    }
    pthread_mutex_lock(&rl->lock);
    rl->mode = next.mode;
    rl->body = next.body;
    rl->retry_after = next.retry_after;
    rl->limit = next.limit;
    rl->window_ms = next.window_ms;
    rl->window_start = 0;  /* a new window opens at the first request */
    rl->used = 0;
    memcpy(rl->buckets, next.buckets, sizeof rl->buckets);
    pthread_mutex_unlock(&rl->lock);
    return true;
}

#undef FAIL

enum rl_class rl_class_of(const char *method, const char *path)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
        strcmp(method, "OPTIONS") == 0)
        return RL_READ;
    if (strcmp(method, "POST") == 0 && strcmp(path, EXTRACT_PROPOSE_PATH) == 0)
        return RL_EXTRACT;
    return RL_WRITE;
}

static long seconds_until(int64_t when_ms, int64_t now)
{
    long s = (long)((when_ms - now + 999) / 1000);
    return s < 1 ? 1 : s;
}

static void check_window(struct ratelimit *rl, int64_t now, struct rl_verdict *v)
{
    if (rl->window_start == 0 || now >= rl->window_start + rl->window_ms) {
        rl->window_start = now;
        rl->used = 0;
    }
    int64_t end = rl->window_start + rl->window_ms;
    v->allowed = rl->used < rl->limit;
    if (v->allowed)
        rl->used++;
    v->limit = rl->limit;
    v->remaining = rl->limit - rl->used;
    v->reset_s = (end + 999) / 1000;
    v->retry_at_s = v->reset_s;
    v->retry_after_s = seconds_until(end, now);
}

/* A proposal needs a token in the write bucket and in its own; the answer
 * reports the bucket that refused it, else the proposals' own. */
static void check_buckets(struct ratelimit *rl, enum rl_class cls, int64_t now,
                          struct rl_verdict *v)
{
    struct bucket *main = &rl->buckets[cls == RL_EXTRACT ? RL_WRITE : cls];
    struct bucket *extra = cls == RL_EXTRACT ? &rl->buckets[RL_EXTRACT] : NULL;
    bucket_refill(main, now);
    if (extra)
        bucket_refill(extra, now);
    bool main_ok = bucket_has_token(main), extra_ok = !extra || bucket_has_token(extra);
    v->allowed = main_ok && extra_ok;
    if (v->allowed) {
        bucket_take(main);
        if (extra)
            bucket_take(extra);
    }
    const struct bucket *shown = extra && main_ok ? extra : main;
    v->limit = shown->per_minute;
    v->remaining = bucket_remaining(shown);
    v->reset_s = (bucket_full_at(shown) + 999) / 1000;
    v->retry_at_s = (bucket_token_at(shown) + 999) / 1000;
    v->retry_after_s = seconds_until(bucket_token_at(shown), now);
}

void ratelimit_check(struct ratelimit *rl, enum rl_class cls, int64_t now,
                     struct rl_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->allowed = true;
    pthread_mutex_lock(&rl->lock);
    if (rl->mode != RL_OFF) {
        v->enabled = true;
        v->body = rl->body;
        v->retry_after = rl->retry_after;
        if (rl->mode == RL_WINDOW)
            check_window(rl, now, v);
        else
            check_buckets(rl, cls, now, v);
    }
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_reject(const struct rl_verdict *v, struct reply *r)
{
    if (v->body == RL_BODY_GLOBAL) {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddNumberToObject(body, "statusCode", 429);
        cJSON_AddStringToObject(body, "message", "Rate limit exceeded");
        cJSON_AddStringToObject(body, "error", "Too Many Requests");
        cJSON_AddNumberToObject(body, "retryAfter", (double)v->retry_after_s);
        reply_json(r, 429, body);
    } else {
        reply_error(r, 429, "TIMEOUT", "TOO_MANY_REQUESTS", "Per-route rate limit exceeded",
                    NULL);
    }
    char value[HTTP_DATE_LEN];
    if (v->retry_after == RL_RETRY_SECONDS) {
        snprintf(value, sizeof value, "%ld", v->retry_after_s);
        reply_set_header(r, "Retry-After", value);
    } else if (v->retry_after == RL_RETRY_DATE) {
        format_http_date(v->retry_at_s, value);
        reply_set_header(r, "Retry-After", value);
    }
}

void ratelimit_decorate(const struct rl_verdict *v, struct reply *r)
{
    if (!v->enabled)
        return;
    char value[32];
    snprintf(value, sizeof value, "%ld", v->limit);
    reply_set_header(r, "X-Ratelimit-Limit", value);
    snprintf(value, sizeof value, "%ld", v->remaining);
    reply_set_header(r, "X-Ratelimit-Remaining", value);
    snprintf(value, sizeof value, "%lld", (long long)v->reset_s);
    reply_set_header(r, "X-Ratelimit-Reset", value);
}

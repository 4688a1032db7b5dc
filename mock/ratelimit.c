#define _GNU_SOURCE
#include "ratelimit.h"

#include "util.h"

#include <stdio.h>
#include <string.h>

void ratelimit_init(struct ratelimit *rl)
{
    memset(rl, 0, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
}

void ratelimit_destroy(struct ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

bool ratelimit_configure(struct ratelimit *rl, const cJSON *spec, char *err, size_t err_len)
{
    struct ratelimit next = { .enabled = false };
    if (spec && !cJSON_IsNull(spec)) {
        const cJSON *limit = cJSON_GetObjectItemCaseSensitive(spec, "limit");
        const cJSON *window = cJSON_GetObjectItemCaseSensitive(spec, "window_s");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(spec, "body");
        const cJSON *retry = cJSON_GetObjectItemCaseSensitive(spec, "retry_after");
        if (!cJSON_IsObject(spec)) {
            snprintf(err, err_len, "rate_limit must be an object or null");
            return false;
        }
        if (!cJSON_IsNumber(limit) || limit->valuedouble < 0 || limit->valuedouble > 1e9) {
            snprintf(err, err_len, "rate_limit.limit must be a number >= 0");
            return false;
        }
        if (window && (!cJSON_IsNumber(window) || window->valuedouble <= 0 ||
                       window->valuedouble > 86400 * 365)) {
            snprintf(err, err_len, "rate_limit.window_s must be a number > 0");
            return false;
        }
        next.enabled = true;
        next.limit = (long)limit->valuedouble;
        next.window_ms = window ? (int64_t)(window->valuedouble * 1000 + 0.5) : 60000;
        if (next.window_ms < 1)
            next.window_ms = 1;
        if (!body || cJSON_IsNull(body) ||
            (cJSON_IsString(body) && strcmp(body->valuestring, "global") == 0)) {
            next.body = RL_BODY_GLOBAL;
        } else if (cJSON_IsString(body) && strcmp(body->valuestring, "route") == 0) {
            next.body = RL_BODY_ROUTE;
        } else {
            snprintf(err, err_len, "rate_limit.body must be \"global\" or \"route\"");
            return false;
        }
        if (!retry || cJSON_IsNull(retry)) {
            next.retry_after = RL_RETRY_NONE;
        } else if (cJSON_IsString(retry) && strcmp(retry->valuestring, "seconds") == 0) {
            next.retry_after = RL_RETRY_SECONDS;
        } else if (cJSON_IsString(retry) && strcmp(retry->valuestring, "date") == 0) {
            next.retry_after = RL_RETRY_DATE;
        } else {
            snprintf(err, err_len,
                     "rate_limit.retry_after must be \"seconds\", \"date\" or null");
            return false;
        }
    }
    pthread_mutex_lock(&rl->lock);
    rl->enabled = next.enabled;
    rl->limit = next.limit;
    rl->window_ms = next.window_ms;
    rl->body = next.body;
    rl->retry_after = next.retry_after;
    /* A new configuration starts a fresh window at its first request. */
    rl->window_start = 0;
    rl->used = 0;
    pthread_mutex_unlock(&rl->lock);
    return true;
}

void ratelimit_check(struct ratelimit *rl, int64_t now, struct rl_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->allowed = true;
    pthread_mutex_lock(&rl->lock);
    if (rl->enabled) {
        if (rl->window_start == 0 || now >= rl->window_start + rl->window_ms) {
            rl->window_start = now;
            rl->used = 0;
        }
        int64_t end = rl->window_start + rl->window_ms;
        v->enabled = true;
        v->allowed = rl->used < rl->limit;
        if (v->allowed)
            rl->used++;
        v->limit = rl->limit;
        v->remaining = rl->limit - rl->used;
        v->reset_s = (end + 999) / 1000;
        v->retry_after_s = (long)((end - now + 999) / 1000);
        if (v->retry_after_s < 1)
            v->retry_after_s = 1;
        v->body = rl->body;
        v->retry_after = rl->retry_after;
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
        /* the end of the window, rounded up: waiting until then suffices */
        format_http_date(v->reset_s, value);
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

#include "stats.h"

#include <string.h>

void stats_init(struct stats *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

void stats_reset(struct stats *s)
{
    pthread_mutex_lock(&s->lock);
    memset(s->requests, 0, sizeof s->requests);
    memset(s->limited, 0, sizeof s->limited);
    pthread_mutex_unlock(&s->lock);
}

void stats_destroy(struct stats *s)
{
    pthread_mutex_destroy(&s->lock);
}

static void bump(struct stats *s, long *counter)
{
    pthread_mutex_lock(&s->lock);
    (*counter)++;
    pthread_mutex_unlock(&s->lock);
}

void stats_received(struct stats *s, enum rl_class cls)
{
    bump(s, &s->requests[cls]);
}

void stats_limited(struct stats *s, enum rl_class cls)
{
    bump(s, &s->limited[cls]);
}

static void add_counts(cJSON *obj, const long *counts)
{
    /* a proposal is a write too */
    cJSON_AddNumberToObject(obj, "reads", (double)counts[RL_READ]);
    cJSON_AddNumberToObject(obj, "writes", (double)(counts[RL_WRITE] + counts[RL_EXTRACT]));
    cJSON_AddNumberToObject(obj, "extract_proposals", (double)counts[RL_EXTRACT]);
}

cJSON *stats_json(struct stats *s)
{
    cJSON *out = cJSON_CreateObject();
    pthread_mutex_lock(&s->lock);
    add_counts(out, s->requests);
    add_counts(cJSON_AddObjectToObject(out, "rate_limited"), s->limited);
    pthread_mutex_unlock(&s->lock);
    return out;
}

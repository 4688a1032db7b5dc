/* Contact research records in the store: kept in creation order, found by
 * id or by the externalId/externalSource pair they were created with. */
#define _GNU_SOURCE
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct research {
    char id[RESEARCH_ID_LEN];
    cJSON *input;
    bool fails;
    int64_t created_ms, ready_ms;
};

void research_clear(struct store *st)
{
    for (size_t i = 0; i < st->n_research; i++) {
        cJSON_Delete(st->research[i]->input);
        free(st->research[i]);
    }
    free(st->research);
    st->research = NULL;
    st->n_research = 0;
}

static void view_of(const struct research *r, struct research_view *out)
{
    memcpy(out->id, r->id, RESEARCH_ID_LEN);
    out->input = cJSON_Duplicate(r->input, true);
    out->fails = r->fails;
    out->created_ms = r->created_ms;
    out->ready_ms = r->ready_ms;
}

void store_add_research(struct store *st, cJSON *input, bool fails, int64_t now,
                        struct research_view *out)
{
    struct research *r = xcalloc(1, sizeof *r);
    unsigned char b[8];
    random_bytes(b, sizeof b);
    snprintf(r->id, sizeof r->id, "cr_%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7]);
    r->input = input;
    r->fails = fails;
    r->created_ms = now;
    pthread_mutex_lock(&st->lock);
    r->ready_ms = now + st->delay_ms;
    st->research = xrealloc(st->research, (st->n_research + 1) * sizeof *st->research);
    st->research[st->n_research++] = r;
    view_of(r, out);
    pthread_mutex_unlock(&st->lock);
}

bool store_get_research(struct store *st, const char *id, struct research_view *out)
{
    bool found = false;
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < st->n_research && !found; i++) {
        if (strcmp(st->research[i]->id, id) == 0) {
            view_of(st->research[i], out);
            found = true;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

bool store_find_research(struct store *st, const char *external_id,
                         const char *external_source, struct research_view *out)
{
    bool found = false;
    pthread_mutex_lock(&st->lock);
    for (size_t i = st->n_research; i-- > 0 && !found;) {
        const struct research *r = st->research[i];
        if (json_string_is(r->input, "externalId", external_id) &&
            json_string_is(r->input, "externalSource", external_source)) {
            view_of(r, out);
            found = true;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

void research_view_clear(struct research_view *v)
{
    cJSON_Delete(v->input);
    v->input = NULL;
}


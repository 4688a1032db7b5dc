/* The batch create (API-NOTES §5.5): every signal definition times every
 * domain. Without `async` a call holds at most 100 signals, with it 20 000.
 * An invalid domain or an exhausted credit balance rejects its items, not
 * the batch; each item may be answered from the cache like a single create. */
#define _GNU_SOURCE
#include "routes.h"
#include "signal_body.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_BATCH_MAX 100
#define ASYNC_BATCH_MAX 20000

/* One result: the signal made (or found in the cache), or a rejection. */
static cJSON *batch_item(const struct signal_def *def, const char *domain, cJSON *sig,
                         const char *refusal)
{
    cJSON *item = cJSON_CreateObject();
    if (sig)
        cJSON_AddItemToObject(item, "id", cJSON_DetachItemFromObject(sig, "id"));
    if (def->in.template_id)
        cJSON_AddStringToObject(item, "templateId", def->in.template_id);
    if (sig)
        cJSON_AddItemToObject(item, "status", cJSON_DetachItemFromObject(sig, "status"));
    else
        cJSON_AddStringToObject(item, "status", "rejected");
    cJSON_AddStringToObject(item, "domain", domain);
    cJSON_AddStringToObject(item, "question", def->in.question);
    if (sig)
        cJSON_AddItemToObject(item, "createdAt", cJSON_DetachItemFromObject(sig, "createdAt"));
    else
        cJSON_AddStringToObject(item, "error", refusal);
    return item;
}

/* Domain-major, as the API combines them. */
static void run_batch(struct call *c, const cJSON *domains, struct signal_def *defs, int n_defs,
                      cJSON *results, long *accepted)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, domains) {
        for (int i = 0; i < n_defs; i++) {
            char id[UUID_LEN];
            int64_t ready;
            cJSON *sig = NULL;
            const char *refusal = DOMAIN_MESSAGE;
            if (valid_domain(d->valuestring)) {
                defs[i].in.subject = d->valuestring;
                sig = store_create(&c->m->store, &defs[i].in, c->now, id, &ready);
                refusal = "insufficient credits";
            }
            cJSON_AddItemToArray(results, batch_item(&defs[i], d->valuestring, sig, refusal));
            *accepted += sig != NULL;
            cJSON_Delete(sig);
        }
    }
}

/* The size rules: a call without async holds at most 100 signals; the
 * field named is the larger of the two factors. */
static void check_size(int n_defs, int n_domains, bool async, cJSON *fields)
{
    long total = (long)n_defs * n_domains;
    long max = async ? ASYNC_BATCH_MAX : SYNC_BATCH_MAX;
    if (total <= max)
        return;
    field_error(fields, n_domains >= n_defs ? "domains" : "signals",
                "a batch%s holds at most %ld signals (signals x domains = %ld)",
                async ? " with async" : " without async", max, total);
}

static void check_domains(const cJSON *domains, int n_domains, cJSON *fields)
{
    if (n_domains == 0)
        field_error(fields, "domains", "'domains' must be a non-empty array");
    int i = 0;
    for (const cJSON *d = n_domains ? domains->child : NULL; d; d = d->next, i++) {
        if (!cJSON_IsString(d)) {
            char field[32];
            snprintf(field, sizeof field, "domains[%d]", i);
            field_error(fields, field, "'%s' must be a string", field);
        }
    }
}

static cJSON *batch_answer(struct call *c, const cJSON *domains, struct signal_def *defs,
                           int n_defs, long total, bool async)
{
    char submitted[RFC3339_LEN];
    format_rfc3339(c->now, submitted);
    cJSON *results = cJSON_CreateArray();
    long accepted = 0;
    run_batch(c, domains, defs, n_defs, results, &accepted);
    cJSON *out = cJSON_CreateObject();
    if (async) {
        char batch_id[UUID_LEN];
        new_uuid(batch_id);
        cJSON_AddStringToObject(out, "batchId", batch_id);
        cJSON_AddStringToObject(out, "status", "accepted");
        cJSON_AddBoolToObject(out, "async", true);
        cJSON_AddNumberToObject(out, "totalSignals", (double)total);
        cJSON_AddStringToObject(out, "submittedAt", submitted);
        cJSON_Delete(results);
    } else {
        cJSON_AddStringToObject(out, "submittedAt", submitted);
        cJSON_AddNumberToObject(out, "totalSignals", (double)total);
        cJSON_AddNumberToObject(out, "accepted", (double)accepted);
        cJSON_AddNumberToObject(out, "rejected", (double)(total - accepted));
        cJSON_AddItemToObject(out, "results", results);
    }
    return out;
}

void signals_batch(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *signals = cJSON_GetObjectItemCaseSensitive(body, "signals");
    const cJSON *domains = cJSON_GetObjectItemCaseSensitive(body, "domains");
    bool async = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "async"));
    int n_defs = cJSON_IsArray(signals) ? cJSON_GetArraySize(signals) : 0;
    int n_domains = cJSON_IsArray(domains) ? cJSON_GetArraySize(domains) : 0;
    if (n_defs == 0)
        field_error(fields, "signals", "'signals' must be a non-empty array");
    check_domains(domains, n_domains, fields);
    struct signal_def *defs = xcalloc((size_t)n_defs + 1, sizeof *defs);
    const struct signal_def *unknown = NULL;
    for (int i = 0; i < n_defs; i++) {
        const cJSON *def = cJSON_GetArrayItem(signals, i);
        char *prefix = xasprintf("signals[%d].", i);
        if (!cJSON_IsObject(def)) {
            field_error(fields, prefix, "each signal must be an object");
        } else {
            signal_def_read(c, def, prefix, &defs[i], fields);
            defs[i].in.kind = KIND_COMPANY;
            if (!unknown && defs[i].unknown_template)
                unknown = &defs[i];
        }
        free(prefix);
    }
    check_size(n_defs, n_domains, async, fields);
    if (fields_ok(fields, r) && (!unknown || signal_def_template_ok(unknown, r)))
        reply_json(r, 200, batch_answer(c, domains, defs, n_defs, (long)n_defs * n_domains,
                                        async));
    for (int i = 0; i < n_defs; i++)
        signal_def_clear(&defs[i]);
    free(defs);
    cJSON_Delete(body);
}

/* Template extraction (API-NOTES §8.7, §8.8, §16a): turning ad-hoc signals into
 * templates. The API clusters them with a language model; the mock groups
 * its own template-less signals by question and answer type, newest first.
 * A group whose question a live template already asks is an "existing"
 * cluster of that template. Applying a plan creates the templates of its
 * "new" clusters and attaches the executions; a plan naming an execution
 * that already has a template is refused whole, with the NestJS-style 409
 * the API sends. The apply holds the records lock throughout, so two applies
 * of the same plan cannot both succeed. */
#define _GNU_SOURCE
#include "answers.h"
#include "resources.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES_DEFAULT 100
#define CANDIDATES_MAX 1000
#define CLUSTER_NAME_MAX 80  /* bytes of the question that name a new cluster */

static const char *const SIGNAL_TYPES[] = { "company", "contact", NULL };
static const char *const CLUSTER_KINDS[] = { "new", "existing", NULL };
static const char NO_TEMPLATE[] = "signal template not found or access denied";

/* The newest live template asking `question`, or NULL. Records lock held. */
static const cJSON *template_asking(struct records *rs, const char *question)
{
    const struct record_set *set = &rs->sets[REC_TEMPLATE];
    for (size_t i = set->n; i-- > 0;)
        if (!record_deleted(set->v[i]) && json_string_is(set->v[i], "question", question))
            return set->v[i];
    return NULL;
}

/* ---- propose ---- */

/* The candidates grouped by question and answer type, in order of first
 * appearance: [{question, answerType, executionIds}]. */
static cJSON *group(const cJSON *candidates)
{
    cJSON *groups = cJSON_CreateArray();
    const cJSON *cand, *g;
    cJSON_ArrayForEach(cand, candidates) {
        const char *question = json_string(cand, "question");
        const char *type = json_string(cand, "answerType");
        cJSON *found = NULL;
        cJSON_ArrayForEach(g, groups)
            if (!found && json_string_is(g, "question", question) &&
                json_string_is(g, "answerType", type))
                found = (cJSON *)g;
        if (!found) {
            found = cJSON_CreateObject();
            cJSON_AddStringToObject(found, "question", question);
            cJSON_AddStringToObject(found, "answerType", type);
            cJSON_AddArrayToObject(found, "executionIds");
            cJSON_AddItemToArray(groups, found);
        }
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(found, "executionIds"),
                             cJSON_CreateString(json_string(cand, "id")));
    }
    return groups;
}

/* A new cluster's name: its question, cut at a character boundary. */
static cJSON *cluster_name(const char *question)
{
    size_t n = strlen(question);
    if (n > CLUSTER_NAME_MAX) {
        n = CLUSTER_NAME_MAX;
        while (n > 0 && ((unsigned char)question[n] & 0xC0) == 0x80)
            n--;  /* not inside a UTF-8 sequence */
    }
    char *name = xstrndup(question, n);
    cJSON *out = cJSON_CreateString(name);
    free(name);
    return out;
}

static cJSON *cluster(struct records *rs, cJSON *g)
{
    const char *question = json_string(g, "question");
    cJSON *cl = cJSON_CreateObject();
    const cJSON *t = template_asking(rs, question);
    cJSON_AddStringToObject(cl, "kind", t ? "existing" : "new");
    if (t) {
        cJSON_AddStringToObject(cl, "templateId", json_string(t, "id"));
        cJSON_AddStringToObject(cl, "name", json_string(t, "name"));
    } else {
        cJSON_AddItemToObject(cl, "name", cluster_name(question));
        cJSON_AddStringToObject(cl, "question", question);
        cJSON_AddStringToObject(cl, "answerType", json_string(g, "answerType"));
    }
    cJSON_AddItemToObject(cl, "executionIds", cJSON_DetachItemFromObject(g, "executionIds"));
    cJSON *samples = cJSON_AddArrayToObject(cl, "sampleQuestions");
    cJSON_AddItemToArray(samples, cJSON_CreateString(question));
    return cl;
}

void extract_propose(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *type = string_member(body, "signalType", true, 0, NULL, fields);
    if (type && enum_index(SIGNAL_TYPES, type) < 0)
        field_error(fields, "signalType", "'signalType' must be company or contact");
    long max = optional_whole(body, "maxCandidates", 1, CANDIDATES_MAX, CANDIDATES_DEFAULT,
                              fields);
    if (fields_ok(fields, r)) {
        enum signal_kind kind = strcmp(type, "contact") == 0 ? KIND_CONTACT : KIND_COMPANY;
        cJSON *candidates = cJSON_CreateArray();
        long total = store_adhoc_signals(&c->m->store, kind, max, candidates);
        cJSON *groups = group(candidates);
        cJSON *out = cJSON_CreateObject();
        cJSON *clusters = cJSON_AddArrayToObject(out, "clusters");
        struct records *rs = &c->m->store.records;
        cJSON *g;
        records_lock(rs);
        cJSON_ArrayForEach(g, groups)
            cJSON_AddItemToArray(clusters, cluster(rs, g));
        records_unlock(rs);
        cJSON_AddNumberToObject(out, "totalCandidates", (double)total);
        cJSON_AddNumberToObject(out, "processedCandidates", (double)cJSON_GetArraySize(candidates));
        cJSON_AddBoolToObject(out, "hasMore", total > max);
        cJSON_Delete(groups);
        cJSON_Delete(candidates);
        reply_json(r, 200, out);
    }
    cJSON_Delete(body);
}

/* ---- apply ---- */

/* Checks one cluster's shape; its execution ids go to `all` (a repeat is a
 * problem). */
static void check_cluster(const cJSON *cl, int i, cJSON *all, cJSON *fields)
{
    char field[64];
#define FIELD(key) (snprintf(field, sizeof field, "clusters[%d].%s", i, key), field)
    if (!cJSON_IsObject(cl)) {
        snprintf(field, sizeof field, "clusters[%d]", i);
        field_error(fields, field, "each cluster must be an object");
        return;
    }
    const char *kind = string_member(cl, "kind", true, 0, FIELD("kind"), fields);
    int k = kind ? enum_index(CLUSTER_KINDS, kind) : -1;
    if (kind && k < 0)
        field_error(fields, FIELD("kind"), "'kind' must be new or existing");
    if (k == 0) {
        string_member(cl, "name", true, 200, FIELD("name"), fields);
        string_member(cl, "question", true, 0, FIELD("question"), fields);
        const char *type = json_string(cl, "answerType");
        check_enum_member(fields, cl, "answerType", ANSWER_TYPES, FIELD("answerType"));
        if (type && strcmp(type, "json_schema") == 0)
            field_error(fields, FIELD("answerType"),
                        "a cluster carries no outputSchema, which json_schema needs");
    } else if (k == 1) {
        string_member(cl, "templateId", true, 0, FIELD("templateId"), fields);
    }
    const cJSON *ids = string_array(cl, "executionIds", FIELD("executionIds"), fields);
    if (cJSON_GetArraySize(ids) == 0 && !field_reported(fields, FIELD("executionIds")))
        field_error(fields, field, "'executionIds' must be a non-empty array of strings");
    const cJSON *id, *seen;
    cJSON_ArrayForEach(id, ids) {
        bool repeated = false;
        cJSON_ArrayForEach(seen, all)
            repeated = repeated || strcmp(seen->valuestring, id->valuestring) == 0;
        if (repeated)
            field_error(fields, FIELD("executionIds"), "execution %s is named twice",
                        id->valuestring);
        cJSON_AddItemToArray(all, cJSON_CreateString(id->valuestring));
    }
#undef FIELD
}

/* The executions of the plan the mock does not know, as 400 problems. */
static void check_executions(struct store *st, const cJSON *clusters, cJSON *attached,
                             cJSON *fields)
{
    const cJSON *cl, *id;
    int i = 0;
    cJSON_ArrayForEach(cl, clusters) {
        cJSON *unknown = cJSON_CreateArray();
        store_attach_check(st, cJSON_GetObjectItemCaseSensitive(cl, "executionIds"), unknown,
                           attached);
        char field[64];
        snprintf(field, sizeof field, "clusters[%d].executionIds", i++);
        cJSON_ArrayForEach(id, unknown)
            field_error(fields, field, "unknown execution %s", id->valuestring);
        cJSON_Delete(unknown);
    }
}

/* The NestJS-style 409 of a plan applied again (API-NOTES §12.2). */
static void reply_already_attached(struct reply *r, cJSON *attached)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "statusCode", 409);
    cJSON_AddStringToObject(out, "message",
                            "Some executions are already attached to a signal template");
    cJSON_AddStringToObject(out, "error", "Conflict");
    cJSON_AddItemToObject(out, "alreadyAttached", attached);
    reply_json(r, 409, out);
}

/* The template a cluster attaches to: a new one (stored) or its existing
 * one, which is known to be live. Records lock held. */
static const cJSON *cluster_template(struct call *c, struct records *rs, const cJSON *cl)
{
    if (json_string_is(cl, "kind", "existing"))
        return record_find(rs, REC_TEMPLATE, json_string(cl, "templateId"));
    cJSON *def = cJSON_CreateObject();
    json_copy_member(def, cl, "name");
    json_copy_member(def, cl, "question");
    json_copy_member(def, cl, "answerType");
    cJSON *fields = cJSON_CreateArray();
    cJSON *t = template_new(def, c->now, fields);  /* checked already: cannot fail */
    cJSON_Delete(fields);
    cJSON_Delete(def);
    return record_add(rs, REC_TEMPLATE, t);
}

static cJSON *apply_plan(struct call *c, struct records *rs, const cJSON *clusters)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *created = cJSON_AddArrayToObject(out, "created");
    const cJSON *cl;
    cJSON_ArrayForEach(cl, clusters) {
        const cJSON *t = cluster_template(c, rs, cl);
        long attached = store_attach(&c->m->store,
                                     cJSON_GetObjectItemCaseSensitive(cl, "executionIds"),
                                     json_string(t, "id"));
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "kind", json_string(cl, "kind"));
        cJSON_AddStringToObject(item, "templateId", json_string(t, "id"));
        cJSON_AddStringToObject(item, "versionId", json_string(t, TEMPLATE_VERSION_ID));
        cJSON_AddStringToObject(item, "name", json_string(t, "name"));
        cJSON_AddNumberToObject(item, "attached", (double)attached);
        cJSON_AddItemToArray(created, item);
    }
    return out;
}

/* Every "existing" cluster names a live template; else a 404 in `r`. */
static bool templates_known(struct records *rs, const cJSON *clusters, struct reply *r)
{
    const cJSON *cl;
    cJSON_ArrayForEach(cl, clusters)
        if (json_string_is(cl, "kind", "existing") &&
            !record_or_404(rs, REC_TEMPLATE, json_string(cl, "templateId"), true, NO_TEMPLATE,
                           r))
            return false;
    return true;
}

void extract_apply(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *clusters = cJSON_GetObjectItemCaseSensitive(body, "clusters");
    if (!cJSON_IsArray(clusters) || cJSON_GetArraySize(clusters) == 0)
        field_error(fields, "clusters", "'clusters' must be a non-empty array");
    cJSON *all = cJSON_CreateArray();
    const cJSON *cl, *listed = cJSON_IsArray(clusters) ? clusters : NULL;
    int i = 0;
    cJSON_ArrayForEach(cl, listed)
        check_cluster(cl, i++, all, fields);
    cJSON_Delete(all);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (fields_ok(fields, r) && templates_known(rs, clusters, r)) {
        cJSON *attached = cJSON_CreateArray();
        fields = cJSON_CreateArray();
        check_executions(&c->m->store, clusters, attached, fields);
        if (!fields_ok(fields, r))
            cJSON_Delete(attached);
        else if (cJSON_GetArraySize(attached) > 0)
            reply_already_attached(r, attached);
        else {
            cJSON_Delete(attached);
            reply_json(r, 200, apply_plan(c, rs, clusters));
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

/* Scoring routes (API-NOTES §11.6): profiles, their rules, assignments of
 * profiles to companies or contacts, scores and recomputation. Every list
 * is a bare array (style D). Scores are computed at once wherever the API
 * says scoring is triggered (an assignment, a rule upserted or deleted, a
 * compute request answered 202), so they can be read right after. Deleting
 * a profile takes its rules, assignments and scores along; deleting an
 * assignment its scores. Every handler answers while holding the records
 * lock. */
#define _GNU_SOURCE
#include "resources.h"
#include "scoring.h"
#include "validate.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define BULK_ASSIGNMENTS_MAX 500

static const char *const OBJECT_TYPES[] = { "company", "contact", NULL };
static const char *const RULE_ANSWER_TYPES[] = { "boolean", "number", "percentage",
                                                 "currency", "list", NULL };

static const char NO_PROFILE[] = "scoring profile not found or access denied";

static cJSON *profile_named(struct records *rs, const char *id, struct reply *r)
{
    return record_or_404(rs, REC_PROFILE, id, false, NO_PROFILE, r);
}

/* A required string member that must be one of `values`. */
static const char *required_enum(const cJSON *body, const char *key, const char *const *values,
                                 cJSON *fields)
{
    const char *v = string_member(body, key, true, 0, NULL, fields);
    check_enum_member(fields, body, key, values, key);
    return v && enum_index(values, v) >= 0 ? v : NULL;
}

/* Recomputes every assignment matching `m`. */
static void rescore(struct call *c, const struct record_match *m)
{
    const struct record_set *set = &c->m->store.records.sets[REC_ASSIGNMENT];
    for (size_t i = 0; i < set->n; i++)
        if (record_matches(set->v[i], m))
            score_assignment(&c->m->store, set->v[i], c->now);
}

/* ---- profiles ---- */

void profiles_list(struct call *c, struct reply *r)
{
    static const struct listing profiles = { .kind = REC_PROFILE, .style = PAGE_BARE };
    reply_listing(c, r, &profiles);
}

void profiles_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *type = required_enum(body, "profileType", OBJECT_TYPES, fields);
    const char *name = string_member(body, "name", true, 0, NULL, fields);
    const char *description = string_member(body, "description", false, 0, NULL, fields);
    if (fields_ok(fields, r)) {
        char id[UUID_LEN];
        new_uuid(id);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "id", id);
        cJSON_AddStringToObject(p, "organizationId", MOCK_ORGANIZATION_ID);
        cJSON_AddStringToObject(p, "type", type);
        cJSON_AddStringToObject(p, "name", name);
        json_set_string(p, "description", description);
        json_set_time(p, "createdAt", c->now);
        json_set_time(p, "updatedAt", c->now);
        struct records *rs = &c->m->store.records;
        records_lock(rs);
        reply_json(r, 200, record_view(record_add(rs, REC_PROFILE, p)));
        records_unlock(rs);
    }
    cJSON_Delete(body);
}

void profiles_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_PROFILE, false, NO_PROFILE);
}

void profiles_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *name = string_member(body, "name", true, 0, NULL, fields);
    string_member(body, "description", false, 0, NULL, fields);
    if (cJSON_GetObjectItemCaseSensitive(body, "profileType") ||
        cJSON_GetObjectItemCaseSensitive(body, "type"))
        field_error(fields, "profileType", "the type of a profile cannot be changed");
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *p = profile_named(rs, c->params[0], r);
    if (found_and_fields_ok(p, fields, r)) {
        json_set_string(p, "name", name);
        json_copy_member(p, body, "description");
        json_set_time(p, "updatedAt", c->now);
        reply_json(r, 200, record_view(p));
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void profiles_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *p = profile_named(rs, c->params[0], r);
    if (p) {
        struct record_match mine = { .key = "profileId", .value = c->params[0] };
        records_remove_matching(rs, REC_RULE, &mine);
        records_remove_matching(rs, REC_ASSIGNMENT, &mine);
        records_remove_matching(rs, REC_SCORE, &mine);
        reply_deleted(r, c->params[0]);
        record_remove(rs, REC_PROFILE, p);
    }
    records_unlock(rs);
}

/* ---- rules ---- */

void rules_list(struct call *c, struct reply *r)
{
    static const struct listing rules = { .kind = REC_RULE, .style = PAGE_BARE,
                                          .parent_key = "profileId", .parent_kind = REC_PROFILE,
                                          .parent_missing = NO_PROFILE };
    reply_listing(c, r, &rules);
}

/* 422 INVALID_POINT_VALUES (API-NOTES §12.3): well-formed, but not what the
 * answer type scores by. */
static void reply_invalid_point_values(struct reply *r, const char *type, const char *why)
{
    char *message = xasprintf("pointValues shape does not match answerType '%s': %s", type, why);
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(extra, "details"), "answerType", type);
    cJSON *fields = cJSON_AddArrayToObject(extra, "fields");
    field_error(fields, "pointValues", "%s", why);
    reply_error(r, 422, "VALIDATION", "INVALID_POINT_VALUES", message, extra);
    free(message);
}

/* The profile's rule for (template, dimension), made when there is none. */
static cJSON *rule_for(struct call *c, struct records *rs, const char *tid, const char *dimension)
{
    struct record_match same = { .key = "profileId", .value = c->params[0],
                                 .key2 = "signalTemplateId", .value2 = tid };
    const struct record_set *set = &rs->sets[REC_RULE];
    for (size_t i = 0; i < set->n; i++)
        if (record_matches(set->v[i], &same) &&
            json_string_is(set->v[i], "dimension", dimension))
            return set->v[i];
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddStringToObject(rule, "id", id);
    cJSON_AddStringToObject(rule, "profileId", c->params[0]);
    cJSON_AddStringToObject(rule, "signalTemplateId", tid);
    cJSON_AddStringToObject(rule, "dimension", dimension);
    json_set_time(rule, "createdAt", c->now);
    return record_add(rs, REC_RULE, rule);
}

/* Upserts by (profile, template, dimension), then rescores the profile. */
void rules_upsert(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *tid = string_member(body, "signalTemplateId", true, 0, NULL, fields);
    const char *dimension = required_enum(body, "dimension", DIMENSIONS, fields);
    const char *type = required_enum(body, "answerType", RULE_ANSWER_TYPES, fields);
    const cJSON *pv = object_member(body, "pointValues", NULL, fields);
    if (!pv && !field_reported(fields, "pointValues"))
        field_error(fields, "pointValues", "'pointValues' is required");
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (found_and_fields_ok(profile_named(rs, c->params[0], r), fields, r)) {
        const char *problem = point_values_problem(pv, type);
        if (problem) {
            reply_invalid_point_values(r, type, problem);
        } else {
            cJSON *rule = rule_for(c, rs, tid, dimension);
            json_set_string(rule, "answerType", type);
            json_copy_member(rule, body, "pointValues");
            json_set_time(rule, "updatedAt", c->now);
            reply_json(r, 200, record_view(rule));
            struct record_match assigned = { .key = "profileId", .value = c->params[0] };
            rescore(c, &assigned);
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void rules_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (profile_named(rs, c->params[0], r)) {
        struct record_match m = { .key = "id", .value = c->params[1], .key2 = "profileId",
                                  .value2 = c->params[0] };
        const cJSON *rule = record_first(rs, REC_RULE, &m);
        if (!rule) {
            reply_not_found(r, "scoring rule not found or access denied");
        } else {
            record_remove(rs, REC_RULE, rule);
            reply_deleted(r, c->params[1]);
            struct record_match assigned = { .key = "profileId", .value = c->params[0] };
            rescore(c, &assigned);
        }
    }
    records_unlock(rs);
}

/* ---- assignments ---- */

/* objectType (required, company or contact) and objectId(s) of a query. */
static const char *read_object_query(struct call *c, cJSON *fields)
{
    const char *type = query_get(&c->query, "objectType");
    if (!type)
        field_error(fields, "objectType", "'objectType' is required");
    else if (enum_index(OBJECT_TYPES, type) < 0)
        field_error(fields, "objectType", "'objectType' must be one of: company, contact");
    const char *id = query_get(&c->query, "objectId");
    if (!id || !*id)
        field_error(fields, "objectId", "'objectId' is required");
    return type;
}

void assignments_list(struct call *c, struct reply *r)
{
    cJSON *fields = cJSON_CreateArray();
    const char *type = read_object_query(c, fields);
    if (!fields_ok(fields, r))
        return;
    long total;
    struct record_match m = { .key = "objectType", .value = type, .key2 = "objectId",
                              .value2 = query_get(&c->query, "objectId") };
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    reply_json(r, 200, records_page(rs, REC_ASSIGNMENT, &m, false, 0, LONG_MAX, &total));
    records_unlock(rs);
}

/* The assignment of a profile to an object (an existing one is kept),
 * scored. */
static const cJSON *assign(struct call *c, const cJSON *profile, const char *object_id)
{
    struct records *rs = &c->m->store.records;
    const char *type = json_string(profile, "type");
    struct record_match same = { .key = "profileId", .value = json_string(profile, "id"),
                                 .key2 = "objectId", .value2 = object_id };
    cJSON *a = record_first(rs, REC_ASSIGNMENT, &same);
    if (!a) {
        char id[UUID_LEN];
        new_uuid(id);
        a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "id", id);
        cJSON_AddStringToObject(a, "profileId", json_string(profile, "id"));
        cJSON_AddStringToObject(a, "organizationId", MOCK_ORGANIZATION_ID);
        cJSON_AddStringToObject(a, "objectType", type);
        cJSON_AddStringToObject(a, "objectId", object_id);
        json_set_time(a, "assignedAt", c->now);
        record_add(rs, REC_ASSIGNMENT, a);
    }
    score_assignment(&c->m->store, a, c->now);
    return a;
}

/* The profile of an assignment body whose objectType must be its type, or
 * NULL after a 400 or 404. */
static const cJSON *assigned_profile(struct call *c, const cJSON *body, cJSON *fields,
                                     struct reply *r)
{
    const char *profile_id = string_member(body, "profileId", true, 0, NULL, fields);
    const char *type = required_enum(body, "objectType", OBJECT_TYPES, fields);
    if (!fields_ok(fields, r))
        return NULL;
    const cJSON *profile = profile_named(&c->m->store.records, profile_id, r);
    if (profile && !json_string_is(profile, "type", type)) {
        reply_field_error(r, "objectType", "the profile scores %ss, not %ss",
                          json_string(profile, "type"), type);
        return NULL;
    }
    return profile;
}

void assignments_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *object_id = string_member(body, "objectId", true, 0, NULL, fields);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *profile = assigned_profile(c, body, fields, r);
    if (profile)
        reply_json(r, 200, record_view(assign(c, profile, object_id)));
    records_unlock(rs);
    cJSON_Delete(body);
}

void assignments_bulk(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const cJSON *ids = string_array(body, "objectIds", NULL, fields);
    int n = cJSON_GetArraySize(ids);
    if (!ids && !field_reported(fields, "objectIds"))
        field_error(fields, "objectIds", "'objectIds' is required");
    else if (ids && (n == 0 || n > BULK_ASSIGNMENTS_MAX))
        field_error(fields, "objectIds", "'objectIds' must hold 1 to %d ids", BULK_ASSIGNMENTS_MAX);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *profile = assigned_profile(c, body, fields, r);
    if (profile) {
        cJSON *out = cJSON_CreateArray();
        const cJSON *id;
        cJSON_ArrayForEach(id, ids)
            cJSON_AddItemToArray(out, record_view(assign(c, profile, id->valuestring)));
        reply_json(r, 200, out);
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void assignments_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *a = record_find(rs, REC_ASSIGNMENT, c->params[0]);
    if (!a) {
        reply_not_found(r, "profile assignment not found or access denied");
    } else {
        remove_scores(rs, json_string(a, "profileId"), json_string(a, "objectType"),
                      json_string(a, "objectId"));
        reply_deleted(r, c->params[0]);
        record_remove(rs, REC_ASSIGNMENT, a);
    }
    records_unlock(rs);
}

/* ---- scores ---- */

void scores_get(struct call *c, struct reply *r)
{
    cJSON *fields = cJSON_CreateArray();
    const char *type = read_object_query(c, fields);
    if (!fields_ok(fields, r))
        return;
    cJSON *out = cJSON_CreateArray();
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const struct record_set *set = &rs->sets[REC_SCORE];
    for (size_t i = 0; i < set->n; i++) {
        const cJSON *score = set->v[i];
        if (!json_string_is(score, "objectType", type))
            continue;
        for (size_t k = 0; k < c->query.n; k++)
            if (strcmp(c->query.v[k].name, "objectId") == 0 &&
                strcmp(c->query.v[k].value, json_string(score, "objectId")) == 0) {
                cJSON_AddItemToArray(out, record_view(score));
                break;
            }
    }
    records_unlock(rs);
    reply_json(r, 200, out);
}

/* 202 {queued, failed}: objects with an assignment of that type are scored
 * (at once), the others cannot be. */
void scores_compute(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *type = required_enum(body, "objectType", OBJECT_TYPES, fields);
    const cJSON *ids = string_array(body, "objectIds", NULL, fields);
    if (cJSON_GetArraySize(ids) == 0 && !field_reported(fields, "objectIds"))
        field_error(fields, "objectIds", "'objectIds' must hold at least one id");
    if (fields_ok(fields, r)) {
        long queued = 0, failed = 0;
        struct records *rs = &c->m->store.records;
        records_lock(rs);
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) {
            struct record_match m = { .key = "objectType", .value = type, .key2 = "objectId",
                                      .value2 = id->valuestring };
            bool assigned = records_count(rs, REC_ASSIGNMENT, &m) > 0;
            if (assigned)
                rescore(c, &m);
            queued += assigned;
            failed += !assigned;
        }
        records_unlock(rs);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "queued", (double)queued);
        cJSON_AddNumberToObject(out, "failed", (double)failed);
        reply_json(r, 202, out);
    }
    cJSON_Delete(body);
}

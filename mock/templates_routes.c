/* Signal templates (API-NOTES §8.1-§8.6): versioned question definitions. An
 * update makes a new version (version + 1, createdAt of that version); a
 * delete is soft: the template stays readable with its deletedAt, leaves
 * the list (unless includeDeleted=true) and can no longer be changed.
 * The definition rules are shared with subscriptions, whose objects carry
 * the same fields. */
#define _GNU_SOURCE
#include "answers.h"
#include "resources.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#define TEMPLATE_NAME_MAX 200
#define TEMPLATE_DESCRIPTION_MAX 1000

static const char NO_TEMPLATE[] = "signal template not found or access denied";

/* Template update and subscriptions offer every answer type but the last. */
const char *const SUBSCRIPTION_ANSWER_TYPES[] = {
    "open_text", "boolean", "number", "list", "percentage", "currency", "url",
    "json_schema", "contacts", "contact_posts", "contact_engagements", NULL,
};

const char *const DEFINITION_KEYS[] = { "name", "description", "question", "answerType",
                                        "outputSchema", "weight", "qualificationCriteria", NULL };

void definition_members(cJSON *target)
{
    for (int i = 0; DEFINITION_KEYS[i]; i++)
        cJSON_AddNullToObject(target, DEFINITION_KEYS[i]);
}

static void require_text(const cJSON *target, const char *key, cJSON *fields)
{
    const char *v = json_string(target, key);
    if ((!v || !*v) && !field_reported(fields, key))
        field_error(fields, key, "'%s' is required and must not be empty", key);
}

void apply_definition(cJSON *target, const cJSON *body, const char *const *answer_types,
                      cJSON *fields)
{
    string_member(body, "name", false, TEMPLATE_NAME_MAX, NULL, fields);
    string_member(body, "description", false, TEMPLATE_DESCRIPTION_MAX, NULL, fields);
    string_member(body, "question", false, 0, NULL, fields);
    check_enum_member(fields, body, "answerType", answer_types, "answerType");
    object_member(body, "outputSchema", NULL, fields);
    check_enum_member(fields, body, "weight", WEIGHTS, "weight");
    object_member(body, "qualificationCriteria", NULL, fields);
    for (int i = 0; DEFINITION_KEYS[i]; i++)
        json_copy_member(target, body, DEFINITION_KEYS[i]);
    /* what the result must hold, whatever was sent or kept */
    require_text(target, "name", fields);
    require_text(target, "question", fields);
    const char *type = json_string(target, "answerType");
    if (!type)
        json_set_string(target, "answerType", "open_text");
    else if (strcmp(type, "json_schema") == 0 &&
             !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(target, "outputSchema")) &&
             !field_reported(fields, "outputSchema"))
        field_error(fields, "outputSchema",
                    "'outputSchema' is required when answerType is json_schema");
    if (!json_string(target, "weight"))
        json_set_string(target, "weight", "important");
}

void new_version_id(cJSON *tmpl)
{
    char id[UUID_LEN];
    new_uuid(id);
    json_set_string(tmpl, TEMPLATE_VERSION_ID, id);
}

void templates_list(struct call *c, struct reply *r)
{
    static const struct listing templates = { .kind = REC_TEMPLATE, .style = PAGE_HAS_MORE,
                                              .default_limit = 20, .newest_first = true,
                                              .include_deleted = true };
    reply_listing(c, r, &templates);
}

cJSON *template_new(const cJSON *body, int64_t now, cJSON *fields)
{
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "id", id);
    cJSON_AddStringToObject(t, "templateId", id);
    cJSON_AddNumberToObject(t, "version", 1);
    cJSON_AddStringToObject(t, "organizationId", MOCK_ORGANIZATION_ID);
    definition_members(t);
    int before = cJSON_GetArraySize(fields);
    apply_definition(t, body, ANSWER_TYPES, fields);
    if (cJSON_GetArraySize(fields) > before) {
        cJSON_Delete(t);
        return NULL;
    }
    cJSON_AddNullToObject(t, "createdByUserId");  /* made with an API key, not by a user */
    new_version_id(t);
    json_set_time(t, "createdAt", now);
    cJSON_AddNullToObject(t, "deletedAt");
    cJSON_AddStringToObject(t, "source", "api");
    return t;
}

void templates_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    cJSON *t = template_new(body, c->now, fields);
    cJSON_Delete(body);
    if (!fields_ok(fields, r))
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    reply_json(r, 200, record_view(record_add(rs, REC_TEMPLATE, t)));
    records_unlock(rs);
}

void templates_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_TEMPLATE, false, NO_TEMPLATE);
}

/* A deleted template is kept for history: readable, no longer changeable. */
void templates_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *t = record_or_404(rs, REC_TEMPLATE, c->params[0], true, NO_TEMPLATE, r);
    if (t) {
        cJSON *next = cJSON_Duplicate(t, true);
        cJSON *fields = cJSON_CreateArray();
        apply_definition(next, body, SUBSCRIPTION_ANSWER_TYPES, fields);
        if (fields_ok(fields, r)) {
            next_version(next);
            new_version_id(next);
            json_set_time(next, "createdAt", c->now);
            reply_json(r, 200, record_view(next));
            record_replace(rs, REC_TEMPLATE, t, next);
        } else {
            cJSON_Delete(next);
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

void templates_delete(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *t = record_or_404(rs, REC_TEMPLATE, c->params[0], true, NO_TEMPLATE, r);
    if (t) {
        json_set_time(t, "deletedAt", c->now);
        reply_json(r, 200, record_view(t));
    }
    records_unlock(rs);
}

cJSON *template_value(struct store *st, const cJSON *tmpl, const char *template_id,
                      enum signal_kind kind, const char *subject, int64_t now)
{
    return store_latest_value(st, kind, subject, template_id, json_string(tmpl, "question"),
                              now);
}

bool template_definition(struct records *rs, const char *id, struct template_def *out)
{
    memset(out, 0, sizeof *out);
    records_lock(rs);
    const cJSON *t = record_find(rs, REC_TEMPLATE, id);
    bool live = t && !record_deleted(t);
    if (live) {
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(t, "outputSchema");
        int type = enum_index(ANSWER_TYPES, json_string(t, "answerType"));
        out->question = xstrdup(json_string(t, "question"));
        out->answer_type = type >= 0 ? type : ANSWER_OPEN_TEXT;
        out->schema = cJSON_IsObject(schema) ? cJSON_PrintUnformatted(schema) : NULL;
        if (type == ANSWER_JSON_SCHEMA)
            out->schema_answer = json_schema_answer_text(schema);
    }
    records_unlock(rs);
    return live;
}

void template_def_clear(struct template_def *d)
{
    free(d->question);
    free(d->schema);
    free(d->schema_answer);
    memset(d, 0, sizeof *d);
}

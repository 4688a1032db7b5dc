#define _GNU_SOURCE
#include "signal_body.h"

#include "answers.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field's name as the answer shows it: the item's prefix, then the key. */
#define FIELD(key) (snprintf(name, sizeof name, "%s%s", prefix, key), name)

static bool present(const cJSON *v)
{
    return v && !cJSON_IsNull(v);
}

/* The members of a definition that are checked for shape, template or not. */
static void check_members(const cJSON *obj, const char *prefix, cJSON *fields)
{
    char name[96];
    const cJSON *question = cJSON_GetObjectItemCaseSensitive(obj, "question");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "outputSchema");
    const cJSON *force = cJSON_GetObjectItemCaseSensitive(obj, "forceRefresh");
    if (present(question) && !(cJSON_IsString(question) && *question->valuestring))
        field_error(fields, FIELD("question"), "'question' must be a non-empty string");
    check_enum_member(fields, obj, "answerType", ANSWER_TYPES, FIELD("answerType"));
    check_enum_member(fields, obj, "weight", WEIGHTS, FIELD("weight"));
    check_enum_member(fields, obj, "verificationMode", VERIFICATION_MODES,
                      FIELD("verificationMode"));
    if (present(schema) && !cJSON_IsObject(schema))
        field_error(fields, FIELD("outputSchema"), "'outputSchema' must be an object");
    if (present(force) && !cJSON_IsBool(force))
        field_error(fields, FIELD("forceRefresh"), "'forceRefresh' must be a boolean");
}

/* A definition stated inline: the question is required, and a json_schema
 * answer needs its schema. */
static void read_inline(const cJSON *obj, const char *prefix, struct signal_def *d,
                        cJSON *fields)
{
    char name[96];
    const cJSON *question = cJSON_GetObjectItemCaseSensitive(obj, "question");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "outputSchema");
    int t = enum_index(ANSWER_TYPES, json_string(obj, "answerType"));
    if (!present(question))
        field_error(fields, FIELD("question"),
                    "'question' is required unless 'signalTemplateId' is given");
    d->in.question = json_string(obj, "question");
    d->in.answer_type = t >= 0 ? t : ANSWER_OPEN_TEXT;
    if (cJSON_IsObject(schema)) {
        d->schema = cJSON_PrintUnformatted(schema);
        d->schema_answer = json_schema_answer_text(schema);
    } else if (t == ANSWER_JSON_SCHEMA && !present(schema)) {
        field_error(fields, FIELD("outputSchema"),
                    "'outputSchema' is required when answerType is json_schema");
    }
}

/* A definition from a template (API-NOTES §5: the template's question, answer
 * type, weight and criteria are used). Inline members were checked for
 * shape and are otherwise ignored. */
static void read_template(struct call *c, const char *id, struct signal_def *d)
{
    struct template_def t;
    d->in.template_id = id;
    if (!template_definition(&c->m->store.records, id, &t)) {
        d->unknown_template = id;
        return;
    }
    d->question = t.question;
    d->schema = t.schema;
    d->schema_answer = t.schema_answer;
    d->in.question = t.question;
    d->in.answer_type = t.answer_type;
}

void signal_def_read(struct call *c, const cJSON *obj, const char *prefix, struct signal_def *d,
                     cJSON *fields)
{
    char name[96];
    memset(d, 0, sizeof *d);
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(obj, "signalTemplateId");
    if (!tmpl)
        tmpl = cJSON_GetObjectItemCaseSensitive(obj, "templateId");
    check_members(obj, prefix, fields);
    if (present(tmpl) && !(cJSON_IsString(tmpl) && *tmpl->valuestring))
        field_error(fields, FIELD(tmpl->string), "'%s' must be a non-empty string",
                    tmpl->string);
    else if (present(tmpl))
        read_template(c, tmpl->valuestring, d);
    else
        read_inline(obj, prefix, d, fields);
    d->in.schema = d->schema;
    d->in.schema_answer = d->schema_answer;
    d->in.cacheable = !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "forceRefresh"));
}

void signal_def_clear(struct signal_def *d)
{
    free(d->question);
    free(d->schema);
    free(d->schema_answer);
    memset(d, 0, sizeof *d);
}

bool signal_def_template_ok(const struct signal_def *d, struct reply *r)
{
    if (!d->unknown_template)
        return true;
    reply_not_found(r, "signal template not found or access denied");
    return false;
}

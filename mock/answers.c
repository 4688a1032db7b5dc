#define _GNU_SOURCE
#include "answers.h"

#include "util.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

const char *const ANSWER_TYPES[] = {
    "open_text", "boolean", "number", "list", "percentage", "currency", "url",
    "json_schema", "contacts", "contact_posts", "contact_engagements",
    "contacts_generation", NULL,
};

/* The envelope key of each type: the camelCase of its name. */
static const char *const ANSWER_KEYS[] = {
    "openText", "boolean", "number", "list", "percentage", "currency", "url",
    "jsonSchema", "contacts", "contactPosts", "contactEngagements",
    "contactsGeneration",
};

static long marker_number(const char *question, const char *tag)
{
    const char *p = strstr(question, tag);
    if (!p)
        return -1;
    p += strlen(tag);
    char *end;
    long v = strtol(p, &end, 10);
    return (end != p && *end == ']' && v >= 0) ? v : -1;
}

void markers_parse(const char *question, struct markers *out)
{
    out->failure = FAIL_NONE;
    if (strstr(question, "[fail:retryable]"))
        out->failure = FAIL_RETRYABLE;
    else if (strstr(question, "[fail:permanent]"))
        out->failure = FAIL_PERMANENT;
    long flaky = marker_number(question, "[flaky:");
    out->flaky = flaky > 0 ? flaky : 0;
    out->delay_ms = marker_number(question, "[delay:");
}

enum signal_status signal_status_at(const struct signal *s, int64_t now)
{
    return now >= s->ready_ms ? (enum signal_status)s->outcome : STATUS_PROCESSING;
}

static cJSON *value_for_schema(const cJSON *schema, int depth)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(schema, "type"));
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(schema, "enum");
    if (cJSON_IsArray(choices) && cJSON_GetArraySize(choices) > 0)
        return cJSON_Duplicate(cJSON_GetArrayItem(choices, 0), true);
    if (!type && cJSON_IsObject(props))
        type = "object";  /* properties alone describe an object */
    if (!type || depth > 8)
        return cJSON_CreateNull();
    if (strcmp(type, "boolean") == 0)
        return cJSON_CreateTrue();
    if (strcmp(type, "integer") == 0)
        return cJSON_CreateNumber(42);
    if (strcmp(type, "number") == 0)
        return cJSON_CreateNumber(42.5);
    if (strcmp(type, "string") == 0)
        return cJSON_CreateString("example");
    if (strcmp(type, "array") == 0) {
        cJSON *arr = cJSON_CreateArray();
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
        if (cJSON_IsObject(items))
            cJSON_AddItemToArray(arr, value_for_schema(items, depth + 1));
        return arr;
    }
    if (strcmp(type, "object") == 0) {
        cJSON *obj = cJSON_CreateObject();
        const cJSON *prop;
        cJSON_ArrayForEach(prop, props)
            cJSON_AddItemToObject(obj, prop->string, value_for_schema(prop, depth + 1));
        return obj;
    }
    return cJSON_CreateNull();
}

char *json_schema_answer_text(const cJSON *output_schema)
{
    cJSON *value = NULL;
    if (cJSON_IsObject(output_schema))
        value = value_for_schema(output_schema, 0);
    if (!cJSON_IsObject(value)) {
        /* the answer of a json_schema signal is always an object */
        cJSON_Delete(value);
        value = cJSON_CreateObject();
        cJSON_AddStringToObject(value, "summary", "signals-mock structured answer");
    }
    char *text = cJSON_PrintUnformatted(value);
    cJSON_Delete(value);
    return text;
}

static cJSON *contacts_answer(const struct signal *s)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "fullName", "Jane Example");
    cJSON_AddStringToObject(c, "linkedInProfileUrl", "https://www.linkedin.com/in/jane-example");
    cJSON_AddStringToObject(c, "note", s->question);
    cJSON_AddItemToArray(items, c);
    return body;
}

static cJSON *answer_json(const struct signal *s)
{
    int t = s->answer_type;
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "type", ANSWER_TYPES[t]);
    if (t == ANSWER_JSON_SCHEMA) {
        char *fallback = s->schema_answer ? NULL : json_schema_answer_text(NULL);
        cJSON_AddItemToObject(answer, ANSWER_KEYS[t],
                              cJSON_CreateRaw(s->schema_answer ? s->schema_answer : fallback));
        free(fallback);
        return answer;
    }
    if (t >= ANSWER_CONTACTS) {
        cJSON_AddItemToObject(answer, ANSWER_KEYS[t], contacts_answer(s));
        return answer;
    }
    cJSON *value;
    char *text;
    switch (t) {
    case ANSWER_BOOLEAN: value = cJSON_CreateTrue(); break;
    case ANSWER_NUMBER: value = cJSON_CreateNumber(42); break;
    case ANSWER_LIST: {
        static const char *const langs[] = { "Go", "Lua" };
        value = cJSON_CreateStringArray(langs, 2);
        break;
    }
    case ANSWER_PERCENTAGE: value = cJSON_CreateNumber(35); break;
    case ANSWER_CURRENCY: value = cJSON_CreateString("5000000"); break;
    case ANSWER_URL:
        text = s->kind == KIND_COMPANY ? xasprintf("https://%s/jobs", s->subject)
                                       : xstrdup(s->subject);
        value = cJSON_CreateString(text);
        free(text);
        break;
    default:
        text = xasprintf("signals-mock answer about %s", s->subject);
        value = cJSON_CreateString(text);
        free(text);
        break;
    }
    cJSON *wrapper = cJSON_AddObjectToObject(answer, ANSWER_KEYS[t]);
    cJSON_AddItemToObject(wrapper, "value", value);
    return answer;
}

static cJSON *sources_json(const struct signal *s)
{
    cJSON *sources = cJSON_CreateArray();
    cJSON *src = cJSON_CreateObject();
    char *url, *title;
    if (s->kind == KIND_COMPANY) {
        url = xasprintf("https://%s/about", s->subject);
        title = xasprintf("About %s", s->subject);
    } else {
        url = xstrdup(s->subject);
        title = xstrdup("Profile");
    }
    cJSON_AddStringToObject(src, "url", url);
    cJSON_AddStringToObject(src, "title", title);
    cJSON_AddItemToArray(sources, src);
    free(url);
    free(title);
    return sources;
}

cJSON *signal_json(const struct signal *s, enum signal_status status, bool list_item)
{
    char when[RFC3339_LEN];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->id);
    if (list_item)
        cJSON_AddStringToObject(o, "signalType", s->kind == KIND_COMPANY ? "company" : "contact");
    cJSON_AddStringToObject(o, "status", STATUSES[status]);
    cJSON_AddStringToObject(o, s->kind == KIND_COMPANY ? "domain" : "contactProfileUrl",
                            s->subject);
    cJSON_AddStringToObject(o, "question", s->question);
    if (s->subscription_id)
        cJSON_AddStringToObject(o, "subscriptionId", s->subscription_id);
    cJSON_AddStringToObject(o, "answerType", ANSWER_TYPES[s->answer_type]);
    if (status == STATUS_COMPLETED) {
        cJSON_AddItemToObject(o, "answer", answer_json(s));
        cJSON_AddNumberToObject(o, "confidence", 0.87);
        cJSON_AddStringToObject(o, "reasoning",
                                "signals-mock answers deterministically, without research.");
        cJSON_AddItemToObject(o, "sources", sources_json(s));
    } else if (status == STATUS_FAILED) {
        bool retryable = s->failure != FAIL_PERMANENT;
        cJSON_AddBoolToObject(o, "retryable", retryable);
        cJSON_AddStringToObject(o, "error",
                                retryable ? "The research step timed out while fetching "
                                            "sources. Retrying may succeed."
                                          : "LinkedIn data is temporarily unavailable "
                                            "because of upstream rate limits.");
        cJSON_AddStringToObject(o, "errorCode",
                                retryable ? "INTERNAL_ERROR" : "LINKEDIN_RATE_LIMIT_EXCEEDED");
    }
    format_rfc3339(s->created_ms, when);
    cJSON_AddStringToObject(o, "createdAt", when);
    /* the API's "Using Signals API" page: completedAt, like the answer,
     * belongs to a completed signal only */
    if (status == STATUS_COMPLETED) {
        format_rfc3339(s->ready_ms, when);
        cJSON_AddStringToObject(o, "completedAt", when);
    }
    return o;
}

#define _GNU_SOURCE
#include "scoring.h"

#include "resources.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

const char *const DIMENSIONS[] = { "fit", "urgency", NULL };

static bool only_member(const cJSON *obj, const char *key)
{
    return cJSON_GetArraySize(obj) == 1 && cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool number_or_null(const cJSON *v)
{
    return !v || cJSON_IsNull(v) || cJSON_IsNumber(v);
}

static const char *ranges_problem(const cJSON *pv)
{
    const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(pv, "ranges");
    if (!only_member(pv, "ranges") || !cJSON_IsArray(ranges) || cJSON_GetArraySize(ranges) == 0)
        return "numeric answer types take {\"ranges\": [{\"min\", \"max\", \"points\"}, ...]}";
    const cJSON *range;
    cJSON_ArrayForEach(range, ranges) {
        const cJSON *min = cJSON_GetObjectItemCaseSensitive(range, "min");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(range, "max");
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(range, "points")) ||
            !number_or_null(min) || !number_or_null(max))
            return "each range needs numeric points and a numeric (or null) min and max";
        if (cJSON_IsNumber(min) && cJSON_IsNumber(max) && min->valuedouble >= max->valuedouble)
            return "a range's min must be below its max (max is exclusive)";
    }
    return NULL;
}

const char *point_values_problem(const cJSON *pv, const char *answer_type)
{
    if (strcmp(answer_type, "boolean") == 0) {
        if (cJSON_GetArraySize(pv) != 2 ||
            !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pv, "true")) ||
            !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pv, "false")))
            return "boolean answers take {\"true\": <points>, \"false\": <points>}";
        return NULL;
    }
    if (strcmp(answer_type, "list") == 0) {
        const cJSON *choices = cJSON_GetObjectItemCaseSensitive(pv, "choices");
        bool ok = only_member(pv, "choices") && cJSON_IsObject(choices) &&
                  cJSON_GetArraySize(choices) > 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, choices)
            ok = ok && cJSON_IsNumber(c);
        return ok ? NULL : "list answers take {\"choices\": {\"<value>\": <points>, ...}}";
    }
    return ranges_problem(pv);
}

/* ---- computation ---- */

static double number_of(const cJSON *v, bool *ok)
{
    char *end = NULL;
    double d = cJSON_IsNumber(v) ? v->valuedouble
             : cJSON_IsString(v) ? strtod(v->valuestring, &end) : 0;
    /* currency answers come as strings ("5000000") */
    *ok = cJSON_IsNumber(v) || (cJSON_IsString(v) && end != v->valuestring && *end == '\0');
    return d;
}

static double points_of(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The points `value` earns under a rule and the most the rule can give. */
static double earn(const cJSON *rule, const cJSON *value, double *max_points)
{
    const char *type = json_string(rule, "answerType");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(rule, "pointValues");
    double earned = 0, best = 0;
    if (strcmp(type, "boolean") == 0) {
        double yes = points_of(cJSON_GetObjectItemCaseSensitive(pv, "true"));
        double no = points_of(cJSON_GetObjectItemCaseSensitive(pv, "false"));
        best = yes > no ? yes : no;
        if (cJSON_IsBool(value))
            earned = cJSON_IsTrue(value) ? yes : no;
    } else if (strcmp(type, "list") == 0) {
        const cJSON *choices = cJSON_GetObjectItemCaseSensitive(pv, "choices");
        const cJSON *c, *item, *items = cJSON_IsArray(value) ? value : NULL;
        cJSON_ArrayForEach(c, choices)
            best += c->valuedouble > 0 ? c->valuedouble : 0;
        cJSON_ArrayForEach(item, items)
            if (cJSON_IsString(item))
                earned += points_of(cJSON_GetObjectItemCaseSensitive(choices, item->valuestring));
    } else {
        bool ok;
        double v = number_of(value, &ok);
        bool matched = false;
        const cJSON *range;
        cJSON_ArrayForEach(range, cJSON_GetObjectItemCaseSensitive(pv, "ranges")) {
            const cJSON *min = cJSON_GetObjectItemCaseSensitive(range, "min");
            const cJSON *max = cJSON_GetObjectItemCaseSensitive(range, "max");
            double points = points_of(cJSON_GetObjectItemCaseSensitive(range, "points"));
            best = points > best ? points : best;
            if (ok && !matched && (!cJSON_IsNumber(min) || v >= min->valuedouble) &&
                (!cJSON_IsNumber(max) || v < max->valuedouble)) {
                earned = points;
                matched = true;
            }
        }
    }
    *max_points = best;
    return earned;
}

static bool score_of(const cJSON *score, const char *profile_id, const char *object_type,
                     const char *object_id, const char *dimension)
{
    struct record_match m = { .key = "profileId", .value = profile_id,
                              .key2 = "objectId", .value2 = object_id };
    return record_matches(score, &m) && json_string_is(score, "objectType", object_type) &&
           (!dimension || json_string_is(score, "dimension", dimension));
}

static cJSON *find_score(struct records *rs, const char *profile_id, const char *object_type,
                         const char *object_id, const char *dimension)
{
    const struct record_set *set = &rs->sets[REC_SCORE];
    for (size_t i = 0; i < set->n; i++)
        if (score_of(set->v[i], profile_id, object_type, object_id, dimension))
            return set->v[i];
    return NULL;
}

void remove_scores(struct records *rs, const char *profile_id, const char *object_type,
                   const char *object_id)
{
    cJSON *score;
    while ((score = find_score(rs, profile_id, object_type, object_id, NULL)))
        record_remove(rs, REC_SCORE, score);
}

/* A matched value as the API shows it: a string, as Saber's CLI decodes
 * it ("true", "42", "Go, Lua"; an object as its JSON text). */
static cJSON *matched_text(const cJSON *value)
{
    if (cJSON_IsString(value))
        return cJSON_CreateString(value->valuestring);
    if (cJSON_IsBool(value))
        return cJSON_CreateString(cJSON_IsTrue(value) ? "true" : "false");
    if (cJSON_IsArray(value)) {
        size_t len = 1;
        const cJSON *item;
        cJSON_ArrayForEach(item, value)
            len += (cJSON_IsString(item) ? strlen(item->valuestring) : 0) + 2;
        char *text = xcalloc(len, 1);
        cJSON_ArrayForEach(item, value) {
            if (!cJSON_IsString(item))
                continue;
            if (*text)
                strcat(text, ", ");
            strcat(text, item->valuestring);
        }
        cJSON *out = cJSON_CreateString(text);
        free(text);
        return out;
    }
    char *text = cJSON_PrintUnformatted(value);  /* numbers print as 42, 42.5 */
    cJSON *out = cJSON_CreateString(text);
    free(text);
    return out;
}

/* The contributions of the profile's rules of one dimension; sums into
 * *total and counts the rules and the answered ones. */
static cJSON *contributions(struct store *st, const cJSON *assignment, const char *dimension,
                            int64_t now, double *total, int *rules, int *answered)
{
    struct records *rs = &st->records;
    const char *object_type = json_string(assignment, "objectType");
    const char *object_id = json_string(assignment, "objectId");
    enum signal_kind kind = strcmp(object_type, "contact") == 0 ? KIND_CONTACT : KIND_COMPANY;
    struct record_match m = { .key = "profileId", .value = json_string(assignment, "profileId"),
                              .key2 = "dimension", .value2 = dimension };
    cJSON *list = cJSON_CreateArray();
    const struct record_set *set = &rs->sets[REC_RULE];
    *total = 0;
    *rules = *answered = 0;
    for (size_t i = 0; i < set->n; i++) {
        const cJSON *rule = set->v[i];
        if (!record_matches(rule, &m))
            continue;
        const char *tid = json_string(rule, "signalTemplateId");
        cJSON *value = template_value(st, record_find(rs, REC_TEMPLATE, tid), tid, kind,
                                      object_id, now);
        double max_points, earned = earn(rule, value, &max_points);
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "ruleId", json_string(rule, "id"));
        cJSON_AddStringToObject(c, "signalTemplateId", tid);
        cJSON_AddItemToObject(c, "matchedValue", value ? matched_text(value) : cJSON_CreateNull());
        cJSON_AddNumberToObject(c, "pointsEarned", earned);
        cJSON_AddNumberToObject(c, "maxPoints", max_points);
        cJSON_AddItemToArray(list, c);
        *total += earned;
        (*rules)++;
        *answered += value != NULL;
        cJSON_Delete(value);
    }
    return list;
}

void score_assignment(struct store *st, const cJSON *assignment, int64_t now)
{
    struct records *rs = &st->records;
    const char *profile_id = json_string(assignment, "profileId");
    const char *object_type = json_string(assignment, "objectType");
    const char *object_id = json_string(assignment, "objectId");
    for (int d = 0; DIMENSIONS[d]; d++) {
        double total;
        int rules, answered;
        cJSON *parts = contributions(st, assignment, DIMENSIONS[d], now, &total, &rules,
                                     &answered);
        cJSON *score = find_score(rs, profile_id, object_type, object_id, DIMENSIONS[d]);
        if (rules == 0) {
            cJSON_Delete(parts);
            if (score)
                record_remove(rs, REC_SCORE, score);
            continue;
        }
        if (!score) {
            char id[UUID_LEN];
            new_uuid(id);
            score = cJSON_CreateObject();
            cJSON_AddStringToObject(score, "id", id);
            cJSON_AddStringToObject(score, "profileId", profile_id);
            cJSON_AddStringToObject(score, "organizationId", MOCK_ORGANIZATION_ID);
            cJSON_AddStringToObject(score, "objectType", object_type);
            cJSON_AddStringToObject(score, "objectId", object_id);
            cJSON_AddStringToObject(score, "dimension", DIMENSIONS[d]);
            cJSON_AddNullToObject(score, "score");
            cJSON_AddNullToObject(score, "contributions");
            cJSON_AddNumberToObject(score, "version", 0);
            record_add(rs, REC_SCORE, score);
        }
        json_set(score, "previousScore",
                 cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(score, "score"), true));
        json_set(score, "previousContributions",
                 cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(score, "contributions"), true));
        json_set(score, "score", cJSON_CreateNumber(total));
        json_set(score, "contributions", parts);
        json_set(score, "signalCoverage", cJSON_CreateNumber((double)answered / rules));
        json_set(score, "totalRules", cJSON_CreateNumber(rules));
        json_set_time(score, "computedAt", now);
        next_version(score);
    }
}

/* Signal subscriptions (API-NOTES §8.9): a signal definition (inline, or taken
 * from a template) run on a schedule over the subjects of a list. Created
 * stopped; start and stop switch the schedule, trigger runs it now: one
 * signal per company of a company list (or per contact of a contact list),
 * seeded with the subscription's id so that its logs show them. The mock
 * never runs a schedule by itself. */
#define _GNU_SOURCE
#include "answers.h"
#include "companies.h"
#include "resources.h"
#include "validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const char *const FREQUENCIES[] = { "daily", "weekly", "monthly", NULL };
static const long long FREQUENCY_DAYS[] = { 1, 7, 30 };

const char NO_SUBSCRIPTION[] = "signal subscription not found or access denied";

/* Five fields separated by blanks, as in "0 9 * * 1,3,5". */
static bool cron_shaped(const char *s)
{
    int n = 0;
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        n++;
        while (*s && !isspace((unsigned char)*s))
            s++;
    }
    return n == 5;
}

/* frequency / cronExpression / timezone from `body` into `sub`; with
 * `required`, exactly one of the first two must be sent. */
static void apply_schedule(cJSON *sub, const cJSON *body, bool required, cJSON *fields)
{
    check_enum_member(fields, body, "frequency", FREQUENCIES, "frequency");
    const char *frequency = json_string(body, "frequency");
    const char *cron = string_member(body, "cronExpression", false, 0, NULL, fields);
    const char *tz = string_member(body, "timezone", false, 0, NULL, fields);
    if (cron && !cron_shaped(cron))
        field_error(fields, "cronExpression",
                    "'cronExpression' must have five fields, e.g. '0 9 * * 1,3,5'");
    if (frequency && cron)
        field_error(fields, "frequency", "'frequency' and 'cronExpression' are mutually exclusive");
    else if (required && !frequency && !cron)
        field_error(fields, "frequency", "one of 'frequency' and 'cronExpression' is required");
    if (frequency || cron) {
        json_set_string(sub, "frequency", frequency);
        json_set_string(sub, "cronExpression", cron);
    }
    if (tz && !*tz)
        field_error(fields, "timezone", "'timezone' must be an IANA time zone such as UTC");
    else if (tz)
        json_set_string(sub, "timezone", tz);
}

/* nextRunAt of an active subscription: a frequency's period from now; the
 * mock does not evaluate cron expressions (null). */
static void schedule_next_run(cJSON *sub, int64_t now)
{
    int f = enum_index(FREQUENCIES, json_string(sub, "frequency"));
    bool active = json_string_is(sub, "status", "active");
    json_set_time(sub, "nextRunAt", active && f >= 0 ? now + FREQUENCY_DAYS[f] * DAY_MS : -1);
}

void subscriptions_list(struct call *c, struct reply *r)
{
    static const struct listing subscriptions = { .kind = REC_SUBSCRIPTION,
                                                  .style = PAGE_HAS_MORE, .default_limit = 20,
                                                  .newest_first = true };
    reply_listing(c, r, &subscriptions);
}

/* A new subscription's definition: the template's when one is named (an
 * inline field overrides it), else the inline one. */
static void start_definition(struct records *rs, cJSON *sub, const cJSON *body, cJSON *fields)
{
    const char *tid = string_member(body, "signalTemplateId", false, 0, NULL, fields);
    const cJSON *t = tid && *tid ? record_find(rs, REC_TEMPLATE, tid) : NULL;
    if (tid && (!t || record_deleted(t)))
        field_error(fields, "signalTemplateId", "no signal template with id '%s'", tid);
    cJSON_AddItemToObject(sub, "signalTemplateId", tid ? cJSON_CreateString(tid)
                                                       : cJSON_CreateNull());
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(t, "version");
    cJSON_AddNumberToObject(sub, "version", version ? version->valuedouble : 1);
    definition_members(sub);
    for (int i = 0; t && DEFINITION_KEYS[i]; i++)
        json_copy_member(sub, t, DEFINITION_KEYS[i]);
    apply_definition(sub, body, SUBSCRIPTION_ANSWER_TYPES, fields);
}

void subscriptions_create(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *list_id = string_member(body, "listId", true, 0, NULL, fields);
    char id[UUID_LEN];
    new_uuid(id);
    cJSON *sub = cJSON_CreateObject();
    cJSON_AddStringToObject(sub, "id", id);
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    start_definition(rs, sub, body, fields);
    cJSON_AddNullToObject(sub, "frequency");
    cJSON_AddNullToObject(sub, "cronExpression");
    cJSON_AddStringToObject(sub, "timezone", "UTC");
    apply_schedule(sub, body, true, fields);
    cJSON_AddStringToObject(sub, "status", "stopped");
    json_set_string(sub, "listId", list_id);
    cJSON_AddNullToObject(sub, "lastRunAt");
    cJSON_AddNullToObject(sub, "nextRunAt");
    cJSON_AddStringToObject(sub, "source", "api");
    json_set_time(sub, "createdAt", c->now);
    if (fields_ok(fields, r))
        reply_json(r, 200, record_view(record_add(rs, REC_SUBSCRIPTION, sub)));
    else
        cJSON_Delete(sub);
    records_unlock(rs);
    cJSON_Delete(body);
}

void subscriptions_get(struct call *c, struct reply *r)
{
    reply_record(c, r, REC_SUBSCRIPTION, false, NO_SUBSCRIPTION);
}

void subscriptions_update(struct call *c, struct reply *r)
{
    static const char *const required[] = { "timezone", "name", "question", "answerType", NULL };
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *sub = record_or_404(rs, REC_SUBSCRIPTION, c->params[0], false, NO_SUBSCRIPTION, r);
    if (sub) {
        cJSON *fields = cJSON_CreateArray();
        for (int i = 0; required[i]; i++)
            string_member(body, required[i], true, 0, NULL, fields);
        cJSON *next = cJSON_Duplicate(sub, true);
        apply_definition(next, body, SUBSCRIPTION_ANSWER_TYPES, fields);
        apply_schedule(next, body, false, fields);
        if (fields_ok(fields, r)) {
            next_version(next);
            schedule_next_run(next, c->now);
            reply_json(r, 200, record_view(next));
            record_replace(rs, REC_SUBSCRIPTION, sub, next);
        } else {
            cJSON_Delete(next);
        }
    }
    records_unlock(rs);
    cJSON_Delete(body);
}

/* start (arg 1) and stop (arg 0): idempotent. */
void subscriptions_switch(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *sub = record_or_404(rs, REC_SUBSCRIPTION, c->params[0], false, NO_SUBSCRIPTION, r);
    if (sub) {
        json_set_string(sub, "status", c->route->arg ? "active" : "stopped");
        schedule_next_run(sub, c->now);
        reply_json(r, 200, record_view(sub));
    }
    records_unlock(rs);
}

/* The subjects a run covers: the domains of a company list, or the profile
 * URLs of a contact list's contacts; none for a list the mock does not know. */
static cJSON *run_subjects(struct records *rs, const char *list_id, enum signal_kind *kind)
{
    cJSON *subjects = cJSON_CreateArray();
    const cJSON *list = record_find(rs, REC_COMPANY_LIST, list_id);
    *kind = KIND_COMPANY;
    if (list && !record_deleted(list)) {
        long total;
        cJSON *companies = companies_matching(cJSON_GetObjectItemCaseSensitive(list, "filter"),
                                              0, COMPANY_POOL_SIZE, &total);
        const cJSON *company;
        cJSON_ArrayForEach(company, companies)
            cJSON_AddItemToArray(subjects, cJSON_CreateString(json_string(company, "domain")));
        cJSON_Delete(companies);
        return subjects;
    }
    *kind = KIND_CONTACT;
    struct record_match m = { .key = "listId", .value = list_id };
    const struct record_set *set = &rs->sets[REC_LIST_CONTACT];
    for (size_t i = 0; i < set->n; i++)
        if (record_matches(set->v[i], &m))
            cJSON_AddItemToArray(subjects, cJSON_CreateString(json_string(set->v[i],
                                                                          "linkedInProfileUrl")));
    return subjects;
}

/* One signal per subject, each charged a credit, until they run out. */
static void run_once(struct store *st, const cJSON *sub, const cJSON *subjects,
                     enum signal_kind kind, int64_t now)
{
    const char *type = json_string(sub, "answerType");
    int t = enum_index(ANSWER_TYPES, type);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(sub, "outputSchema");
    char *schema_text = t == ANSWER_JSON_SCHEMA ? json_schema_answer_text(schema) : NULL;
    /* a run of a template's subscription makes executions of that template */
    struct signal_input in = { .kind = kind, .question = json_string(sub, "question"),
                               .subscription_id = json_string(sub, "id"),
                               .template_id = json_string(sub, "signalTemplateId"),
                               .schema_answer = schema_text,
                               .answer_type = t >= 0 ? t : ANSWER_OPEN_TEXT };
    const cJSON *subject;
    cJSON_ArrayForEach(subject, subjects) {
        char id[UUID_LEN];
        int64_t ready;
        in.subject = subject->valuestring;
        cJSON *sig = store_create(st, &in, now, id, &ready);
        if (!sig)
            break;
        cJSON_Delete(sig);
    }
    free(schema_text);
}

void subscriptions_trigger(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    cJSON *sub = record_or_404(rs, REC_SUBSCRIPTION, c->params[0], false, NO_SUBSCRIPTION, r);
    if (sub) {
        enum signal_kind kind;
        cJSON *subjects = run_subjects(rs, json_string(sub, "listId"), &kind);
        run_once(&c->m->store, sub, subjects, kind, c->now);
        cJSON_Delete(subjects);
        json_set_time(sub, "lastRunAt", c->now);
        reply_json(r, 200, record_view(sub));
    }
    records_unlock(rs);
}

/* What other resources read of the signals: summaries (the completed
 * questions of a domain), exports and scores (the newest answer to a
 * template), and template extraction (the template-less signals, and
 * attaching them to a template). */
#define _GNU_SOURCE
#include "store_private.h"

#include "answers.h"

#include <stdlib.h>
#include <string.h>

long store_completed_questions(struct store *st, const char *domain, int64_t now, int max,
                               cJSON *questions)
{
    long count = 0;
    int listed = 0;
    pthread_mutex_lock(&st->lock);
    const char *subject = intern_find(&st->strings, domain);
    for (size_t i = st->n; subject && i-- > 0;) {
        const struct signal *s = &st->signals[i];
        if (s->kind != KIND_COMPANY || s->subject != subject ||
            signal_status_at(s, now) != STATUS_COMPLETED)
            continue;
        count++;
        bool known = false;
        const cJSON *q;
        cJSON_ArrayForEach(q, questions)
            known = known || strcmp(q->valuestring, s->question) == 0;
        if (!known && listed < max) {
            cJSON_AddItemToArray(questions, cJSON_CreateString(s->question));
            listed++;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return count;
}

/* The envelope {"type":…, "<key>": {"value": v}} holds one member besides
 * "type": v, or for json_schema (no value wrapper) the member itself. */
static cJSON *unwrap_answer(const cJSON *answer)
{
    const char *type = json_string(answer, "type");
    bool wrapped = !type || strcmp(type, "json_schema") != 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, answer) {
        if (strcmp(m->string, "type") == 0)
            continue;
        const cJSON *value = wrapped ? cJSON_GetObjectItemCaseSensitive(m, "value") : NULL;
        return cJSON_Duplicate(value ? value : m, true);
    }
    return NULL;
}

cJSON *store_latest_value(struct store *st, enum signal_kind kind, const char *subject,
                          const char *template_id, const char *question, int64_t now)
{
    cJSON *value = NULL;
    pthread_mutex_lock(&st->lock);
    const char *subj = intern_find(&st->strings, subject);
    const char *tmpl = intern_find(&st->strings, template_id);
    const char *quest = intern_find(&st->strings, question);
    for (size_t i = st->n; subj && (tmpl || quest) && i-- > 0;) {
        const struct signal *s = &st->signals[i];
        if (s->kind != kind || s->subject != subj ||
            !((tmpl && s->template_id == tmpl) || (quest && s->question == quest)) ||
            signal_status_at(s, now) != STATUS_COMPLETED)
            continue;
        cJSON *sig = signal_json(s, STATUS_COMPLETED, false);
        value = unwrap_answer(cJSON_GetObjectItemCaseSensitive(sig, "answer"));
        cJSON_Delete(sig);
        break;
    }
    pthread_mutex_unlock(&st->lock);
    return value;
}

long store_adhoc_signals(struct store *st, enum signal_kind kind, long max, cJSON *out)
{
    long total = 0;
    pthread_mutex_lock(&st->lock);
    for (size_t i = st->n; i-- > 0;) {
        const struct signal *s = &st->signals[i];
        if (s->kind != kind || s->template_id)
            continue;
        if (total++ < max) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "id", s->id);
            cJSON_AddStringToObject(item, "question", s->question);
            cJSON_AddStringToObject(item, "answerType", ANSWER_TYPES[s->answer_type]);
            cJSON_AddItemToArray(out, item);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return total;
}

void store_attach_check(struct store *st, const cJSON *ids, cJSON *unknown, cJSON *attached)
{
    const cJSON *id;
    pthread_mutex_lock(&st->lock);
    cJSON_ArrayForEach(id, ids) {
        const struct signal *s = signal_lookup(st, id->valuestring);
        if (!s)
            cJSON_AddItemToArray(unknown, cJSON_CreateString(id->valuestring));
        else if (s->template_id)
            cJSON_AddItemToArray(attached, cJSON_CreateString(id->valuestring));
    }
    pthread_mutex_unlock(&st->lock);
}

long store_attach(struct store *st, const cJSON *ids, const char *template_id)
{
    long n = 0;
    const cJSON *id;
    pthread_mutex_lock(&st->lock);
    const char *tmpl = intern(&st->strings, template_id);
    cJSON_ArrayForEach(id, ids) {
        struct signal *s = signal_lookup(st, id->valuestring);
        if (s && !s->template_id) {
            s->template_id = tmpl;
            n++;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return n;
}

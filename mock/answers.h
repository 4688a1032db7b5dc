/* What a signal says: the failure markers in its question, its lifecycle,
 * and its JSON (API-NOTES §4, the typed answer envelope of API-NOTES §4.1). */
#ifndef MOCK_ANSWERS_H
#define MOCK_ANSWERS_H

#include "store.h"

#include <cjson/cJSON.h>

/* The 12 answer types (names in ANSWER_TYPES, NULL-terminated, same order). */
enum answer_type {
    ANSWER_OPEN_TEXT, ANSWER_BOOLEAN, ANSWER_NUMBER, ANSWER_LIST, ANSWER_PERCENTAGE,
    ANSWER_CURRENCY, ANSWER_URL, ANSWER_JSON_SCHEMA,
    /* the contact-oriented types, whose shape the API leaves undocumented */
    ANSWER_CONTACTS, ANSWER_CONTACT_POSTS, ANSWER_CONTACT_ENGAGEMENTS,
    ANSWER_CONTACTS_GENERATION,
};
extern const char *const ANSWER_TYPES[];

/* Markers in the question text that script a signal's fate. */
struct markers {
    enum failure failure;  /* [fail:retryable] / [fail:permanent] */
    long flaky;            /* [flaky:N]: first N identical signals fail retryably */
    long delay_ms;         /* [delay:MS]: -1 when absent */
};
void markers_parse(const char *question, struct markers *out);

/* The answer object of a json_schema signal, made up once at creation from
 * its outputSchema (may be NULL): one plausible value per declared property.
 * Rendering then embeds the text as it is, without parsing it again. */
char *json_schema_answer_text(const cJSON *output_schema);

enum signal_status signal_status_at(const struct signal *s, int64_t now);

/* The signal shown in status `status`; list items also carry signalType. */
cJSON *signal_json(const struct signal *s, enum signal_status status, bool list_item);

#endif

/* A signal definition as a create body or a batch item states it (API-NOTES
 * §5, §5.5, §6): validated, and resolved against its template when it
 * names one. Shared by the single creates (signals_routes.c) and the batch
 * (batch_routes.c). */
#ifndef MOCK_SIGNAL_BODY_H
#define MOCK_SIGNAL_BODY_H

#include "routes.h"

struct signal_def {
    struct signal_input in;   /* its strings borrow from the JSON read and from below */
    char *question, *schema, *schema_answer;  /* owned */
    const char *unknown_template;  /* a template id the mock does not know (a 404) */
};

/* Reads the definition members of `obj` (question, answerType,
 * outputSchema, weight, verificationMode, forceRefresh, signalTemplateId or
 * templateId) into `d`; problems go to `fields`, named after `prefix`
 * ("signals[0]." for a batch item). With a template, the template's
 * question, answer type and schema are used, whatever the body says. */
void signal_def_read(struct call *c, const cJSON *obj, const char *prefix, struct signal_def *d,
                     cJSON *fields);
void signal_def_clear(struct signal_def *d);

/* true unless the definition names an unknown template, for which a 404
 * NOT_FOUND went into `r`. */
bool signal_def_template_ok(const struct signal_def *d, struct reply *r);

#endif

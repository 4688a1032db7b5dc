/* What the routes of the resources in records.h share: finding the record
 * a path names (or answering 404), answering one, and answering a list of
 * them in the envelope of its style. */
#ifndef MOCK_RESOURCES_H
#define MOCK_RESOURCES_H

#include "routes.h"

/* The record of `kind` with that id, or NULL after a 404 with `missing`
 * went into `r`; with `live`, a soft-deleted record counts as missing.
 * Records lock held. */
cJSON *record_or_404(struct records *rs, enum record_kind kind, const char *id, bool live,
                     const char *missing, struct reply *r);

/* 200 with the record the path's first parameter names (see above). */
void reply_record(struct call *c, struct reply *r, enum record_kind kind, bool live,
                  const char *missing);

/* How a list route lists a kind. */
struct listing {
    enum record_kind kind;
    enum page_style style;
    long default_limit;       /* limit 1-100; style D takes no limit or offset */
    bool newest_first;
    bool include_deleted;     /* honours the includeDeleted query parameter */
    /* When the records belong to the record the path's first parameter
     * names: its kind, the member naming it, and the 404 when it is missing. */
    const char *parent_key;
    enum record_kind parent_kind;
    const char *parent_missing;
};

void reply_listing(struct call *c, struct reply *r, const struct listing *l);

/* version + 1 (a template, a subscription or a score changed). */
void next_version(cJSON *obj);

#endif

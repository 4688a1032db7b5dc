#define _GNU_SOURCE
#include "resources.h"

#include <limits.h>

#define LIMIT_MAX 100

cJSON *record_or_404(struct records *rs, enum record_kind kind, const char *id, bool live,
                     const char *missing, struct reply *r)
{
    cJSON *obj = record_find(rs, kind, id);
    if (!obj || (live && record_deleted(obj))) {
        reply_not_found(r, missing);
        return NULL;
    }
    return obj;
}

void reply_record(struct call *c, struct reply *r, enum record_kind kind, bool live,
                  const char *missing)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    const cJSON *obj = record_or_404(rs, kind, c->params[0], live, missing, r);
    if (obj)
        reply_json(r, 200, record_view(obj));
    records_unlock(rs);
}

void reply_listing(struct call *c, struct reply *r, const struct listing *l)
{
    long limit = LONG_MAX, offset = 0, total;
    cJSON *fields = cJSON_CreateArray();
    if (l->style != PAGE_BARE)
        call_paging(c, l->default_limit, LIMIT_MAX, &limit, &offset, fields);
    struct record_match m = { .key = l->parent_key, .value = l->parent_key ? c->params[0] : NULL };
    if (l->include_deleted)
        m.include_deleted = call_flag(c, "includeDeleted", false, fields);
    if (!fields_ok(fields, r))
        return;
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    if (!l->parent_key ||
        record_or_404(rs, l->parent_kind, c->params[0], false, l->parent_missing, r)) {
        cJSON *items = records_page(rs, l->kind, &m, l->newest_first, offset, limit, &total);
        reply_page(r, l->style, items, total, limit, offset);
    }
    records_unlock(rs);
}

void next_version(cJSON *obj)
{
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(obj, "version");
    json_set(obj, "version", cJSON_CreateNumber(version->valuedouble + 1));
}

/* The account (API-NOTES §11.2, §11.3, §9.5): connectors, the organisation,
 * and the email finder. Connectors start connected; /_mock/config
 * `connectors` changes them, and contact lists and the HubSpot import
 * check them. The organisation is one record, made on first use (so a
 * reset brings the default back). The email finder's errors come in the
 * API's envelope, as 422s (API-NOTES §16a). */
#define _GNU_SOURCE
#include "routes.h"
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_ID "account"
#define FULL_NAME_MAX 200

static const char *const CONNECTOR_SOURCES[] = { "salesNavigator", "hubspotApp", NULL };
static const char *const CONNECTOR_STATUSES[] = { "connected", "disconnected",
                                                  "needs-authentication", "ready-to-connect",
                                                  "error", NULL };
static const char *const DESCRIPTION_KEYS[] = { "general", "products", "useCases",
                                                "valueProp", NULL };
/* Name particles that may sit between a first and a last name. */
static const char *const PARTICLES[] = { "van", "von", "der", "den", "de", "del", "della",
                                         "di", "da", "du", "le", "la", "ten", "ter", "zu",
                                         NULL };

/* The account record: {connectors: {source: status}, organisation}. Lock held. */
static cJSON *account(struct records *rs)
{
    cJSON *a = record_find(rs, REC_ACCOUNT, ACCOUNT_ID);
    if (a)
        return a;
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "id", ACCOUNT_ID);
    cJSON *connectors = cJSON_AddObjectToObject(a, "connectors");
    for (int i = 0; CONNECTOR_SOURCES[i]; i++)
        cJSON_AddStringToObject(connectors, CONNECTOR_SOURCES[i], "connected");
    cJSON *org = cJSON_AddObjectToObject(a, "organisation");
    cJSON_AddStringToObject(org, "name", "Signals Mock Ltd");
    cJSON_AddStringToObject(org, "website", "signals-mock.example");
    cJSON *d = cJSON_AddObjectToObject(org, "description");
    cJSON_AddStringToObject(d, "general", "Signals Mock Ltd sells made-up software.");
    cJSON_AddStringToObject(d, "products", "An emulation of the Saber Signals API.");
    cJSON_AddStringToObject(d, "useCases", "Offline tests and demos.");
    cJSON_AddStringToObject(d, "valueProp", "Everything runs without a key.");
    return record_add(rs, REC_ACCOUNT, a);
}

static const char *connector_status(struct records *rs, const char *source)
{
    return json_string(cJSON_GetObjectItemCaseSensitive(account(rs), "connectors"), source);
}

bool connector_connected(struct records *rs, const char *source)
{
    const char *status = connector_status(rs, source);
    return status && strcmp(status, "connected") == 0;
}

bool connector_ready(struct records *rs, const char *source, struct reply *r)
{
    if (connector_connected(rs, source))
        return true;
    const char *status = connector_status(rs, source);
    char *message = xasprintf("the %s connector is not connected (%s)", source,
                              status ? status : "absent");
    cJSON *extra = cJSON_CreateObject();
    cJSON *details = cJSON_AddObjectToObject(extra, "details");
    cJSON_AddStringToObject(details, "source", source);
    json_set_string(details, "status", status);
    reply_error(r, 400, "VALIDATION", "CONNECTOR_NOT_CONNECTED", message, extra);
    free(message);
    return false;
}

bool connectors_valid(const cJSON *config, char *err, size_t err_len)
{
    const cJSON *m;
    if (!cJSON_IsObject(config)) {
        snprintf(err, err_len, "must be an object of source: status");
        return false;
    }
    cJSON_ArrayForEach(m, config) {
        bool hubspot = strcmp(m->string, "hubspotApp") == 0;
        if (enum_index(CONNECTOR_SOURCES, m->string) < 0) {
            snprintf(err, err_len, "unknown connector '%s'", m->string);
            return false;
        }
        /* HubSpot is only ever connected or absent (API-NOTES §3) */
        if (hubspot ? !(cJSON_IsNull(m) || (cJSON_IsString(m) &&
                                             strcmp(m->valuestring, "connected") == 0))
                    : !(cJSON_IsString(m) && enum_index(CONNECTOR_STATUSES, m->valuestring) >= 0)) {
            snprintf(err, err_len, "%s", hubspot ? "hubspotApp must be \"connected\" or null"
                     : "salesNavigator must be connected, disconnected, needs-authentication, "
                       "ready-to-connect or error");
            return false;
        }
    }
    return true;
}

void connectors_set(struct store *st, const cJSON *config)
{
    records_lock(&st->records);
    cJSON *connectors = cJSON_GetObjectItemCaseSensitive(account(&st->records), "connectors");
    const cJSON *m;
    cJSON_ArrayForEach(m, config)
        json_set(connectors, m->string, cJSON_Duplicate(m, true));
    records_unlock(&st->records);
}

void connectors_list(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "connectors");
    records_lock(rs);
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(account(rs), "connectors")) {
        if (!cJSON_IsString(m))
            continue;  /* an absent connector is not listed */
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "source", m->string);
        cJSON_AddStringToObject(item, "status", m->valuestring);
        cJSON_AddItemToArray(list, item);
    }
    records_unlock(rs);
    reply_json(r, 200, out);
}

static void reply_organisation(struct records *rs, struct reply *r)
{
    reply_json(r, 200, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(account(rs),
                                                                        "organisation"), true));
}

void organisation_get(struct call *c, struct reply *r)
{
    struct records *rs = &c->m->store.records;
    records_lock(rs);
    reply_organisation(rs, r);
    records_unlock(rs);
}

/* A partial update: the members sent replace the stored ones, description
 * member by member. */
void organisation_update(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    string_member(body, "name", false, 0, NULL, fields);
    string_member(body, "website", false, 0, NULL, fields);
    const cJSON *description = object_member(body, "description", NULL, fields);
    const cJSON *m;
    cJSON_ArrayForEach(m, description) {
        char *field = xasprintf("description.%s", m->string);
        if (enum_index(DESCRIPTION_KEYS, m->string) < 0)
            field_error(fields, field, "unknown member '%s' (general, products, useCases, "
                        "valueProp)", m->string);
        else
            string_member(description, m->string, false, 0, field, fields);
        free(field);
    }
    if (fields_ok(fields, r)) {
        struct records *rs = &c->m->store.records;
        records_lock(rs);
        cJSON *org = cJSON_GetObjectItemCaseSensitive(account(rs), "organisation");
        json_copy_member(org, body, "name");
        json_copy_member(org, body, "website");
        cJSON *stored = cJSON_GetObjectItemCaseSensitive(org, "description");
        cJSON_ArrayForEach(m, description)
            json_set(stored, m->string, cJSON_Duplicate(m, true));
        reply_organisation(rs, r);
        records_unlock(rs);
    }
    cJSON_Delete(body);
}

/* ---- find-email: a snake_case body, 422s in the API's envelope ---- */

/* A required string member, or NULL after a failure in `fields`. */
static const char *text_field(const cJSON *body, const char *key, cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!v || cJSON_IsNull(v))
        field_error(fields, key, "'%s' is required", key);
    else if (!cJSON_IsString(v))
        field_error(fields, key, "'%s' must be a string", key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The words of a name, in a NULL-terminated array that owns its strings. */
static char **words_of(const char *s, int *n)
{
    char **words = xcalloc(strlen(s) + 1, sizeof *words);
    *n = 0;
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        size_t len = 0;
        while (s[len] && !isspace((unsigned char)s[len]))
            len++;
        if (len)
            words[(*n)++] = xstrndup(s, len);
        s += len;
    }
    return words;
}

static void words_free(char **words)
{
    for (char **w = words; *w; w++)
        free(*w);
    free(words);
}

static bool is_particle(const char *word)
{
    for (int i = 0; PARTICLES[i]; i++)
        if (str_ieq(word, PARTICLES[i]))
            return true;
    return false;
}

/* 2-3 words, or up to 4 when middle words are particles ("Jan van der Berg"). */
static bool name_shaped(char **words, int n)
{
    int particles = 0;
    for (int i = 1; i < n - 1; i++)
        particles += is_particle(words[i]);
    return n >= 2 && n <= 4 && n - particles >= 2 && n - particles <= 3;
}

/* The bare mail domain ("www." and a trailing dot dropped), or NULL when
 * it is not one (a URL, say). */
static char *mail_domain(const char *s)
{
    if (str_istarts(s, "www."))
        s += 4;
    char *d = xstrdup(s);
    size_t len = strlen(d);
    if (len && d[len - 1] == '.')
        d[len - 1] = '\0';
    if (valid_domain(d) && strchr(d, '.'))
        return d;
    free(d);
    return NULL;
}

/* Keeps the letters and digits of `w`, lower-cased. */
static char *mailbox_part(const char *w)
{
    char *part = xstrdup(w), *out = part;
    for (const char *p = w; *p; p++)
        if (isalnum((unsigned char)*p))
            *out++ = (char)tolower((unsigned char)*p);
    *out = '\0';
    return part;
}

/* first.last@domain */
static char *address(char **words, int n, const char *domain)
{
    char *first = mailbox_part(words[0]), *last = mailbox_part(words[n - 1]);
    char *email = xasprintf("%s.%s@%s", first, last, domain);
    free(first);
    free(last);
    return email;
}

void find_email(struct call *c, struct reply *r)
{
    cJSON *body = call_json_object(c, r);
    if (!body)
        return;
    cJSON *fields = cJSON_CreateArray();
    const char *full = text_field(body, "full_name", fields);
    const char *domain_in = text_field(body, "domain", fields);
    int n = 0;
    char **words = words_of(full ? full : "", &n);
    char *domain = domain_in ? mail_domain(domain_in) : NULL;
    if (full && (!*full || strlen(full) > FULL_NAME_MAX || !name_shaped(words, n)))
        field_error(fields, "full_name",
                    "'full_name' must be 2 to 3 words (4 with a particle such as 'van der'), "
                    "1 to 200 characters");
    if (domain_in && !domain)
        field_error(fields, "domain",
                    "'domain' must be a bare mail domain such as acme.com, not a URL");
    if (fields_ok_as(fields, r, 422)) {
        cJSON *out = cJSON_CreateObject();
        if (str_ieq(words[0], "Nobody")) {
            /* the "not found" answer, after the search budget */
            cJSON_AddNullToObject(out, "email");
            cJSON_AddNullToObject(out, "verification");
        } else {
            char *email = address(words, n, domain);
            cJSON_AddStringToObject(out, "email", email);
            cJSON *v = cJSON_AddObjectToObject(out, "verification");
            cJSON_AddStringToObject(v, "state", "deliverable");
            cJSON_AddNumberToObject(v, "score", 97);
            cJSON_AddBoolToObject(v, "accept_all", false);
            free(email);
        }
        reply_json(r, 200, out);
    }
    words_free(words);
    free(domain);
    cJSON_Delete(body);
}

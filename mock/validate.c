#define _GNU_SOURCE
#include "validate.h"

#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const WEIGHTS[] = { "important", "nice_to_have", "not_important", NULL };
const char *const VERIFICATION_MODES[] = { "strict", "lenient", NULL };
const char *const STATUSES[] = { "processing", "completed", "failed", NULL };

const char DOMAIN_MESSAGE[] = "'domain' " HOSTNAME_RULE;

bool valid_domain(const char *s)
{
    if (!s || !*s)
        return false;
    for (;;) {
        size_t len = 0;
        while (isalnum((unsigned char)s[len]) || s[len] == '-')
            len++;
        if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
            return false;
        s += len;
        if (*s == '\0')
            return true;
        if (*s != '.')
            return false;
        s++;
    }
}

bool valid_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (!s || strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == '-') {
            if (s[i] != '-')
                return false;
        } else if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
            return false;
        }
    }
    return true;
}

int enum_index(const char *const *values, const char *s)
{
    for (int i = 0; s && values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return -1;
}

void field_error(cJSON *fields, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfield_error(fields, field, fmt, ap);
    va_end(ap);
}

void vfield_error(cJSON *fields, const char *field, const char *fmt, va_list ap)
{
    char *message = NULL;
    if (vasprintf(&message, fmt, ap) < 0)
        message = NULL;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "field", field);
    cJSON_AddStringToObject(item, "message", message ? message : "invalid value");
    cJSON_AddItemToArray(fields, item);
    free(message);
}

bool field_reported(const cJSON *fields, const char *field)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, fields) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "field"));
        if (name && strcmp(name, field) == 0)
            return true;
    }
    return false;
}

void check_enum_member(cJSON *fields, const cJSON *obj, const char *key,
                       const char *const *values, const char *field_name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return;
    if (!cJSON_IsString(v) || enum_index(values, v->valuestring) < 0) {
        char *allowed = xstrdup("");
        for (int i = 0; values[i]; i++) {
            char *next = xasprintf("%s%s%s", allowed, i ? ", " : "", values[i]);
            free(allowed);
            allowed = next;
        }
        field_error(fields, field_name, "'%s' must be one of: %s", key, allowed);
        free(allowed);
    }
}

const char *optional_string(const cJSON *obj, const char *key, cJSON *fields)
{
    const char *v = string_member(obj, key, false, 0, NULL, fields);
    return v && *v ? v : NULL;
}

bool json_whole(const cJSON *v, double min, double max)
{
    /* range first: the cast is only defined for values that fit */
    return cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
           v->valuedouble == (double)(long long)v->valuedouble;
}

static const char *name_of(const char *key, const char *field)
{
    return field ? field : key;
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

const char *string_member(const cJSON *obj, const char *key, bool required, size_t max_chars,
                          const char *field, cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    const char *name = name_of(key, field);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            field_error(fields, name, "'%s' is required", key);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        field_error(fields, name, "'%s' must be a string", key);
        return NULL;
    }
    if (required && !*v->valuestring) {
        field_error(fields, name, "'%s' must not be empty", key);
        return NULL;
    }
    if (max_chars && utf8_length(v->valuestring) > max_chars) {
        field_error(fields, name, "'%s' must be at most %zu characters", key, max_chars);
        return NULL;
    }
    return v->valuestring;
}

const cJSON *string_array(const cJSON *obj, const char *key, const char *field, cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    bool ok = cJSON_IsArray(v);
    for (const cJSON *e = ok ? v->child : NULL; e; e = e->next)
        ok = ok && cJSON_IsString(e);
    if (!ok) {
        field_error(fields, name_of(key, field), "'%s' must be an array of strings", key);
        return NULL;
    }
    return v;
}

const cJSON *country_codes(const cJSON *obj, const char *key, const char *field, cJSON *fields)
{
    const cJSON *codes = string_array(obj, key, field, fields);
    const cJSON *e;
    cJSON_ArrayForEach(e, codes) {
        const char *cc = e->valuestring;
        if (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1])) {
            field_error(fields, name_of(key, field),
                        "invalid value: %s (use ISO 3166-1 alpha-2 codes such as US)", cc);
            return NULL;
        }
    }
    return codes;
}

const cJSON *object_member(const cJSON *obj, const char *key, const char *field, cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsObject(v)) {
        field_error(fields, name_of(key, field), "'%s' must be an object", key);
        return NULL;
    }
    return v;
}

long optional_whole(const cJSON *obj, const char *key, long min, long max, long dflt,
                    cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return dflt;
    if (!json_whole(v, (double)min, (double)max)) {
        field_error(fields, key, "'%s' must be a whole number between %ld and %ld", key, min,
                    max);
        return dflt;
    }
    return (long)v->valuedouble;
}

bool optional_bool(const cJSON *obj, const char *key, bool dflt, cJSON *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return dflt;
    if (!cJSON_IsBool(v)) {
        field_error(fields, key, "'%s' must be a boolean", key);
        return dflt;
    }
    return cJSON_IsTrue(v);
}

bool valid_http_url(const char *s)
{
    const char *host = str_istarts(s, "https://") ? s + 8 : str_istarts(s, "http://") ? s + 7 : NULL;
    if (!host || !*host || *host == '/')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ')
            return false;
    return true;
}

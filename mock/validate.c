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

const char DOMAIN_MESSAGE[] = "'domain' must be a valid hostname (e.g., 'example.com') "
                              "without protocol (https://) or path";

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
    char *message = NULL;
    va_start(ap, fmt);
    if (vasprintf(&message, fmt, ap) < 0)
        message = NULL;
    va_end(ap);
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "field", field);
    cJSON_AddStringToObject(item, "message", message ? message : "invalid value");
    cJSON_AddItemToArray(fields, item);
    free(message);
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
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        field_error(fields, key, "'%s' must be a string", key);
        return NULL;
    }
    return *v->valuestring ? v->valuestring : NULL;
}

bool json_whole(const cJSON *v, double min, double max)
{
    /* range first: the cast is only defined for values that fit */
    return cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
           v->valuedouble == (double)(long long)v->valuedouble;
}

/* Input rules the API documents (API-NOTES §1, §3), shared by the routes. */
#ifndef MOCK_VALIDATE_H
#define MOCK_VALIDATE_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>

/* ^[a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)*$ */
bool valid_domain(const char *s);
/* ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ */
bool valid_uuid(const char *s);

/* Index of `s` in the NULL-terminated `values`, or -1. */
int enum_index(const char *const *values, const char *s);

extern const char *const WEIGHTS[];
extern const char *const VERIFICATION_MODES[];
extern const char *const STATUSES[];   /* in enum signal_status order */

/* Appends {field, message} to a cJSON array of validation failures. */
void field_error(cJSON *fields, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vfield_error(cJSON *fields, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Whether `fields` already holds a failure for `field`. */
bool field_reported(const cJSON *fields, const char *field);

/* Checks an optional string member against an enum (absent or null passes);
 * records a failure under `field_name`. */
void check_enum_member(cJSON *fields, const cJSON *obj, const char *key,
                       const char *const *values, const char *field_name);

/* An optional string member: NULL when absent, null or ""; anything other
 * than a string is recorded as a failure (and gives NULL). */
const char *optional_string(const cJSON *obj, const char *key, cJSON *fields);

/* A JSON number that is a whole number within [min, max]. */
bool json_whole(const cJSON *v, double min, double max);

/* The members below record what is wrong under `field` (NULL: the key
 * itself) and give NULL (or `dflt`) for it; absent and null are the same. */

/* A string member; `required` ones must be non-empty; at most `max_chars`
 * characters (UTF-8 code points) unless that is 0. */
const char *string_member(const cJSON *obj, const char *key, bool required, size_t max_chars,
                          const char *field, cJSON *fields);
/* An optional array of strings. */
const cJSON *string_array(const cJSON *obj, const char *key, const char *field, cJSON *fields);
/* An optional array of ISO 3166-1 alpha-2 country codes ("US"). */
const cJSON *country_codes(const cJSON *obj, const char *key, const char *field, cJSON *fields);
/* An optional object. */
const cJSON *object_member(const cJSON *obj, const char *key, const char *field, cJSON *fields);
/* An optional whole number in [min, max]. */
long optional_whole(const cJSON *obj, const char *key, long min, long max, long dflt,
                    cJSON *fields);
/* An optional boolean. */
bool optional_bool(const cJSON *obj, const char *key, bool dflt, cJSON *fields);

/* An absolute http(s) URL with a host. */
bool valid_http_url(const char *s);

/* What a domain must be, after the name of the member that holds it. */
#define HOSTNAME_RULE \
    "must be a valid hostname (e.g., 'example.com') without protocol (https://) or path"
extern const char DOMAIN_MESSAGE[];

#endif

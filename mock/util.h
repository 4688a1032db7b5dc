/* Small helpers shared by every part of signals-mock: memory that cannot
 * fail quietly, time in the formats the API uses, ids, and request text
 * (percent-decoding, query strings, strict integers). */
#ifndef MOCK_UTIL_H
#define MOCK_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The number of elements of an array (not a pointer). */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A mock that ran out of memory cannot answer truthfully; these abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool str_ieq(const char *a, const char *b);
bool str_istarts(const char *s, const char *prefix);
bool str_icontains(const char *haystack, const char *needle);

/* Time is wall-clock milliseconds since the Unix epoch throughout: the API
 * shows RFC 3339 instants and Unix seconds, never a monotonic clock. */
int64_t now_ms(void);
#define RFC3339_LEN 32
void format_rfc3339(int64_t ms, char out[RFC3339_LEN]);
bool parse_rfc3339(const char *s, int64_t *ms);
#define HTTP_DATE_LEN 40
void format_http_date(int64_t unix_s, char out[HTTP_DATE_LEN]);

/* Sleeps that end early when the daemon stops, so that a stalled request
 * never holds up the shutdown. */
struct sleeper {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};
void sleeper_init(struct sleeper *s);
void sleeper_destroy(struct sleeper *s);
void sleeper_stop(struct sleeper *s);
/* Returns false when woken by a stop instead of reaching the deadline. */
bool sleeper_until(struct sleeper *s, int64_t deadline_ms);
bool sleeper_for(struct sleeper *s, double seconds);

void random_bytes(void *buf, size_t n);
#define UUID_LEN 37
void new_uuid(char out[UUID_LEN]);

/* Decodes %XX escapes (and '+' as space when asked); returns a new string. */
char *percent_decode(const char *s, size_t n, bool plus_is_space);

/* A raw query string split into decoded pairs, keeping repeats in order
 * (status=completed&status=failed). */
struct query_param {
    char *name;
    char *value;
};
struct query {
    struct query_param *v;
    size_t n;
};
void query_parse(struct query *q, const char *raw);
void query_free(struct query *q);
const char *query_get(const struct query *q, const char *name);

/* Whether the match at `index` (from 0) of a list is on the page that
 * starts at match `offset` and holds at most `limit`. */
bool on_page(long index, long offset, long limit);

/* Whole-string integer in [min, max]; anything else (sign junk, spaces,
 * overflow, empty) is refused. */
bool parse_long(const char *s, long min, long max, long *out);

#endif

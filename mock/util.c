#define _GNU_SOURCE
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void out_of_memory(void)
{
    fputs("signals-mock: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory();
    return s;
}

bool str_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

bool str_istarts(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool str_icontains(const char *haystack, const char *needle)
{
    return strcasestr(haystack, needle) != NULL;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void format_rfc3339(int64_t ms, char out[RFC3339_LEN])
{
    time_t t = (time_t)floor_div(ms, 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void format_http_date(int64_t unix_s, char out[HTTP_DATE_LEN])
{
    /* IMF-fixdate names are fixed English, whatever the locale. */
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, HTTP_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

static bool digits(const char **p, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += count;
    *out = v;
    return true;
}

/* Accepts "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". */
bool parse_rfc3339(const char *s, int64_t *ms)
{
    const char *p = s;
    int year, mon, day, hour = 0, min = 0, sec = 0, frac_ms = 0, offset_min = 0;
    if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
        !digits(&p, 2, &day))
        return false;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return false;
        p++;
        if (!digits(&p, 2, &hour) || *p++ != ':' || !digits(&p, 2, &min) || *p++ != ':' ||
            !digits(&p, 2, &sec))
            return false;
        if (*p == '.') {
            p++;
            int scale = 100, n = 0;
            while (isdigit((unsigned char)*p)) {
                frac_ms += (*p - '0') * scale;
                scale /= 10;
                p++;
                n++;
            }
            if (n == 0)
                return false;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
                return false;
            offset_min = sign * (oh * 60 + om);
        } else {
            return false;
        }
        if (*p)
            return false;
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return false;
    struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
                     .tm_hour = hour, .tm_min = min, .tm_sec = sec };
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + frac_ms;
    return true;
}

void sleeper_init(struct sleeper *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    s->stopping = false;
}

void sleeper_destroy(struct sleeper *s)
{
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
}

void sleeper_stop(struct sleeper *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

bool sleeper_until(struct sleeper *s, int64_t deadline_ms)
{
    struct timespec ts = { .tv_sec = deadline_ms / 1000,
                           .tv_nsec = (long)(deadline_ms % 1000) * 1000000L };
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && now_ms() < deadline_ms) {
        if (pthread_cond_timedwait(&s->wake, &s->lock, &ts) == ETIMEDOUT)
            break;
    }
    bool reached = !s->stopping;
    pthread_mutex_unlock(&s->lock);
    return reached;
}

bool sleeper_for(struct sleeper *s, double seconds)
{
    if (seconds <= 0)
        return true;
    /* Never shorter than asked: the pause rounded up to whole milliseconds,
     * plus the one now_ms() may have dropped. */
    int64_t pause_ms = (int64_t)(seconds * 1000.0);
    if ((double)pause_ms < seconds * 1000.0)
        pause_ms++;
    return sleeper_until(s, now_ms() + pause_ms + 1);
}

void random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            perror("signals-mock: getrandom");
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

void new_uuid(char out[UUID_LEN])
{
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);  /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
    snprintf(out, UUID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *percent_decode(const char *s, size_t n, bool plus_is_space)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

void query_parse(struct query *q, const char *raw)
{
    q->v = NULL;
    q->n = 0;
    size_t cap = 0;
    const char *p = raw ? raw : "";
    while (*p) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t name_len = eq ? (size_t)(eq - p) : len;
            if (q->n == cap) {
                cap = cap ? cap * 2 : 8;
                q->v = xrealloc(q->v, cap * sizeof *q->v);
            }
            q->v[q->n].name = percent_decode(p, name_len, true);
            q->v[q->n].value = eq ? percent_decode(eq + 1, len - name_len - 1, true)
                                  : xstrdup("");
            q->n++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
}

void query_free(struct query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].name);
        free(q->v[i].value);
    }
    free(q->v);
    q->v = NULL;
    q->n = 0;
}

const char *query_get(const struct query *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->v[i].name, name) == 0)
            return q->v[i].value;
    return NULL;
}

bool on_page(long index, long offset, long limit)
{
    return index >= offset && index - offset < limit;
}

bool parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

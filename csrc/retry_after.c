/*
 * core.retry_after: how long the server asked the client to wait, from the
 * three places it may say so, in CONTRACT §9's order: the body's retryAfter,
 * the Retry-After header (seconds or an HTTP date), X-Ratelimit-Reset (Unix
 * time). The input is whatever a server sent: what cannot be read is
 * skipped, never raised. Dates are read by hand because strptime and mktime
 * depend on the locale and the time zone.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "retry_after.h"

/* Below 2^53 every integer is exact in a double. */
#define EXACT_INT 9007199254740992.0

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Header values may carry optional whitespace around them. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space(**s))
        (*s)++, (*n)--;
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Digits, with a fraction when allowed. A value beyond the range of a
 * double is refused rather than read as infinity. */
static int parse_decimal(const char *s, size_t n, int fraction, double *out)
{
    double v = 0, scale = 1;
    size_t i = 0, digits;

    trim(&s, &n);
    while (i < n && is_digit(s[i]))
        v = v * 10 + (s[i++] - '0');
    digits = i;
    if (fraction && digits > 0 && i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
        if (i == digits + 1)
            return 0; /* "12." */
    }
    if (digits == 0 || i != n || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int sig_parse_seconds(const char *s, size_t n, double *out)
{
    return parse_decimal(s, n, 1, out);
}

/* A cursor over the date text. Every step either matches and advances, or
 * fails; a failed parse is abandoned as a whole. */
struct scan {
    const char *p;
    const char *end;
};

static const char *const MONTHS[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const WEEKDAYS[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const WEEKDAYS_LONG[7] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int literal(struct scan *s, const char *text)
{
    size_t n = strlen(text);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, text, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

/* The index of the name that the run of letters at the cursor spells
 * (case-insensitively: senders are not always careful), or -1. */
static int word(struct scan *s, const char *const *names, int count)
{
    const char *start = s->p;
    size_t len;
    int i;

    while (s->p < s->end && lower(*s->p) >= 'a' && lower(*s->p) <= 'z')
        s->p++;
    len = (size_t)(s->p - start);
    for (i = 0; i < count; i++) {
        size_t j;

        if (strlen(names[i]) != len)
            continue;
        for (j = 0; j < len && lower(start[j]) == lower(names[i][j]); j++)
            ;
        if (j == len)
            return i;
    }
    return -1;
}

static int number(struct scan *s, int width, int *v)
{
    int i;

    if (s->end - s->p < width)
        return 0;
    *v = 0;
    for (i = 0; i < width; i++) {
        if (!is_digit(s->p[i]))
            return 0;
        *v = *v * 10 + (s->p[i] - '0');
    }
    s->p += width;
    return 1;
}

static int clock_time(struct scan *s, int *hh, int *mm, int *ss)
{
    return number(s, 2, hh) && literal(s, ":") && number(s, 2, mm) && literal(s, ":")
        && number(s, 2, ss);
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return days[month] + (month == 1 && leap);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12);
 * H. Hinnant's days_from_civil. */
static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in
 * the future is the most recent past year with those digits. */
static int full_year(int yy, double now)
{
    double years = floor(now / 31556952.0); /* mean Gregorian year */
    int current = 1970 + (int)(years < 0 ? 0 : years > 8000 ? 8000 : years);
    int year = current - current % 100 + yy;

    return year > current + 50 ? year - 100 : year;
}

/* IMF-fixdate, RFC 850 or asctime, as Unix time. */
static int parse_http_date(const char *text, size_t n, double now, double *out)
{
    struct scan s = { text, text + n };
    int day = 0, month, year, hh, mm, ss;

    if (word(&s, WEEKDAYS, 7) >= 0) {
        if (literal(&s, ", ")) { /* Sun, 06 Nov 1994 08:49:37 GMT */
            if (!(number(&s, 2, &day) && literal(&s, " ") && (month = word(&s, MONTHS, 12)) >= 0
                  && literal(&s, " ") && number(&s, 4, &year) && literal(&s, " ")
                  && clock_time(&s, &hh, &mm, &ss) && literal(&s, " GMT")))
                return 0;
        } else { /* Sun Nov  6 08:49:37 1994 */
            if (!(literal(&s, " ") && (month = word(&s, MONTHS, 12)) >= 0 && literal(&s, " ")
                  && (literal(&s, " ") ? number(&s, 1, &day) : number(&s, 2, &day))
                  && literal(&s, " ") && clock_time(&s, &hh, &mm, &ss) && literal(&s, " ")
                  && number(&s, 4, &year)))
                return 0;
        }
    } else { /* Sunday, 06-Nov-94 08:49:37 GMT */
        s.p = text;
        if (!(word(&s, WEEKDAYS_LONG, 7) >= 0 && literal(&s, ", ") && number(&s, 2, &day)
              && literal(&s, "-") && (month = word(&s, MONTHS, 12)) >= 0 && literal(&s, "-")
              && number(&s, 2, &year) && literal(&s, " ") && clock_time(&s, &hh, &mm, &ss)
              && literal(&s, " GMT")))
            return 0;
        year = full_year(year, now);
    }
    if (s.p != s.end || day < 1 || day > days_in_month(year, month) || hh > 23 || mm > 59
        || ss > 60)
        return 0;
    *out = (double)days_from_civil(year, month + 1, day) * 86400.0 + hh * 3600 + mm * 60 + ss;
    return 1;
}

/* Argument idx as text, or NULL (absent, or not a string). */
static const char *text_arg(lua_State *L, int idx, size_t *n)
{
    return lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, n) : NULL;
}

/* Argument idx as a finite non-negative number, from a number or text. */
static int seconds_arg(lua_State *L, int idx, int fraction, double *out)
{
    size_t n;
    const char *s;

    if (lua_type(L, idx) == LUA_TNUMBER) {
        *out = (double)lua_tonumber(L, idx);
        return isfinite(*out) && *out >= 0;
    }
    s = text_arg(L, idx, &n);
    return s != NULL && parse_decimal(s, n, fraction, out);
}

static void push_seconds(lua_State *L, double v)
{
    if (v <= EXACT_INT && v == floor(v))
        lua_pushinteger_ll(L, (long long)v);
    else
        lua_pushnumber(L, (lua_Number)v);
}

static int l_retry_after(lua_State *L)
{
    double now = (double)luaL_optnumber(L, 4, (lua_Number)time(NULL));
    double v;
    size_t n;
    const char *s;

    if (!isfinite(now))
        return luaL_argerror(L, 4, "now must be a finite number");
    if (seconds_arg(L, 1, 1, &v)) {
        push_seconds(L, v);
        return 1;
    }
    if (seconds_arg(L, 2, 0, &v)) {
        push_seconds(L, v);
        return 1;
    }
    s = text_arg(L, 2, &n);
    if (s != NULL) {
        trim(&s, &n);
        if (parse_http_date(s, n, now, &v)) {
            push_seconds(L, v > now ? v - now : 0);
            return 1;
        }
    }
    if (seconds_arg(L, 3, 1, &v)) {
        push_seconds(L, v > now ? v - now : 0);
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

void sig_retry_after_register(lua_State *L)
{
    lua_pushcfunction(L, l_retry_after);
    lua_setfield(L, -2, "retry_after");
}

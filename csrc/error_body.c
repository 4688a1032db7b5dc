/*
 * core.classify_error: the error fields found in a non-2xx response body,
 * whatever shape the API, its rate limiter or a gateway in front of it gave
 * it (CONTRACT §5, API-NOTES §12). Bodies come from the network, so every input
 * gives a table whose message is one non-empty line, and nothing raises but
 * a memory error. The JSON helpers (doc.h, json_lua.h) are decode.c's; it
 * registers their metatables before this file's function can run.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "doc.h"
#include "json_lua.h"
#include "retry_after.h"
#include "utf8.h"

#define EXCERPT_MAX 120          /* bytes of a non-JSON body quoted in the message */
#define EXCERPT_SCAN (64 * 1024) /* bytes of it looked at for them */
#define TEXT_MAX 2000            /* bytes kept of one text field of a JSON body */

static const struct {
    int status;
    const char *reason;
} REASONS[] = {
    { 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
    { 303, "See Other" }, { 304, "Not Modified" }, { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
    { 402, "Payment Required" }, { 403, "Forbidden" }, { 404, "Not Found" },
    { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
    { 407, "Proxy Authentication Required" }, { 408, "Request Timeout" }, { 409, "Conflict" },
    { 410, "Gone" }, { 411, "Length Required" }, { 412, "Precondition Failed" },
    { 413, "Content Too Large" }, { 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
    { 421, "Misdirected Request" }, { 422, "Unprocessable Content" }, { 423, "Locked" },
    { 424, "Failed Dependency" }, { 425, "Too Early" }, { 426, "Upgrade Required" },
    { 428, "Precondition Required" }, { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" }, { 451, "Unavailable For Legal Reasons" },
    { 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
    { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" }, { 507, "Insufficient Storage" },
    { 508, "Loop Detected" }, { 511, "Network Authentication Required" },
};

/*
 * One line of text being built: runs of whitespace collapse to a single
 * space between words, other control bytes and invalid UTF-8 are dropped,
 * and the text stops before the first character that would not fit (then
 * `cut` is set).
 */
struct line {
    char *buf;
    size_t cap;
    size_t len;
    int space; /* whitespace seen since the last character kept */
    int cut;
};

static void line_add(struct line *l, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    while (p < end && !l->cut) {
        size_t k, sep;

        if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
            l->space = 1;
            p++;
            continue;
        }
        k = *p < 0x20 || *p == 0x7f ? 0 : sig_utf8_len(p, (size_t)(end - p));
        if (k == 0) {
            p++;
            continue;
        }
        sep = l->space && l->len > 0;
        if (l->len + sep + k > l->cap) {
            l->cut = 1;
            break;
        }
        if (sep)
            l->buf[l->len++] = ' ';
        l->space = 0;
        memcpy(l->buf + l->len, p, k);
        l->len += k;
        p += k;
    }
}

/* Ends the text; the buffer must have 4 bytes beyond cap. */
static void line_end(struct line *l)
{
    if (l->cut) {
        memcpy(l->buf + l->len, "...", 3);
        l->len += 3;
    }
    l->buf[l->len] = '\0';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Where `what` (lower-case) first occurs in [p, end), case-insensitively. */
static const char *find_ci(const char *p, const char *end, const char *what)
{
    size_t n = strlen(what);

    for (; (size_t)(end - p) >= n; p++) {
        size_t i = 0;
        while (i < n && lower((unsigned char)p[i]) == what[i])
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

static int starts_ci(const char *p, const char *end, const char *what)
{
    size_t n = strlen(what);
    return (size_t)(end - p) >= n && find_ci(p, p + n, what) == p;
}

/* The visible text of an HTML page: tags, comments, scripts and styles go,
 * the common entities are decoded. */
static void line_add_html(struct line *l, const char *s, size_t n)
{
    static const struct {
        const char *name;
        const char *text;
    } entities[] = {
        { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
        { "&#39;", "'" }, { "&apos;", "'" }, { "&nbsp;", " " },
    };
    const char *p = s, *end = s + n;

    while (p < end && !l->cut) {
        if (*p == '<') {
            const char *close = NULL, *tail = ">";

            if (starts_ci(p, end, "<script"))
                tail = "</script>";
            else if (starts_ci(p, end, "<style"))
                tail = "</style>";
            else if (starts_ci(p, end, "<!--"))
                tail = "-->";
            close = find_ci(p + 1, end, tail);
            if (close == NULL)
                return; /* an unterminated tag: no text follows */
            p = close + strlen(tail);
            l->space = 1;
        } else if (*p == '&') {
            size_t i, count = sizeof entities / sizeof entities[0];

            for (i = 0; i < count; i++) {
                size_t len = strlen(entities[i].name);
                if ((size_t)(end - p) >= len && memcmp(p, entities[i].name, len) == 0) {
                    line_add(l, entities[i].text, strlen(entities[i].text));
                    p += len;
                    break;
                }
            }
            if (i == count)
                line_add(l, p++, 1);
        } else {
            const char *q = p;
            while (q < end && *q != '<' && *q != '&')
                q++;
            line_add(l, p, (size_t)(q - p));
            p = q;
        }
    }
}

/* Sets res[name] to the cleaned text of s, unless nothing is left of it. */
static void set_text(lua_State *L, int res, const char *name, const char *s)
{
    char buf[TEXT_MAX + 4];
    struct line l = { buf, TEXT_MAX, 0, 0, 0 };

    if (s == NULL)
        return;
    line_add(&l, s, strlen(s));
    line_end(&l);
    if (l.len > 0) {
        lua_pushstring(L, buf);
        lua_setfield(L, res, name);
    }
}

/* A string, or a number as text (some bodies carry numeric codes). */
static const char *text_of(const cJSON *item, char *tmp, size_t cap)
{
    if (cJSON_IsString(item))
        return item->valuestring;
    if (cJSON_IsNumber(item)) {
        snprintf(tmp, cap, "%.15g", item->valuedouble);
        return tmp;
    }
    return NULL;
}

/* A message is a string, or (NestJS validation) an array of strings. */
static void set_message(lua_State *L, int res, const cJSON *message)
{
    char buf[TEXT_MAX + 4];
    struct line l = { buf, TEXT_MAX, 0, 0, 0 };
    const cJSON *part;

    if (cJSON_IsString(message)) {
        set_text(L, res, "message", message->valuestring);
        return;
    }
    if (!cJSON_IsArray(message))
        return;
    cJSON_ArrayForEach(part, message) {
        if (!cJSON_IsString(part))
            continue;
        if (l.len > 0)
            line_add(&l, "; ", 2);
        line_add(&l, part->valuestring, strlen(part->valuestring));
    }
    line_end(&l);
    if (l.len > 0) {
        lua_pushstring(L, buf);
        lua_setfield(L, res, "message");
    }
}

/* retryAfter in seconds, a number or numeric text; anything else is ignored,
 * 1e999 too: it parses as infinity, which is no wait at all. */
static void set_retry_after(lua_State *L, int res, const cJSON *value)
{
    double seconds;

    if (cJSON_IsNumber(value) && isfinite(value->valuedouble) && value->valuedouble >= 0)
        seconds = value->valuedouble;
    else if (!cJSON_IsString(value)
             || !sig_parse_seconds(value->valuestring, strlen(value->valuestring), &seconds))
        return;
    sig_json_push_number(L, seconds);
    lua_setfield(L, res, "retry_after");
}

static int is_unset(lua_State *L, int res, const char *name)
{
    int unset;

    lua_getfield(L, res, name);
    unset = lua_isnil(L, -1);
    lua_pop(L, 1);
    return unset;
}

/* The API's `fields`: [{ "field": ..., "message": ... }]. */
static void set_fields(lua_State *L, int res, const cJSON *fields)
{
    const cJSON *item;
    int n = 0;

    if (!cJSON_IsArray(fields))
        return;
    lua_newtable(L);
    cJSON_ArrayForEach(item, fields) {
        if (!cJSON_IsObject(item))
            continue;
        lua_newtable(L);
        set_text(L, lua_gettop(L), "field", sig_json_string(item, "field"));
        set_text(L, lua_gettop(L), "message", sig_json_string(item, "message"));
        lua_rawseti(L, -2, ++n);
    }
    lua_setfield(L, res, "fields");
}

/* The API's envelope {"error": {...}} (obj is the inner object), and the
 * flat {"code", "message"} that uses the same names. */
static void api_error(lua_State *L, int res, const cJSON *obj)
{
    char tmp[32];
    const char *code = text_of(sig_json_field(obj, "code"), tmp, sizeof tmp);
    const char *error_code = sig_json_string(obj, "errorCode");
    const cJSON *details = sig_json_field(obj, "details");

    set_text(L, res, "type", sig_json_string(obj, "type"));
    set_text(L, res, "code", code != NULL ? code : error_code);
    set_text(L, res, "error_code", error_code);
    set_message(L, res, sig_json_field(obj, "message"));
    set_text(L, res, "action", sig_json_string(obj, "errorAction"));
    set_text(L, res, "request_id", sig_json_string(obj, "requestId"));
    set_fields(L, res, sig_json_field(obj, "fields"));
    set_retry_after(L, res, sig_json_field(obj, "retryAfter"));
    if (details != NULL) {
        sig_json_push(L, details);
        lua_setfield(L, res, "details");
    }
}

/* NestJS and the API's rate limiter: {"statusCode", "message", "error":
 * "<reason>", "retryAfter"}; other members (alreadyAttached) become details. */
static void nest_error(lua_State *L, int res, const cJSON *root)
{
    static const char *const known[] = { "statusCode", "message", "error", "retryAfter", "requestId" };
    const cJSON *child;
    int extra = 0;

    set_text(L, res, "type", sig_json_string(root, "error"));
    set_message(L, res, sig_json_field(root, "message"));
    set_retry_after(L, res, sig_json_field(root, "retryAfter"));
    lua_newtable(L);
    cJSON_ArrayForEach(child, root) {
        size_t i, count = sizeof known / sizeof known[0];

        for (i = 0; i < count && strcmp(child->string, known[i]) != 0; i++)
            ;
        if (i < count)
            continue;
        lua_pushstring(L, child->string);
        sig_json_push(L, child);
        lua_rawset(L, -3);
        extra = 1;
    }
    if (extra)
        lua_setfield(L, res, "details");
    else
        lua_pop(L, 1);
}

/* FastAPI's loc, ["body", "contacts", 0, "email"]: without its leading
 * body/query/path, joined with "." (CONTRACT §9). */
static void add_loc(struct line *l, const cJSON *loc)
{
    const cJSON *part;
    int parts = 0;

    cJSON_ArrayForEach(part, loc) {
        char tmp[32];
        const char *text = text_of(part, tmp, sizeof tmp);

        if (text == NULL)
            continue;
        if (part == loc->child && part->next != NULL
            && (!strcmp(text, "body") || !strcmp(text, "query") || !strcmp(text, "path")))
            continue;
        if (parts++ > 0)
            line_add(l, ".", 1);
        line_add(l, text, strlen(text));
    }
}

/* FastAPI: {"detail": "..."} or {"detail": [{"loc", "msg", "type"}]}. The
 * message names the first problem and how many more there are. */
static void fastapi_error(lua_State *L, int res, const cJSON *detail)
{
    const cJSON *item, *first = NULL;
    char field[TEXT_MAX + 4], message[TEXT_MAX + 4];
    int n = 0;

    if (cJSON_IsString(detail)) {
        set_text(L, res, "message", detail->valuestring);
        return;
    }
    lua_newtable(L);
    cJSON_ArrayForEach(item, detail) {
        struct line l = { field, TEXT_MAX, 0, 0, 0 };

        if (!cJSON_IsObject(item))
            continue;
        add_loc(&l, sig_json_field(item, "loc"));
        line_end(&l);
        lua_newtable(L);
        if (l.len > 0) {
            lua_pushstring(L, field);
            lua_setfield(L, -2, "field");
        }
        set_text(L, lua_gettop(L), "message", sig_json_string(item, "msg"));
        lua_rawseti(L, -2, ++n);
        if (first == NULL) {
            struct line m = { message, TEXT_MAX, 0, 0, 0 };
            const char *msg = sig_json_string(item, "msg");

            first = item;
            line_add(&m, field, l.len);
            if (l.len > 0 && msg != NULL)
                line_add(&m, ": ", 2);
            if (msg != NULL)
                line_add(&m, msg, strlen(msg));
            line_end(&m);
        }
    }
    lua_setfield(L, res, "fields");
    if (first == NULL)
        return;
    set_text(L, res, "type", sig_json_string(first, "type"));
    if (n > 1) {
        size_t len = strlen(message);
        snprintf(message + len, sizeof message - len, " (and %d more)", n - 1);
    }
    set_text(L, res, "message", message);
}

/* Fills res from a JSON object body; 0 if it has none of the known shapes. */
static int json_error(lua_State *L, int res, const cJSON *root)
{
    const cJSON *error = sig_json_field(root, "error");
    const cJSON *detail = sig_json_field(root, "detail");

    if (cJSON_IsObject(error))
        api_error(L, res, error);
    else if (cJSON_IsString(error) || cJSON_IsNumber(sig_json_field(root, "statusCode")))
        nest_error(L, res, root);
    else if (cJSON_IsString(detail) || cJSON_IsArray(detail))
        fastapi_error(L, res, detail);
    else if (sig_json_field(root, "message") != NULL || sig_json_field(root, "code") != NULL)
        api_error(L, res, root);
    else
        return 0;
    /* Some gateways put these beside the envelope rather than in it. */
    if (is_unset(L, res, "request_id"))
        set_text(L, res, "request_id", sig_json_string(root, "requestId"));
    if (is_unset(L, res, "retry_after"))
        set_retry_after(L, res, sig_json_field(root, "retryAfter"));
    return 1;
}

static int is_html(const char *content_type, const char *body, size_t len)
{
    size_t i = 0;

    if (find_ci(content_type, content_type + strlen(content_type), "html") != NULL)
        return 1;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    return i < len && body[i] == '<';
}

/* "HTTP 502 Bad Gateway", then ": " and an excerpt of the body if asked
 * and there is any text in it. */
static void set_status_message(lua_State *L, int res, lua_Integer status, const char *body,
                               size_t len, const char *content_type)
{
    char excerpt[EXCERPT_MAX + 4], message[EXCERPT_MAX + 128];
    struct line l = { excerpt, EXCERPT_MAX - 3, 0, 0, 0 };
    size_t scan = len < EXCERPT_SCAN ? len : EXCERPT_SCAN;
    const char *reason = NULL;
    size_t i;
    int n;

    for (i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (REASONS[i].status == status)
            reason = REASONS[i].reason;
    if (body != NULL && is_html(content_type, body, scan))
        line_add_html(&l, body, scan);
    else if (body != NULL)
        line_add(&l, body, scan);
    l.cut = l.cut || (l.len > 0 && scan < len);
    line_end(&l);
    n = snprintf(message, sizeof message, "HTTP %lld", (long long)status);
    if (reason != NULL)
        n += snprintf(message + n, sizeof message - (size_t)n, " %s", reason);
    if (l.len > 0)
        snprintf(message + n, sizeof message - (size_t)n, ": %s", excerpt);
    lua_pushstring(L, message);
    lua_setfield(L, res, "message");
}

static int l_classify_error(lua_State *L)
{
    lua_Integer status = luaL_checkinteger(L, 1);
    size_t len = 0;
    const char *body = luaL_optlstring(L, 2, NULL, &len);
    const char *content_type = luaL_optstring(L, 3, "");
    int res, recognised = 0;
    sig_doc *doc;

    lua_settop(L, 3);
    lua_newtable(L);
    res = lua_gettop(L);
    if (body != NULL && len > 0) {
        doc = sig_doc_parse(L, body, len);
        if (doc != NULL) {
            if (cJSON_IsObject(doc->root))
                recognised = json_error(L, res, doc->root);
            sig_doc_unhold(L, res + 1);
        }
        lua_settop(L, res);
    }
    if (!recognised)
        set_status_message(L, res, status, body, len, content_type);
    else if (is_unset(L, res, "message"))
        set_status_message(L, res, status, NULL, 0, content_type);
    return 1;
}

void sig_error_body_register(lua_State *L)
{
    lua_pushcfunction(L, l_classify_error);
    lua_setfield(L, -2, "classify_error");
}

/*
 * core.http: one libcurl easy handle per client, reused so that requests
 * share a kept-alive connection. The Lua layer decides redirects, retries
 * and error classification; this file only moves bytes and says precisely
 * what went wrong (kind, code, whether a connection had been made).
 *
 * The exchange itself (options, callbacks, results) is the transfer of
 * http.h, which core.multi shares.
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "http.h"

#define DEFAULT_MAX_RESPONSE ((size_t)32 * 1024 * 1024)
/* A response buffer larger than this is released after the request rather
 * than kept for the next one. */
#define KEEP_BUFFER_BYTES ((size_t)256 * 1024)

struct http {
    struct sig_http_config config;
    struct sig_transfer transfer; /* transfer.curl is NULL once closed */
};

/* The request as read from Lua, before anything is sent. */
struct request {
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    double timeout;
    double connect_timeout;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void trim_buffer(struct sig_buf *b)
{
    if (b->cap > KEEP_BUFFER_BYTES)
        sig_buf_free(b);
    b->len = 0;
}

/* Before a request: the buffers are emptied (the body's loan ends). */
static void reset_request_state(struct sig_transfer *t)
{
    t->serial++;
    t->aborted = SIG_ABORT_NONE;
    t->connected = 0;
    t->errbuf[0] = '\0';
    t->line.len = 0;
    trim_buffer(&t->body);
    trim_buffer(&t->headers);
    t->header_count = 0;
}

/* ---- libcurl callbacks ------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t count, void *ud)
{
    struct sig_transfer *t = ud;
    size_t n = size * count;

    if (n > t->config->max_body - t->body.len) {
        t->aborted = SIG_ABORT_TOO_LARGE;
        return 0;
    }
    if (!sig_buf_add(&t->body, data, n)) {
        t->aborted = SIG_ABORT_NO_MEMORY;
        return 0;
    }
    return n;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Collects "name\0value\0" pairs; a status line starts a new response (after
 * a 100 Continue or a proxy's CONNECT reply only the final one's remain). */
static size_t on_header(char *data, size_t size, size_t count, void *ud)
{
    struct sig_transfer *t = ud;
    size_t n = size * count, len = n, i, name_len;
    const char *colon, *value;

    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        t->headers.len = 0;
        t->header_count = 0;
        return n;
    }
    colon = memchr(data, ':', len);
    /* Blank lines, obsolete line folding and lines with NUL are dropped:
     * none can be represented faithfully as one name = value. */
    if (colon == NULL || colon == data || is_ows(data[0]) || memchr(data, '\0', len) != NULL)
        return n;
    name_len = (size_t)(colon - data);
    while (name_len > 0 && is_ows(data[name_len - 1]))
        name_len--;
    value = colon + 1;
    len -= (size_t)(value - data);
    while (len > 0 && is_ows(*value))
        value++, len--;
    while (len > 0 && is_ows(value[len - 1]))
        len--;
    if (!sig_buf_reserve(&t->headers, name_len + len + 2)) {
        t->aborted = SIG_ABORT_NO_MEMORY;
        return 0;
    }
    for (i = 0; i < name_len; i++) {
        char c = data[i];
        t->headers.data[t->headers.len++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    t->headers.data[t->headers.len++] = '\0';
    memcpy(t->headers.data + t->headers.len, value, len);
    t->headers.len += len;
    t->headers.data[t->headers.len++] = '\0';
    t->header_count++;
    return n;
}

/* Called once the connection is up (new or reused), right before the
 * request goes out: from here on the server may act on it. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    ((struct sig_transfer *)ud)->connected = 1;
    return CURL_PREREQFUNC_OK;
}

/* ---- options ------------------------------------------------------------ */

#define TRY(call)                    \
    do {                             \
        CURLcode rc_ = (call);       \
        if (rc_ != CURLE_OK)         \
            return rc_;              \
    } while (0)

/* What every request gets, set once per easy handle. */
static CURLcode set_handle_options(struct sig_transfer *t)
{
    CURL *c = t->curl;

    TRY(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
    TRY(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L));
#if LIBCURL_VERSION_NUM >= 0x075500
    TRY(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
    TRY(curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
    TRY(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
    TRY(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
    TRY(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf));
    TRY(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body));
    TRY(curl_easy_setopt(c, CURLOPT_WRITEDATA, t));
    TRY(curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header));
    TRY(curl_easy_setopt(c, CURLOPT_HEADERDATA, t));
    TRY(curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq));
    TRY(curl_easy_setopt(c, CURLOPT_PREREQDATA, t));
    /* Refuses a too large announced body before it is read. */
    TRY(curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->config->max_body));
    if (t->config->user_agent != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_USERAGENT, t->config->user_agent));
    if (t->config->ca_file != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_CAINFO, t->config->ca_file));
    if (t->config->ca_path != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_CAPATH, t->config->ca_path));
    if (t->config->proxy != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_PROXY, t->config->proxy));
    /* No 100-continue round trip, and no form Content-Type that libcurl
     * would add to any request with a body: a caller's own headers still go
     * out, an entry without a value only suppresses libcurl's default. The
     * request's own headers follow these two (build_headers). */
    t->request_headers = curl_slist_append(NULL, "Expect:");
    if (t->request_headers == NULL || curl_slist_append(t->request_headers, "Content-Type:") == NULL)
        return CURLE_OUT_OF_MEMORY;
    TRY(curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->request_headers));
    return CURLE_OK;
}

/* Seconds as milliseconds for libcurl, rounded up so that a tiny timeout
 * does not become 0 (no timeout at all). */
static long milliseconds(double seconds)
{
    double ms = ceil(seconds * 1000.0);
    return ms >= 2147483647.0 ? 2147483647L : (long)ms;
}

/* The request's own options, set where they differ from what the last
 * request left (0 ms is libcurl's default for both timeouts: none for the
 * total, its built-in one for the connect phase). */
static CURLcode set_request_options(struct sig_transfer *t, const struct request *r)
{
    CURL *c = t->curl;
    int is_get = strcmp(r->method, "GET") == 0;
    const char *custom = strcmp(r->method, "POST") != 0 && !(is_get && r->body == NULL) ? r->method : "";
    long timeout_ms = r->timeout > 0 ? milliseconds(r->timeout) : 0;
    long connect_timeout_ms = r->connect_timeout > 0 ? milliseconds(r->connect_timeout) : 0;

    TRY(curl_easy_setopt(c, CURLOPT_URL, r->url));
    if (r->body != NULL || !is_get) {
        /* POST, PUT, PATCH and DELETE carry the body (or an empty one, so
         * that Content-Length: 0 is sent). */
        TRY(curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len));
        TRY(curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, r->body != NULL ? r->body : ""));
        t->sent_body = 1;
    } else if (t->sent_body) {
        TRY(curl_easy_setopt(c, CURLOPT_HTTPGET, 1L));
        t->sent_body = 0;
    }
    if (strcmp(custom, t->custom_method) != 0) {
        TRY(curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, *custom != '\0' ? custom : NULL));
        /* One of read_request's methods: it fits. */
        strcpy(t->custom_method, custom);
    }
    if (timeout_ms != t->timeout_ms) {
        TRY(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms));
        t->timeout_ms = timeout_ms;
    }
    if (connect_timeout_ms != t->connect_timeout_ms) {
        TRY(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms));
        t->connect_timeout_ms = connect_timeout_ms;
    }
    return CURLE_OK;
}

/* ---- results -------------------------------------------------------------- */

/* Pushes nil and the error table; returns 2 for the lua_CFunction. */
static int push_error(lua_State *L, const char *kind, const char *code, const char *message,
                      int connected)
{
    lua_pushnil(L);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
    if (code != NULL) {
        lua_pushstring(L, code);
        lua_setfield(L, -2, "code");
    }
    lua_pushboolean(L, connected);
    lua_setfield(L, -2, "connected");
    return 2;
}

static const char *curl_code_name(CURLcode rc)
{
    switch (rc) {
#define NAME(c) \
    case CURLE_##c: return #c
        NAME(UNSUPPORTED_PROTOCOL);
        NAME(URL_MALFORMAT);
        NAME(COULDNT_RESOLVE_PROXY);
        NAME(COULDNT_RESOLVE_HOST);
        NAME(COULDNT_CONNECT);
        NAME(WEIRD_SERVER_REPLY);
        NAME(HTTP2);
        NAME(PARTIAL_FILE);
        NAME(WRITE_ERROR);
        NAME(OUT_OF_MEMORY);
        NAME(OPERATION_TIMEDOUT);
        NAME(SSL_CONNECT_ERROR);
        NAME(BAD_FUNCTION_ARGUMENT);
        NAME(ABORTED_BY_CALLBACK);
        NAME(INTERFACE_FAILED);
        NAME(GOT_NOTHING);
        NAME(SSL_ENGINE_NOTFOUND);
        NAME(SEND_ERROR);
        NAME(RECV_ERROR);
        NAME(SSL_CERTPROBLEM);
        NAME(SSL_CIPHER);
        NAME(PEER_FAILED_VERIFICATION);
        NAME(BAD_CONTENT_ENCODING);
        NAME(FILESIZE_EXCEEDED);
        NAME(SSL_CACERT_BADFILE);
        NAME(SSL_CRL_BADFILE);
        NAME(SSL_SHUTDOWN_FAILED);
        NAME(SSL_ISSUER_ERROR);
        NAME(SSL_PINNEDPUBKEYNOTMATCH);
        NAME(SSL_INVALIDCERTSTATUS);
        NAME(HTTP2_STREAM);
        NAME(HTTP3);
        NAME(QUIC_CONNECT_ERROR);
        NAME(PROXY);
        NAME(SSL_CLIENTCERT);
        NAME(UNRECOVERABLE_POLL);
#undef NAME
    default:
        return NULL;
    }
}

static int push_curl_error(lua_State *L, struct sig_transfer *t, CURLcode rc)
{
    char message[CURL_ERROR_SIZE + 96], code[32];
    const char *name = curl_code_name(rc);

    if (rc == CURLE_OPERATION_TIMEDOUT) {
        /* Before the connection was up, the connect timeout fired unless
         * the total one is the shorter; without one of its own the connect
         * phase has libcurl's default of 300 s. */
        double connect_limit = t->connect_timeout > 0 ? t->connect_timeout : 300;
        int connect = !t->connected && (t->timeout <= 0 || connect_limit <= t->timeout);

        snprintf(message, sizeof message, "%s timeout: %s within %g s",
                 connect ? "connect" : "total",
                 connect ? "no connection" : t->connected ? "no complete response" : "no response",
                 connect ? connect_limit : t->timeout);
        return push_error(L, "timeout", "OPERATION_TIMEDOUT", message, t->connected);
    }
    if (t->aborted == SIG_ABORT_TOO_LARGE || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(message, sizeof message, "response body larger than max_response_bytes (%zu bytes)",
                 t->config->max_body);
        return push_error(L, "network", "RESPONSE_TOO_LARGE", message, t->connected);
    }
    if (t->aborted == SIG_ABORT_NO_MEMORY)
        return push_error(L, "network", "OUT_OF_MEMORY", "not enough memory for the response",
                          t->connected);
    if (name == NULL) {
        snprintf(code, sizeof code, "CURLE_%d", (int)rc);
        name = code;
    }
    snprintf(message, sizeof message, "%s",
             t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc));
    /* A URL libcurl cannot use is the caller's mistake: retrying it is
     * pointless, so it is not reported as a network failure. */
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return push_error(L, "invalid_request", name, message, 0);
    return push_error(L, "network", name, message, t->connected);
}

/* The headers table: names are pushed once, each looked up and set raw. */
static void push_headers(lua_State *L, const struct sig_transfer *t)
{
    size_t i = 0;

    lua_createtable(L, 0, t->header_count);
    while (i < t->headers.len) {
        const char *name = t->headers.data + i;
        size_t name_len = strlen(name);
        const char *value = name + name_len + 1;
        size_t value_len = strlen(value);

        i = (size_t)(value - t->headers.data) + value_len + 1;
        lua_pushlstring(L, name, name_len);
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        /* An empty repetition is an empty list element (RFC 9110 §5.6.1):
         * joined, it would leave "3, " where a reader expects "3". */
        if (lua_isnil(L, -1) || lua_rawlen(L, -1) == 0) {
            lua_pop(L, 1);
            lua_pushlstring(L, value, value_len);
        } else if (value_len > 0) {
            lua_pushliteral(L, ", ");
            lua_pushlstring(L, value, value_len);
            lua_concat(L, 3);
        }
        lua_rawset(L, -3);
    }
}

static int push_response(lua_State *L, struct sig_transfer *t, int lender)
{
    long status = 0;

    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    push_headers(L, t);
    lua_setfield(L, -2, "headers");
    if (lender != 0) {
        /* A view needs the NUL a Lua string would have after the bytes. */
        if (!sig_buf_reserve(&t->body, 1))
            luaL_error(L, "not enough memory");
        t->body.data[t->body.len] = '\0';
        sig_body_push(L, &t->body, &t->serial, lender);
        lua_setfield(L, -2, "payload");
    } else {
        lua_pushlstring(L, t->body.data != NULL ? t->body.data : "", t->body.len);
        lua_setfield(L, -2, "body");
    }
    return 1;
}

/* ---- reading the request ---------------------------------------------- */

/* Whether s[0..n) holds one of `bytes` or a NUL (the terminator of
 * `bytes` is searched too). Every request's URL and headers go through
 * it: a set of the bytes is made once rather than `bytes` searched for
 * each byte of s. */
static int has_byte(const char *s, size_t n, const char *bytes)
{
    unsigned char set[256] = { 1 }; /* NUL */
    size_t i;

    for (; *bytes != '\0'; bytes++)
        set[(unsigned char)*bytes] = 1;
    for (i = 0; i < n; i++)
        if (set[(unsigned char)s[i]])
            return 1;
    return 0;
}

/* Formats the header at the top of the stack (name below value) into
 * t->line; NULL, or why the header is refused. Values never appear in the
 * reason: one of them is the API key. */
static const char *header_line(lua_State *L, struct sig_transfer *t)
{
    size_t name_len, value_len;
    const char *name, *value;

    if (lua_type(L, -2) != LUA_TSTRING)
        return "header names must be strings";
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        return "header values must be strings";
    name = lua_tolstring(L, -2, &name_len);
    value = lua_tolstring(L, -1, &value_len);
    /* CR, LF or NUL would let a caller end the header early and add
     * their own; a name must also be a token (no ':', no spaces). */
    if (name_len == 0 || has_byte(name, name_len, "\r\n: \t"))
        return "invalid header name";
    if (has_byte(value, value_len, "\r\n"))
        return "header value contains CR, LF or NUL";
    /* libcurl reads "Name:" as "remove Name" and "Name;" as empty. */
    t->line.len = 0;
    if (!sig_buf_add(&t->line, name, name_len)
        || !sig_buf_add(&t->line, value_len > 0 ? ": " : ";", value_len > 0 ? 2 : 1)
        || !sig_buf_add(&t->line, value, value_len) || !sig_buf_addc(&t->line, '\0'))
        return "not enough memory";
    return NULL;
}

/* Brings the entries of t->request_headers after its two fixed ones in
 * line with req.headers (at idx, may be nil), replacing only those that
 * differ from the last request's. NULL on success, else why the headers
 * were refused. */
static const char *build_headers(lua_State *L, struct sig_transfer *t, int idx)
{
    struct curl_slist *last = t->request_headers->next; /* the last one kept */
    const char *problem;

    if (!lua_isnil(L, idx)) {
        if (!lua_istable(L, idx))
            return "headers must be a table";
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if ((problem = header_line(L, t)) != NULL)
                return problem;
            if (last->next == NULL || strcmp(last->next->data, t->line.data) != 0) {
                curl_slist_free_all(last->next);
                last->next = NULL;
                if (curl_slist_append(last, t->line.data) == NULL)
                    return "not enough memory";
            }
            last = last->next;
            lua_pop(L, 1);
        }
    }
    curl_slist_free_all(last->next);
    last->next = NULL;
    return NULL;
}

/* A non-negative number of seconds, or absent (0: no limit). */
static const char *read_seconds(lua_State *L, int idx, const char *name, double *out)
{
    lua_getfield(L, idx, name);
    *out = 0;
    if (lua_isnil(L, -1))
        return NULL;
    if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) >= 0))
        return "timeouts must be non-negative numbers of seconds";
    *out = (double)lua_tonumber(L, -1);
    return NULL;
}

/* Fills r from the request table at idx, leaving what it reads on the
 * stack until the options are set (libcurl copies them). */
static const char *read_request(lua_State *L, struct sig_transfer *t, int idx, struct request *r)
{
    static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", NULL };
    const char *problem;
    size_t len;
    int i;

    lua_getfield(L, idx, "method");
    r->method = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    for (i = 0; r->method != NULL && methods[i] != NULL && strcmp(methods[i], r->method); i++)
        ;
    if (r->method == NULL || methods[i] == NULL)
        return "method must be GET, POST, PUT, PATCH or DELETE";
    lua_getfield(L, idx, "url");
    r->url = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (r->url == NULL || strlen(r->url) != len || has_byte(r->url, len, "\r\n \t"))
        return "url must be a string without spaces or control characters";
    lua_getfield(L, idx, "body");
    r->body = NULL;
    r->body_len = 0;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return "body must be a string";
        r->body = lua_tolstring(L, -1, &r->body_len);
    }
    if ((problem = read_seconds(L, idx, "timeout", &r->timeout)) != NULL
        || (problem = read_seconds(L, idx, "connect_timeout", &r->connect_timeout)) != NULL)
        return problem;
    lua_getfield(L, idx, "headers");
    return build_headers(L, t, lua_gettop(L));
}

/* ---- the transfer (http.h) -------------------------------------------- */


int sig_http_refuse(lua_State *L, const char *message)
{
    return push_error(L, "invalid_request", NULL, message, 0);
}

CURLcode sig_transfer_setup(lua_State *L, struct sig_transfer *t, int idx, const char **refused)
{
    struct request r;
    int top = lua_gettop(L);
    CURLcode rc;

    reset_request_state(t);
    *refused = read_request(L, t, idx, &r);
    if (*refused != NULL) {
        lua_settop(L, top);
        return CURLE_OK;
    }
    t->timeout = r.timeout;
    t->connect_timeout = r.connect_timeout;
    rc = set_request_options(t, &r);
    lua_settop(L, top);
    return rc;
}

int sig_transfer_result(lua_State *L, struct sig_transfer *t, CURLcode rc, int lender)
{
    int nret = rc == CURLE_OK ? push_response(L, t, lender) : push_curl_error(L, t, rc);

    /* A lent body stays until the next request (reset_request_state). */
    if (lender == 0 || rc != CURLE_OK) {
        trim_buffer(&t->body);
        trim_buffer(&t->headers);
    }
    return nret;
}

CURLcode sig_transfer_open(struct sig_transfer *t, const struct sig_http_config *config)
{
    t->config = config;
    t->curl = curl_easy_init();
    return t->curl != NULL ? set_handle_options(t) : CURLE_FAILED_INIT;
}

void sig_transfer_release(struct sig_transfer *t)
{
    if (t->curl != NULL)
        curl_easy_cleanup(t->curl);
    t->curl = NULL;
    curl_slist_free_all(t->request_headers);
    t->request_headers = NULL;
    t->serial++;
    sig_buf_free(&t->line);
    sig_buf_free(&t->body);
    sig_buf_free(&t->headers);
}

/* opts[name] (opts at idx) as a malloc'd copy, or NULL when absent. */
static char *string_option(lua_State *L, int idx, const char *name)
{
    size_t len;
    const char *s;
    char *copy;

    lua_getfield(L, idx, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "http option %s must be a string", name);
    s = lua_tolstring(L, -1, &len);
    if (strlen(s) != len)
        luaL_error(L, "http option %s contains NUL", name);
    copy = malloc(len + 1);
    if (copy == NULL)
        luaL_error(L, "not enough memory");
    memcpy(copy, s, len + 1);
    lua_pop(L, 1);
    return copy;
}

static void read_config(lua_State *L, int idx, struct sig_http_config *c)
{
    c->max_body = DEFAULT_MAX_RESPONSE;
    lua_getfield(L, idx, "max_response_bytes");
    if (!lua_isnil(L, -1)) {
        lua_Number n = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(n >= 1) || n != floor(n))
            luaL_error(L, "http option max_response_bytes must be a positive integer");
        c->max_body = n >= (lua_Number)SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)n;
    }
    lua_pop(L, 1);
    c->ca_file = string_option(L, idx, "ca_file");
    c->ca_path = string_option(L, idx, "ca_path");
    c->proxy = string_option(L, idx, "proxy");
    c->user_agent = string_option(L, idx, "user_agent");
}

void *sig_http_handle_new(lua_State *L, size_t size, const char *metatable, size_t config_offset)
{
    void *handle;

    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        luaL_error(L, "libcurl initialisation failed: %s", curl_easy_strerror(curl_init_result));
    /* Collectable from here on: a raised error below frees what is set. */
    handle = lua_newuserdatauv(L, size, 0);
    memset(handle, 0, size);
    luaL_setmetatable(L, metatable);
    read_config(L, 1, (struct sig_http_config *)((char *)handle + config_offset));
    return handle;
}

void sig_http_config_free(struct sig_http_config *c)
{
    free(c->ca_file);
    free(c->ca_path);
    free(c->proxy);
    free(c->user_agent);
    c->ca_file = c->ca_path = c->proxy = c->user_agent = NULL;
}

/* ---- the handle ------------------------------------------------------- */

static struct http *check_http(lua_State *L)
{
    return (struct http *)luaL_checkudata(L, 1, SIG_HTTP_MT);
}

/* One request; the body is lent (body.h) when lend is set. */
static int perform(lua_State *L, int lend)
{
    struct http *h = check_http(L);
    const char *refused;
    CURLcode rc;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (h->transfer.curl == NULL)
        return sig_http_refuse(L, "client is closed");
    rc = sig_transfer_setup(L, &h->transfer, 2, &refused);
    if (refused != NULL)
        return sig_http_refuse(L, refused);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h->transfer.curl);
    return sig_transfer_result(L, &h->transfer, rc, lend ? 1 : 0);
}

static int l_request(lua_State *L)
{
    return perform(L, 0);
}

/* h:fetch(req): h:request, with res.payload in place of res.body. */
static int l_fetch(lua_State *L)
{
    return perform(L, 1);
}

/* close, __gc and __close: safe to call any number of times. */
static int l_close(lua_State *L)
{
    struct http *h = check_http(L);

    sig_transfer_release(&h->transfer);
    sig_http_config_free(&h->config);
    return 0;
}

static int l_tostring(lua_State *L)
{
    struct http *h = check_http(L);

    lua_pushstring(L, h->transfer.curl != NULL ? "signals.http (open)" : "signals.http (closed)");
    return 1;
}

static int l_http(lua_State *L)
{
    struct http *h = sig_http_handle_new(L, sizeof *h, SIG_HTTP_MT, offsetof(struct http, config));

    CURLcode rc = sig_transfer_open(&h->transfer, &h->config);

    if (rc != CURLE_OK)
        return luaL_error(L, "cannot make a libcurl handle: %s", curl_easy_strerror(rc));
    return 1;
}

void sig_http_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "request", l_request },
        { "fetch", l_fetch },
        { "close", l_close },
        { NULL, NULL },
    };
    static const luaL_Reg meta[] = {
        { "__gc", l_close },
        { "__close", l_close },
        { "__tostring", l_tostring },
        { NULL, NULL },
    };
    static const sig_class http_class = { SIG_HTTP_MT, meta, { methods, NULL }, 0 };

    sig_class_define(L, &http_class);
    lua_pushcfunction(L, l_http);
    lua_setfield(L, -2, "http");
}

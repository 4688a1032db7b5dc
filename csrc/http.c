/*
 * core.http: one libcurl easy handle per client, reused so that requests
 * share a kept-alive connection. The Lua layer decides redirects, retries
 * and error classification; this file only moves bytes and says precisely
 * what went wrong (kind, code, whether a connection had been made).
 *
 * Everything a request allocates belongs to the handle (header list,
 * buffers), so a Lua error raised while results are pushed leaks nothing:
 * the next request or close frees it. The callbacks never touch Lua.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buffer.h"
#include "core.h"

#define DEFAULT_MAX_RESPONSE ((size_t)32 * 1024 * 1024)
/* A response buffer larger than this is released after the request rather
 * than kept for the next one. */
#define KEEP_BUFFER_BYTES ((size_t)256 * 1024)

enum abort_reason { ABORT_NONE, ABORT_TOO_LARGE, ABORT_NO_MEMORY };

struct http {
    CURL *curl; /* NULL once closed */
    char *ca_file, *ca_path, *proxy, *user_agent;
    size_t max_body;
    struct curl_slist *request_headers;
    struct sig_buf line;    /* one request header line being formatted */
    struct sig_buf body;    /* the response body */
    struct sig_buf headers; /* the final response's headers: "name\0value\0"... */
    int connected;          /* the request was about to be sent: set by on_prereq */
    enum abort_reason aborted;
    char errbuf[CURL_ERROR_SIZE];
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

static void reset_request_state(struct http *h)
{
    curl_slist_free_all(h->request_headers);
    h->request_headers = NULL;
    h->aborted = ABORT_NONE;
    h->connected = 0;
    h->errbuf[0] = '\0';
    h->line.len = h->body.len = h->headers.len = 0;
}

static void trim_buffer(struct sig_buf *b)
{
    if (b->cap > KEEP_BUFFER_BYTES)
        sig_buf_free(b);
    b->len = 0;
}

/* ---- libcurl callbacks ------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t count, void *ud)
{
    struct http *h = ud;
    size_t n = size * count;

    if (n > h->max_body - h->body.len) {
        h->aborted = ABORT_TOO_LARGE;
        return 0;
    }
    if (!sig_buf_add(&h->body, data, n)) {
        h->aborted = ABORT_NO_MEMORY;
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
    struct http *h = ud;
    size_t n = size * count, len = n, i, name_len;
    const char *colon, *value;

    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        h->headers.len = 0;
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
    if (!sig_buf_reserve(&h->headers, name_len + len + 2)) {
        h->aborted = ABORT_NO_MEMORY;
        return 0;
    }
    for (i = 0; i < name_len; i++) {
        char c = data[i];
        h->headers.data[h->headers.len++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    h->headers.data[h->headers.len++] = '\0';
    memcpy(h->headers.data + h->headers.len, value, len);
    h->headers.len += len;
    h->headers.data[h->headers.len++] = '\0';
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
    ((struct http *)ud)->connected = 1;
    return CURL_PREREQFUNC_OK;
}

/* ---- options ------------------------------------------------------------ */

#define TRY(call)                    \
    do {                             \
        CURLcode rc_ = (call);       \
        if (rc_ != CURLE_OK)         \
            return rc_;              \
    } while (0)

/* What every request gets; re-applied after each curl_easy_reset, which
 * clears options but keeps the connection cache. */
static CURLcode set_handle_options(struct http *h)
{
    CURL *c = h->curl;

    TRY(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
    TRY(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L));
#if LIBCURL_VERSION_NUM >= 0x075500
    TRY(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
    TRY(curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
    TRY(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
    TRY(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
    TRY(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf));
    TRY(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body));
    TRY(curl_easy_setopt(c, CURLOPT_WRITEDATA, h));
    TRY(curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header));
    TRY(curl_easy_setopt(c, CURLOPT_HEADERDATA, h));
    TRY(curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq));
    TRY(curl_easy_setopt(c, CURLOPT_PREREQDATA, h));
    /* Refuses a too large announced body before it is read. */
    TRY(curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body));
    TRY(curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent));
    if (h->ca_file != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file));
    if (h->ca_path != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_CAPATH, h->ca_path));
    if (h->proxy != NULL)
        TRY(curl_easy_setopt(c, CURLOPT_PROXY, h->proxy));
    return CURLE_OK;
}

/* Seconds as milliseconds for libcurl, rounded up so that a tiny timeout
 * does not become 0 (no timeout at all). */
static long milliseconds(double seconds)
{
    double ms = ceil(seconds * 1000.0);
    return ms >= 2147483647.0 ? 2147483647L : (long)ms;
}

static CURLcode set_request_options(struct http *h, const struct request *r)
{
    CURL *c = h->curl;
    int is_get = strcmp(r->method, "GET") == 0;

    TRY(curl_easy_setopt(c, CURLOPT_URL, r->url));
    TRY(curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->request_headers));
    if (r->body != NULL || !is_get) {
        /* POST, PUT, PATCH and DELETE carry the body (or an empty one, so
         * that Content-Length: 0 is sent). */
        TRY(curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len));
        TRY(curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body != NULL ? r->body : ""));
    }
    if (strcmp(r->method, "POST") != 0 && !(is_get && r->body == NULL))
        TRY(curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method));
    if (r->timeout > 0)
        TRY(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, milliseconds(r->timeout)));
    if (r->connect_timeout > 0)
        TRY(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(r->connect_timeout)));
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

static int push_curl_error(lua_State *L, struct http *h, const struct request *r, CURLcode rc)
{
    char message[CURL_ERROR_SIZE + 96], code[32];
    const char *name = curl_code_name(rc);

    if (rc == CURLE_OPERATION_TIMEDOUT) {
        /* Before the connection was up, the connect timeout fired unless
         * the total one is the shorter; without one of its own the connect
         * phase has libcurl's default of 300 s. */
        double connect_limit = r->connect_timeout > 0 ? r->connect_timeout : 300;
        int connect = !h->connected && (r->timeout <= 0 || connect_limit <= r->timeout);

        snprintf(message, sizeof message, "%s timeout: %s within %g s",
                 connect ? "connect" : "total",
                 connect ? "no connection" : h->connected ? "no complete response" : "no response",
                 connect ? connect_limit : r->timeout);
        return push_error(L, "timeout", "OPERATION_TIMEDOUT", message, h->connected);
    }
    if (h->aborted == ABORT_TOO_LARGE || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(message, sizeof message, "response body larger than max_response_bytes (%zu bytes)",
                 h->max_body);
        return push_error(L, "network", "RESPONSE_TOO_LARGE", message, h->connected);
    }
    if (h->aborted == ABORT_NO_MEMORY)
        return push_error(L, "network", "OUT_OF_MEMORY", "not enough memory for the response",
                          h->connected);
    if (name == NULL) {
        snprintf(code, sizeof code, "CURLE_%d", (int)rc);
        name = code;
    }
    snprintf(message, sizeof message, "%s",
             h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
    /* A URL libcurl cannot use is the caller's mistake: retrying it is
     * pointless, so it is not reported as a network failure. */
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return push_error(L, "invalid_request", name, message, 0);
    return push_error(L, "network", name, message, h->connected);
}

static int push_response(lua_State *L, struct http *h)
{
    long status = 0;
    size_t i = 0;

    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    lua_newtable(L);
    while (i < h->headers.len) {
        const char *name = h->headers.data + i;
        const char *value = name + strlen(name) + 1;

        i = (size_t)(value - h->headers.data) + strlen(value) + 1;
        lua_getfield(L, -1, name);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushstring(L, value);
        } else {
            lua_pushliteral(L, ", ");
            lua_pushstring(L, value);
            lua_concat(L, 3);
        }
        lua_setfield(L, -2, name);
    }
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, h->body.data != NULL ? h->body.data : "", h->body.len);
    lua_setfield(L, -2, "body");
    return 1;
}

/* ---- reading the request ---------------------------------------------- */

/* Whether s[0..n) holds one of `bytes` or a NUL (the terminator of
 * `bytes` is searched too). */
static int has_byte(const char *s, size_t n, const char *bytes)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (memchr(bytes, s[i], strlen(bytes) + 1) != NULL)
            return 1;
    return 0;
}

/* Builds h->request_headers from req.headers (at idx, may be nil). NULL on
 * success, else why the headers were refused. Values never appear in the
 * reason: one of them is the API key. */
static const char *build_headers(lua_State *L, struct http *h, int idx)
{
    struct curl_slist *list;

    /* No 100-continue round trip, and no form Content-Type that libcurl
     * would add to any request with a body: a caller's own headers still go
     * out, an entry without a value only suppresses libcurl's default. */
    list = curl_slist_append(NULL, "Expect:");
    if (list == NULL)
        return "not enough memory";
    h->request_headers = list;
    list = curl_slist_append(list, "Content-Type:");
    if (list == NULL)
        return "not enough memory";
    if (lua_isnil(L, idx))
        return NULL;
    if (!lua_istable(L, idx))
        return "headers must be a table";
    lua_pushnil(L);
    while (lua_next(L, idx)) {
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
        h->line.len = 0;
        if (!sig_buf_add(&h->line, name, name_len)
            || !sig_buf_add(&h->line, value_len > 0 ? ": " : ";", value_len > 0 ? 2 : 1)
            || !sig_buf_add(&h->line, value, value_len) || !sig_buf_addc(&h->line, '\0'))
            return "not enough memory";
        list = curl_slist_append(h->request_headers, h->line.data);
        if (list == NULL)
            return "not enough memory";
        h->request_headers = list;
        lua_pop(L, 1);
    }
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
 * stack (the body and URL must outlive the transfer). */
static const char *read_request(lua_State *L, struct http *h, int idx, struct request *r)
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
    return build_headers(L, h, lua_gettop(L));
}

/* ---- the handle ------------------------------------------------------- */

static struct http *check_http(lua_State *L)
{
    return (struct http *)luaL_checkudata(L, 1, SIG_HTTP_MT);
}

static int l_request(lua_State *L)
{
    struct http *h = check_http(L);
    struct request r;
    const char *problem;
    CURLcode rc;
    int nret;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (h->curl == NULL)
        return push_error(L, "invalid_request", NULL, "client is closed", 0);
    reset_request_state(h);
    problem = read_request(L, h, 2, &r);
    if (problem != NULL)
        return push_error(L, "invalid_request", NULL, problem, 0);

    curl_easy_reset(h->curl);
    rc = set_handle_options(h);
    if (rc == CURLE_OK)
        rc = set_request_options(h, &r);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h->curl);
    nret = rc == CURLE_OK ? push_response(L, h) : push_curl_error(L, h, &r, rc);
    curl_slist_free_all(h->request_headers);
    h->request_headers = NULL;
    trim_buffer(&h->body);
    trim_buffer(&h->headers);
    return nret;
}

/* close, __gc and __close: safe to call any number of times. */
static int l_close(lua_State *L)
{
    struct http *h = check_http(L);

    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
    reset_request_state(h);
    sig_buf_free(&h->line);
    sig_buf_free(&h->body);
    sig_buf_free(&h->headers);
    free(h->ca_file);
    free(h->ca_path);
    free(h->proxy);
    free(h->user_agent);
    h->ca_file = h->ca_path = h->proxy = h->user_agent = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    struct http *h = check_http(L);

    lua_pushstring(L, h->curl != NULL ? "signals.http (open)" : "signals.http (closed)");
    return 1;
}

/* opts[name] as a malloc'd copy, or NULL when absent. */
static char *string_option(lua_State *L, const char *name)
{
    size_t len;
    const char *s;
    char *copy;

    lua_getfield(L, 1, name);
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

static char *default_user_agent(void)
{
    const char *curl_version = curl_version_info(CURLVERSION_NOW)->version;
    size_t len = strlen("signals-lua/" SIGNALS_VERSION " libcurl/") + strlen(curl_version) + 1;
    char *ua = malloc(len);

    if (ua != NULL)
        snprintf(ua, len, "signals-lua/" SIGNALS_VERSION " libcurl/%s", curl_version);
    return ua;
}

static int l_http(lua_State *L)
{
    struct http *h;

    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return luaL_error(L, "libcurl initialisation failed: %s",
                          curl_easy_strerror(curl_init_result));

    /* Collectable from here on: a raised error below frees what is set. */
    h = (struct http *)lua_newuserdatauv(L, sizeof *h, 0);
    memset(h, 0, sizeof *h);
    luaL_setmetatable(L, SIG_HTTP_MT);
    h->max_body = DEFAULT_MAX_RESPONSE;
    lua_getfield(L, 1, "max_response_bytes");
    if (!lua_isnil(L, -1)) {
        lua_Number n = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(n >= 1) || n != floor(n))
            return luaL_error(L, "http option max_response_bytes must be a positive integer");
        h->max_body = n >= (lua_Number)SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)n;
    }
    lua_pop(L, 1);
    h->ca_file = string_option(L, "ca_file");
    h->ca_path = string_option(L, "ca_path");
    h->proxy = string_option(L, "proxy");
    h->user_agent = string_option(L, "user_agent");
    if (h->user_agent == NULL && (h->user_agent = default_user_agent()) == NULL)
        return luaL_error(L, "not enough memory");
    h->curl = curl_easy_init();
    if (h->curl == NULL)
        return luaL_error(L, "curl_easy_init failed");
    return 1;
}

void sig_http_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "request", l_request },
        { "close", l_close },
        { NULL, NULL },
    };

    luaL_newmetatable(L, SIG_HTTP_MT);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, l_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_http);
    lua_setfield(L, -2, "http");
}

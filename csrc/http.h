/*
 * One HTTP exchange over a libcurl easy handle, shared by core.http (one
 * request at a time, http.c) and core.multi (many at once, multi.c): the
 * options every request gets, reading the request table, the callbacks,
 * and the result or error table. Whoever drives the easy handle (perform
 * or a multi handle) sits between sig_transfer_setup and
 * sig_transfer_result.
 */
#ifndef SIGNALS_HTTP_H
#define SIGNALS_HTTP_H

#include <curl/curl.h>

#include "buffer.h"
#include "class.h"
#include "core.h"

/* The handle's options (core.http / core.multi), read once. */
struct sig_http_config {
    char *ca_file, *ca_path, *proxy, *user_agent;
    size_t max_body;
};

enum sig_abort_reason { SIG_ABORT_NONE, SIG_ABORT_TOO_LARGE, SIG_ABORT_NO_MEMORY };

/* An easy handle and everything one request on it allocates: a Lua error
 * raised while results are pushed leaks nothing, the next setup or the
 * release frees it. The callbacks never touch Lua. */
struct sig_transfer {
    CURL *curl;
    const struct sig_http_config *config;
    /* Two fixed entries, then one per request header: kept from one
     * request to the next, which mostly sends the same headers. */
    struct curl_slist *request_headers;
    struct sig_buf line;    /* one request header line being formatted */
    struct sig_buf body;    /* the response body, followed by a NUL */
    struct sig_buf headers; /* the final response's headers: "name\0value\0"... */
    int header_count;       /* pairs in headers */
    unsigned long serial;   /* bumped when body is reused or freed: ends its loans (body.h) */
    int connected;          /* the request was about to be sent: set by on_prereq */
    enum sig_abort_reason aborted;
    double timeout, connect_timeout; /* the request's, for timeout messages */
    /* The options the last request left on the handle: a request sets only
     * those that differ (curl_easy_reset and setting every option again
     * cost as much as a tenth of libcurl's whole exchange). */
    int sent_body;
    char custom_method[8];
    long timeout_ms, connect_timeout_ms;
    char errbuf[CURL_ERROR_SIZE];
};

/* The constructor's part of core.http and core.multi: a new userdata of
 * `size` bytes (zeroed, with `metatable`, whose __gc must free the config
 * with sig_http_config_free) pushed on the stack, holding at config_offset
 * the options of argument 1 (nil or none: defaults). Initialises libcurl
 * once per process. Raises on a wrong option. */
void *sig_http_handle_new(lua_State *L, size_t size, const char *metatable, size_t config_offset);
void sig_http_config_free(struct sig_http_config *c);

/* Makes t's easy handle with the options every request gets (config is
 * kept, not copied). CURLE_OK, or why not: t is then to be released. */
CURLcode sig_transfer_open(struct sig_transfer *t, const struct sig_http_config *config);

/* Prepares t's easy handle for the request table at idx. *refused is NULL,
 * or why the request is refused before sending (push it with
 * sig_http_refuse). Otherwise a code other than CURLE_OK is a failure to
 * report with sig_transfer_result. The body is copied: the request table
 * need not outlive the call. */
CURLcode sig_transfer_setup(lua_State *L, struct sig_transfer *t, int idx, const char **refused);

/* Pushes `res`, or nil and the error table, for a transfer that ended with
 * rc; returns the number of values pushed. With lender (the stack index of
 * the userdata holding t) other than 0, res.body is left out and
 * res.payload is the body lent (body.h) until t's next request. */
int sig_transfer_result(lua_State *L, struct sig_transfer *t, CURLcode rc, int lender);

/* Frees the easy handle and the buffers; idempotent. */
void sig_transfer_release(struct sig_transfer *t);

/* Pushes nil and an invalid_request error (not sent); returns 2. */
int sig_http_refuse(lua_State *L, const char *message);

#endif

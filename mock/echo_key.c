/* The hostile server's echo of the API key (the echo_key fault): the key
 * the request carried, sent back in a JSON error body, a non-JSON body or
 * a header, as it is, in base64, percent-encoded (every byte) or cut to
 * its first characters — what a client's redaction must catch. */
#define _GNU_SOURCE
#include "faults.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *base64(const char *s)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        *o++ = A[v >> 18 & 63];
        *o++ = A[v >> 12 & 63];
        *o++ = i + 1 < n ? A[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? A[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Every byte as %XX: even a key of unreserved characters changes. */
static char *percent_all(const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        *o++ = '%';
        *o++ = HEX[(unsigned char)*s >> 4];
        *o++ = HEX[(unsigned char)*s & 15];
    }
    *o = '\0';
    return out;
}

/* The key of "Bearer <key>" (any case, any blanks), or "". */
static const char *key_of(const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return "";
    authorization += 7;
    while (*authorization == ' ')
        authorization++;
    return authorization;
}

static char *encoded(const struct fault *f, const char *key)
{
    switch (f->encoding) {
    case ECHO_BASE64: return base64(key);
    case ECHO_PERCENT: return percent_all(key);
    case ECHO_PREFIX: return xstrndup(key, (size_t)f->chars);
    default: return xstrdup(key);
    }
}

/* `pad` x's, then the echo, then `tail`. */
static char *padded(long pad, const char *echo, const char *tail)
{
    char *filler = xmalloc((size_t)pad + 1);
    memset(filler, 'x', (size_t)pad);
    filler[pad] = '\0';
    char *text = xasprintf("%s%s%s", filler, echo, tail);
    free(filler);
    return text;
}

void echo_key_apply(struct fault *f, const char *authorization, struct reply *r)
{
    char *echo = encoded(f, key_of(authorization));
    int status = f->status ? f->status : 500;
    if (f->where == ECHO_HEADER) {
        if (!f->headers)
            f->headers = cJSON_CreateObject();
        cJSON_DeleteItemFromObjectCaseSensitive(f->headers, f->header);
        cJSON_AddStringToObject(f->headers, f->header, echo);
        if (f->status)
            reply_error(r, status, "INTERNAL", "INTERNAL_ERROR", "request refused", NULL);
    } else if (f->where == ECHO_HTML) {
        char *text = padded(f->pad, echo, " is not a valid API key\n");
        reply_bytes(r, status, "text/html", text, strlen(text));
    } else {
        char *message = padded(f->pad, echo, " is not a valid API key");
        char *bearer = xasprintf("Bearer %s", echo);
        cJSON *root = cJSON_CreateObject();
        cJSON *err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "type", "AUTHENTICATION");
        cJSON_AddStringToObject(err, "code", "UNAUTHORIZED");
        cJSON_AddStringToObject(err, "message", message);
        cJSON_AddStringToObject(err, "requestId", echo);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(err, "details"), "authorization", bearer);
        reply_json(r, status, root);
        free(message);
        free(bearer);
    }
    free(echo);
    if (r->status)
        fault_add_headers(f, r);
}

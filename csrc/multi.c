/*
 * core.multi: many requests in flight at once over libcurl's multi
 * interface, for client:all and client:wait_all. Each request is a
 * transfer of http.h, so it is set up, reported and classified exactly as
 * core.http does it. Easy handles are kept for later requests, and the
 * multi handle's connection cache keeps connections alive across them.
 *
 * The Lua scheduler drives it: submit starts a request and returns its key,
 * poll runs the transfers until one ends (or a timeout passes) and reports
 * it, cancel abandons one. Nothing here blocks longer than poll's timeout.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define SIG_MULTI_MT "signals.multi"

struct slot {
    struct sig_transfer transfer;
    lua_Integer key; /* of the request in flight; 0 when the slot is free */
};

struct multi {
    CURLM *multi; /* NULL once closed */
    struct sig_http_config config;
    struct slot **slots; /* each allocated once: libcurl keeps pointers into it */
    size_t count, cap;
    size_t busy;
    size_t peak; /* the most requests ever in flight at once */
    lua_Integer last_key;
};

static struct multi *check_multi(lua_State *L)
{
    return (struct multi *)luaL_checkudata(L, 1, SIG_MULTI_MT);
}

/* A free slot with its easy handle, or NULL when memory is exhausted. */
static struct slot *free_slot(struct multi *m)
{
    struct slot *s;
    size_t i;

    for (i = 0; i < m->count; i++)
        if (m->slots[i]->key == 0)
            return m->slots[i];
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct slot **slots = realloc(m->slots, cap * sizeof *slots);

        if (slots == NULL)
            return NULL;
        m->slots = slots;
        m->cap = cap;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (sig_transfer_open(&s->transfer, &m->config) != CURLE_OK
        || curl_easy_setopt(s->transfer.curl, CURLOPT_PRIVATE, (void *)s) != CURLE_OK) {
        sig_transfer_release(&s->transfer);
        free(s);
        return NULL;
    }
    m->slots[m->count++] = s;
    return s;
}

static struct slot *slot_of_key(struct multi *m, lua_Integer key)
{
    size_t i;

    for (i = 0; i < m->count; i++)
        if (m->slots[i]->key == key)
            return m->slots[i];
    return NULL;
}

static void end_transfer(struct multi *m, struct slot *s)
{
    curl_multi_remove_handle(m->multi, s->transfer.curl);
    s->key = 0;
    m->busy--;
}

/* m:submit(req) -> key, or nil and err as core.http's request refuses it. */
static int l_submit(lua_State *L)
{
    struct multi *m = check_multi(L);
    struct slot *s;
    const char *refused;
    CURLcode rc;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (m->multi == NULL)
        return sig_http_refuse(L, "client is closed");
    s = free_slot(m);
    if (s == NULL)
        return luaL_error(L, "not enough memory");
    rc = sig_transfer_setup(L, &s->transfer, 2, &refused);
    if (refused != NULL)
        return sig_http_refuse(L, refused);
    if (rc == CURLE_OK) {
        CURLMcode mrc = curl_multi_add_handle(m->multi, s->transfer.curl);

        if (mrc != CURLM_OK)
            rc = mrc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
    }
    if (rc != CURLE_OK)
        return sig_transfer_result(L, &s->transfer, rc, 0);
    s->key = ++m->last_key;
    m->busy++;
    /* libcurl's connection cache holds, by default, four connections per
     * easy handle in the multi handle at the moment a transfer ends: when
     * the last answers of a burst come in one poll after another, it would
     * close connections the next burst needs. It holds as many as were
     * ever in flight at once instead. */
    if (m->busy > m->peak) {
        m->peak = m->busy;
        curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)m->peak);
    }
    lua_pushinteger(L, s->key);
    return 1;
}

/* The next transfer libcurl reports as done, or NULL. */
static CURLMsg *next_done(struct multi *m)
{
    CURLMsg *msg;
    int queued;

    while ((msg = curl_multi_info_read(m->multi, &queued)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            return msg;
    return NULL;
}

/* Runs what is ready without waiting, then reports a finished transfer. */
static CURLMsg *progress(struct multi *m)
{
    CURLMsg *msg = next_done(m);
    int running;

    if (msg == NULL) {
        curl_multi_perform(m->multi, &running);
        msg = next_done(m);
    }
    return msg;
}

/* m:poll(timeout) -> key, res or key, nil, err for one finished request;
 * nothing when none finished within timeout seconds (default 0) or nothing
 * is in flight. It may return before the timeout with nothing: the caller
 * polls again with what is left of its own deadline. */
static int l_poll(lua_State *L)
{
    struct multi *m = check_multi(L);
    lua_Number timeout = luaL_optnumber(L, 2, 0);
    struct slot *s;
    CURLMsg *msg;
    CURLcode rc;
    void *private_data = NULL;
    lua_Integer key;

    if (!(timeout >= 0))
        return luaL_error(L, "poll timeout must be a non-negative number");
    if (m->multi == NULL || m->busy == 0)
        return 0;
    msg = progress(m);
    if (msg == NULL && timeout > 0) {
        /* Rounded up: a remaining fraction of a millisecond must not turn
         * into a busy loop of zero-length waits. */
        double ms = ceil(timeout * 1000.0);

        curl_multi_poll(m->multi, NULL, 0, ms >= 2147483647.0 ? 2147483647 : (int)ms, NULL);
        msg = progress(m);
    }
    if (msg == NULL)
        return 0;
    rc = msg->data.result;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private_data);
    s = private_data;
    key = s->key;
    end_transfer(m, s);
    lua_pushinteger(L, key);
    return 1 + sig_transfer_result(L, &s->transfer, rc, 0);
}

/* m:cancel(key): the request is abandoned (its connection is closed if a
 * transfer was under way); an unknown key is ignored. */
static int l_cancel(lua_State *L)
{
    struct multi *m = check_multi(L);
    lua_Integer key = luaL_checkinteger(L, 2);
    struct slot *s = key > 0 && m->multi != NULL ? slot_of_key(m, key) : NULL;

    if (s != NULL)
        end_transfer(m, s);
    return 0;
}

/* close, __gc and __close: safe to call any number of times. */
static int l_close(lua_State *L)
{
    struct multi *m = check_multi(L);
    size_t i;

    for (i = 0; i < m->count; i++)
        if (m->slots[i]->key != 0)
            end_transfer(m, m->slots[i]);
    if (m->multi != NULL)
        curl_multi_cleanup(m->multi);
    m->multi = NULL;
    for (i = 0; i < m->count; i++) {
        sig_transfer_release(&m->slots[i]->transfer);
        free(m->slots[i]);
    }
    free(m->slots);
    m->slots = NULL;
    m->count = m->cap = 0;
    sig_http_config_free(&m->config);
    return 0;
}

/* core.multi(opts): opts as for core.http. */
static int l_multi(lua_State *L)
{
    struct multi *m = sig_http_handle_new(L, sizeof *m, SIG_MULTI_MT, offsetof(struct multi, config));

    m->multi = curl_multi_init();
    if (m->multi == NULL)
        return luaL_error(L, "curl_multi_init failed");
    return 1;
}

void sig_multi_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "submit", l_submit },
        { "poll", l_poll },
        { "cancel", l_cancel },
        { "close", l_close },
        { NULL, NULL },
    };
    static const luaL_Reg meta[] = {
        { "__gc", l_close },
        { "__close", l_close },
        { NULL, NULL },
    };
    static const sig_class multi_class = { SIG_MULTI_MT, meta, { methods, NULL }, 0 };

    sig_class_define(L, &multi_class);
    lua_pushcfunction(L, l_multi);
    lua_setfield(L, -2, "multi");
}

/*
 * Response headers as libcurl hands them to the transport, one line per
 * callback, then what the client reads from them (core.retry_after). The
 * header callback is private to http.c, so the file is compiled into this
 * harness (mk/fuzz.mk links the core without http.o for it): the bytes go
 * through the very code a server's headers reach.
 *
 * The input is the header block: split after each '\n' into the lines the
 * callback gets (a line starting with "HTTP/" starts a new response, as
 * after a 100 Continue), then fuzz/targets.lua's `headers` gets the raw
 * input and the response table the transport would return.
 */
#include "../csrc/http.c"

#include "fuzz_lua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sig_transfer t;
    const char *p = (const char *)data, *end = p + size;
    lua_State *L = fuzz_lua_target("headers");

    /* push_response asks the handle for the status; a handle that never
     * performed a transfer answers 0. */
    if (t.curl == NULL && (t.curl = curl_easy_init()) == NULL)
        abort();
    reset_request_state(&t);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        char *line = malloc(n); /* its own allocation: ASan sees any overread */

        if (line == NULL)
            abort();
        memcpy(line, p, n);
        if (on_header(line, 1, n, &t) != n)
            abort(); /* only memory exhaustion may refuse a line */
        free(line);
        p += n;
    }
    lua_pushlstring(L, (const char *)data, size);
    push_response(L, &t, 0);
    trim_buffer(&t.headers);
    fuzz_lua_call(L, 2);
    return 0;
}

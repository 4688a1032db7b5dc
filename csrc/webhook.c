/*
 * core.hmac_sha256, core.webhook_verify, core.webhook_parse: the C half of
 * signals.webhook. The digest comes from OpenSSL's libcrypto and is compared
 * with CRYPTO_memcmp, whose time does not depend on where the bytes differ,
 * so that a forger cannot learn the expected signature byte by byte.
 */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core.h"
#include "doc.h"
#include "json_lua.h"
#include "object.h"

#define DIGEST_LEN 32 /* SHA-256 */

/* A string argument that must not be empty (an HMAC key). */
static const char *check_secret(lua_State *L, int arg, size_t *len)
{
    const char *secret = luaL_checklstring(L, arg, len);

    luaL_argcheck(L, *len > 0, arg, "the secret is empty");
    luaL_argcheck(L, *len <= INT_MAX, arg, "the secret is too long");
    return secret;
}

static void hmac_sha256(lua_State *L, const char *key, size_t key_len,
                        const char *msg, size_t msg_len, unsigned char out[DIGEST_LEN])
{
    unsigned int out_len = 0;

    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len,
             out, &out_len) == NULL || out_len != DIGEST_LEN)
        luaL_error(L, "HMAC-SHA256 failed (libcrypto)");
}

/* Both alphabets: standard (+ /) and URL-safe (- _). */
static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

static int decode_hex(const char *s, size_t len, unsigned char out[DIGEST_LEN])
{
    size_t i;

    if (len != 2 * DIGEST_LEN)
        return 0;
    for (i = 0; i < DIGEST_LEN; i++) {
        int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
        int lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}

/* 32 bytes are 43 base64 characters (256 bits in 258) and one '=' of
 * padding, which senders may leave out. */
static int decode_base64(const char *s, size_t len, unsigned char out[DIGEST_LEN])
{
    unsigned long bits = 0;
    size_t i, n = 0;
    int nbits = 0;

    if (len == 44 && s[43] == '=')
        len = 43;
    if (len != 43)
        return 0;
    for (i = 0; i < len; i++) {
        int v = base64_value(s[i]);
        if (v < 0)
            return 0;
        bits = (bits << 6 | (unsigned long)v) & 0xffffUL;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[n++] = (unsigned char)(bits >> nbits);
        }
    }
    return n == DIGEST_LEN;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The digest a signature header carries: an optional "sha256=" (any case),
 * then the digest in hex (either case) or base64. */
static int signature_digest(const char *s, size_t len, unsigned char out[DIGEST_LEN])
{
    static const char prefix[] = "sha256=";
    size_t i;

    while (len > 0 && is_blank(*s))
        s++, len--;
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    if (len > sizeof prefix - 1) {
        for (i = 0; i < sizeof prefix - 1; i++)
            if (ascii_lower(s[i]) != prefix[i])
                break;
        if (i == sizeof prefix - 1)
            s += i, len -= i;
    }
    return decode_hex(s, len, out) || decode_base64(s, len, out);
}

/* hmac_sha256(key, message): the raw 32-byte digest */
static int l_hmac_sha256(lua_State *L)
{
    unsigned char digest[DIGEST_LEN];
    size_t key_len, msg_len;
    const char *key = check_secret(L, 1, &key_len);
    const char *msg = luaL_checklstring(L, 2, &msg_len);

    hmac_sha256(L, key, key_len, msg, msg_len, digest);
    lua_pushlstring(L, (const char *)digest, DIGEST_LEN);
    return 1;
}

/* webhook_verify(body, signature, secret): true, or false and why */
static int l_webhook_verify(lua_State *L)
{
    unsigned char expected[DIGEST_LEN], given[DIGEST_LEN];
    size_t body_len, signature_len, secret_len;
    const char *body = luaL_checklstring(L, 1, &body_len);
    const char *signature = luaL_optlstring(L, 2, NULL, &signature_len);
    const char *secret = check_secret(L, 3, &secret_len);

    if (signature == NULL) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "no signature");
        return 2;
    }
    if (!signature_digest(signature, signature_len, given)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "malformed signature: expected an HMAC-SHA256 digest in hex "
                           "or base64, optionally prefixed with sha256=");
        return 2;
    }
    hmac_sha256(L, secret, secret_len, body, body_len, expected);
    if (CRYPTO_memcmp(expected, given, DIGEST_LEN) != 0) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "signature mismatch");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* A batch delivery as a plain table: its members as plain values, except
 * `signals`, whose elements become objects. Of duplicate keys the first
 * wins, as everywhere else in the core. */
static void push_batch(lua_State *L, int holder, const cJSON *root)
{
    const cJSON *member;

    lua_createtable(L, 0, cJSON_GetArraySize(root));
    cJSON_ArrayForEach(member, root) {
        lua_getfield(L, -1, member->string);
        if (!lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 1);
        if (strcmp(member->string, "signals") == 0)
            sig_object_push_array(L, holder, member, SIG_KIND_OBJECT);
        else
            sig_json_push(L, member);
        lua_setfield(L, -2, member->string);
    }
}

/* What a single delivery is: a signal always has its question (API-NOTES §4), a
 * contact research its subject's name (API-NOTES §9.1). */
static int delivery_kind(const cJSON *root)
{
    if (sig_json_field(root, "question") != NULL)
        return SIG_KIND_SIGNAL;
    if (sig_json_field(root, "firstName") != NULL)
        return SIG_KIND_CONTACT_RESEARCH;
    return SIG_KIND_OBJECT;
}

/* webhook_parse(body): a batch table or an object, or nil, message */
static int l_webhook_parse(lua_State *L)
{
    size_t len;
    const char *body = luaL_checklstring(L, 1, &len);
    sig_doc *doc;
    int holder;

    lua_settop(L, 1);
    doc = sig_doc_parse(L, body, len);
    if (doc == NULL) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    holder = lua_gettop(L);
    if (!cJSON_IsObject(doc->root)) {
        const char *type = sig_json_typename(doc->root);
        sig_doc_unhold(L, holder);
        lua_pushnil(L);
        lua_pushfstring(L, "expected a JSON object, got %s", type);
        return 2;
    }
    if (cJSON_IsArray(sig_json_field(doc->root, "signals")))
        push_batch(L, holder, doc->root);
    else
        sig_object_push(L, holder, doc->root, delivery_kind(doc->root));
    sig_doc_unhold(L, holder);
    return 1;
}

void sig_webhook_register(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "hmac_sha256", l_hmac_sha256 },
        { "webhook_verify", l_webhook_verify },
        { "webhook_parse", l_webhook_parse },
        { NULL, NULL }
    };

    luaL_setfuncs(L, functions, 0);
}

/*
 * A signal's answer out of its typed envelope (API-NOTES §4.1):
 * {"type":"open_text","openText":{"value":...}} gives the value node.
 */
#include <string.h>

#include "json_lua.h"
#include "object.h"

/* Whether key is snake_case type in camelCase (open_text: openText), or the
 * type itself: the API camel-cases every type, but the undocumented ones
 * (contacts_generation) might not be, and costs nothing to accept. Both
 * are of a parsed tree: their lengths are beside them. */
static int names_type(const cJSON *type, const cJSON *member)
{
    const char *t = type->valuestring, *t_end = t + sig_json_len(type);
    const char *k = member->string, *k_end = k + sig_json_key_len(member);

    if (t_end - t == k_end - k && memcmp(t, k, (size_t)(t_end - t)) == 0)
        return 1;
    for (; t < t_end; t++, k++) {
        char c = *t;
        if (c == '_' && t + 1 < t_end) {
            c = *++t;
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        }
        if (k == k_end || c != *k)
            return 0;
    }
    return k == k_end;
}

/* Whether the string node is the text s. */
static int is_text(const cJSON *node, const char *s)
{
    size_t len = strlen(s);

    return sig_json_len(node) == len && memcmp(node->valuestring, s, len) == 0;
}

const cJSON *sig_answer_node(const cJSON *signal)
{
    const cJSON *answer = sig_json_field(signal, "answer");
    const cJSON *type = sig_json_field(answer, "type");
    const cJSON *inner = NULL, *child, *value;

    if (answer == NULL || cJSON_IsNull(answer))
        return NULL;
    if (!cJSON_IsString(type))
        return answer;
    cJSON_ArrayForEach(child, answer) {
        if (child != type && names_type(type, child)) {
            inner = child;
            break;
        }
    }
    /* Unknown shapes are passed through whole rather than guessed at. */
    if (inner == NULL)
        return answer;
    if (cJSON_IsNull(inner))
        return NULL;
    /* A json_schema answer is the object itself: a member of it called
     * "value" is part of the answer, not a wrapper. */
    if (is_text(type, "json_schema"))
        return inner;
    value = sig_json_field(inner, "value");
    if (value == NULL)
        return inner;
    return cJSON_IsNull(value) ? NULL : value;
}

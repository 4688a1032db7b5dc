/*
 * A signal's answer out of its typed envelope (API §4.1):
 * {"type":"open_text","openText":{"value":...}} gives the value node.
 */
#include <string.h>

#include "json_lua.h"
#include "object.h"

/* Whether key is snake_case type in camelCase (open_text: openText), or the
 * type itself: the API camel-cases every type, but the undocumented ones
 * (contacts_generation) might not be, and costs nothing to accept. */
static int names_type(const char *type, const char *key)
{
    if (strcmp(type, key) == 0)
        return 1;
    for (; *type != '\0'; type++, key++) {
        char c = *type;
        if (c == '_' && type[1] != '\0') {
            c = *++type;
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        }
        if (c != *key)
            return 0;
    }
    return *key == '\0';
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
        if (child != type && names_type(type->valuestring, child->string)) {
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
    if (strcmp(type->valuestring, "json_schema") == 0)
        return inner;
    value = sig_json_field(inner, "value");
    if (value == NULL)
        return inner;
    return cJSON_IsNull(value) ? NULL : value;
}

#define _GNU_SOURCE
#include "reqlog.h"

#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

void reqlog_init(struct reqlog *log)
{
    memset(log, 0, sizeof *log);
    pthread_mutex_init(&log->lock, NULL);
}

static void clear(struct reqlog *log)
{
    for (size_t i = 0; i < log->n; i++)
        cJSON_Delete(log->entries[i]);
    free(log->entries);
    log->entries = NULL;
    log->n = log->cap = 0;
}

void reqlog_reset(struct reqlog *log)
{
    pthread_mutex_lock(&log->lock);
    clear(log);
    log->generation++;
    pthread_mutex_unlock(&log->lock);
}

void reqlog_destroy(struct reqlog *log)
{
    clear(log);
    pthread_mutex_destroy(&log->lock);
}

/* Header names are case-insensitive; the log shows them lower-cased, and a
 * repeated header as one value joined by ", " (its HTTP meaning). */
static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    cJSON *headers = cls;
    char *name = xstrdup(key);
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    cJSON *existing = cJSON_GetObjectItemCaseSensitive(headers, name);
    if (existing) {
        char *joined = xasprintf("%s, %s", existing->valuestring, value ? value : "");
        cJSON_ReplaceItemInObjectCaseSensitive(headers, name, cJSON_CreateString(joined));
        free(joined);
    } else {
        cJSON_AddStringToObject(headers, name, value ? value : "");
    }
    free(name);
    return MHD_YES;
}

static int remote_port(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return 0;
    if (info->client_addr->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)(const void *)info->client_addr)->sin_port);
    if (info->client_addr->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)info->client_addr)->sin6_port);
    return 0;
}

struct log_ticket reqlog_append(struct reqlog *log, struct MHD_Connection *conn,
                                const char *method, const char *path, const char *query,
                                const char *body, size_t body_len)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "method", method);
    cJSON_AddStringToObject(e, "path", path);
    cJSON_AddStringToObject(e, "query", query);
    cJSON *headers = cJSON_AddObjectToObject(e, "headers");
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, headers);
    char *text = xstrndup(body ? body : "", body ? body_len : 0);
    cJSON_AddStringToObject(e, "body", text);
    free(text);
    cJSON_AddNumberToObject(e, "remote_port", remote_port(conn));
    cJSON_AddNumberToObject(e, "status", 0);

    pthread_mutex_lock(&log->lock);
    if (log->n == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 64;
        log->entries = xrealloc(log->entries, log->cap * sizeof *log->entries);
    }
    struct log_ticket ticket = { log->generation, log->n };
    log->entries[log->n++] = e;
    pthread_mutex_unlock(&log->lock);
    return ticket;
}

void reqlog_set_status(struct reqlog *log, struct log_ticket ticket, int status)
{
    pthread_mutex_lock(&log->lock);
    if (ticket.generation == log->generation && ticket.index < log->n)
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(log->entries[ticket.index],
                                                              "status"),
                             status);
    pthread_mutex_unlock(&log->lock);
}

char *reqlog_render(struct reqlog *log)
{
    /* References, not copies: the entries are printed under the lock. */
    cJSON *all = cJSON_CreateArray();
    pthread_mutex_lock(&log->lock);
    for (size_t i = 0; i < log->n; i++)
        cJSON_AddItemReferenceToArray(all, log->entries[i]);
    char *text = cJSON_PrintUnformatted(all);
    pthread_mutex_unlock(&log->lock);
    cJSON_Delete(all);
    return text;
}

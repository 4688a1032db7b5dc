/* The libmicrohttpd callbacks: read a request whole, then route it through
 * the control pipeline (/_mock) or the API pipeline (/v1: log, faults, rate
 * limit, auth, handler). Their `cls` is the struct mock. */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

#include <microhttpd.h>

void *server_begin(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **req_cls);
void server_end(void *cls, struct MHD_Connection *conn, void **req_cls,
                enum MHD_RequestTerminationCode toe);

#endif

/*
 * Reading a wait in seconds from text, shared by core.retry_after and the
 * error-body classifier (a body's "retryAfter" may be a numeric string).
 */
#ifndef SIGNALS_RETRY_AFTER_H
#define SIGNALS_RETRY_AFTER_H

#include <stddef.h>

/* s[0..n) as a non-negative decimal ("12", "0.5"; spaces around allowed;
 * no sign, exponent, hex, inf or nan). 1 and *out on success, else 0. */
int sig_parse_seconds(const char *s, size_t n, double *out);

#endif

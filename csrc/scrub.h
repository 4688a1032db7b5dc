/*
 * Finding the API key in text, for core.scrub (scrub.c) and the fuzz
 * harness that checks it against a plain reference (fuzz/scrub.c).
 */
#ifndef SIGNALS_SCRUB_H
#define SIGNALS_SCRUB_H

#include <stddef.h>

#include "buffer.h"

/* What a trace of the key becomes. */
#define SIG_SCRUB_MARK "[REDACTED]"

/* Keys shorter than this leave no trace that can be told from chance. */
#define SIG_SCRUB_MIN 8

/*
 * Appends to out the text with every trace of the key replaced by
 * SIG_SCRUB_MARK, one mark per run of traces that overlap or touch, and
 * returns 1; returns 0 (out untouched) when there is none, -1 when memory
 * ran out. A trace is SIG_SCRUB_MIN consecutive bytes that are:
 * - bytes of the key, as they are;
 * - base64 characters that encode bytes of the key only, in either alphabet
 *   (+/ or -_), at any of the 3 alignments of the key in the encoded bytes
 *   (the key inside base64("Bearer " .. key), base64("user:" .. key));
 * - either of those, percent-decoded, where at least one byte came from a
 *   %XX escape (either case): the run covers the escapes' text.
 * Linear in the text.
 */
int sig_scrub(const char *text, size_t len, const char *key, size_t key_len, struct sig_buf *out);

#endif

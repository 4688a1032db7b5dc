/* What the parts of the store (store.c, store_reads.c, store_research.c)
 * share beyond store.h. Every function here expects the store lock held. */
#ifndef MOCK_STORE_PRIVATE_H
#define MOCK_STORE_PRIVATE_H

#include "store.h"

/* The pool's copy of `s` (made on first use); NULL for NULL. */
const char *intern(struct intern_pool *p, const char *s);
/* The pool's copy of `s` if it has one, else NULL: a filter on a string
 * never interned matches no signal. */
const char *intern_find(struct intern_pool *p, const char *s);
/* The signal with that id, or NULL. */
struct signal *signal_lookup(struct store *st, const char *id);
/* Frees every research record. */
void research_clear(struct store *st);

#endif

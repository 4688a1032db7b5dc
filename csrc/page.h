/*
 * Pages: one response of a list operation, whatever its envelope
 * (API-NOTES §2: results/count, items/hasMore, items without hasMore, bare array).
 */
#ifndef SIGNALS_PAGE_H
#define SIGNALS_PAGE_H

#include "doc.h"

/* The request's limit and offset, used where the envelope lacks them. */
typedef struct sig_page_request {
    double limit, offset;
    int has_limit, has_offset;
} sig_page_request;

void sig_page_init(lua_State *L);

/* The item array of a page body (root's "results" or "items" array, or
 * root itself when it is an array), or NULL when root is not a page. */
const cJSON *sig_page_items(const cJSON *root);

/* Pushes a page of the doc whose table (doc.h) is at doc_table; its items
 * (from sig_page_items) are of kind. */
void sig_page_push(lua_State *L, int doc_table, const cJSON *items, int kind,
                   const sig_page_request *req);

#endif

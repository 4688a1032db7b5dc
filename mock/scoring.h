/* Scoring (API-NOTES §11.6): the point-value rules and the computation of a
 * score from a profile's rules and the newest completed answers. */
#ifndef MOCK_SCORING_H
#define MOCK_SCORING_H

#include "store.h"

#include <cjson/cJSON.h>

/* The dimensions a profile scores in, NULL-terminated. */
extern const char *const DIMENSIONS[];

/* NULL when `point_values` has the shape `answer_type` asks for (boolean
 * {"true","false"}; number, percentage, currency {"ranges":[{min,max,points}]};
 * list {"choices":{value: points}}), else what is wrong. */
const char *point_values_problem(const cJSON *point_values, const char *answer_type);

/* (Re)computes the scores of one assignment, one per dimension that has
 * rules: each rule earns the points of the newest completed answer, for
 * the assigned object, to its template's question. Records lock held. */
void score_assignment(struct store *st, const cJSON *assignment, int64_t now);

/* Removes the scores of one profile and object. Records lock held. */
void remove_scores(struct records *rs, const char *profile_id, const char *object_type,
                   const char *object_id);

#endif

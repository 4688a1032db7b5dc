/* Token buckets (API-NOTES §13): `burst` tokens at most, refilled continuously
 * at `per_minute` a minute, starting full. A request takes one token; with
 * less than one left it is refused. Tokens are counted in sixty-thousandths
 * (one token = 60 000 units), so that a refill of per_minute units per
 * millisecond is exact integer arithmetic. */
#ifndef MOCK_BUCKETS_H
#define MOCK_BUCKETS_H

#include <stdbool.h>
#include <stdint.h>

struct bucket {
    long per_minute, burst;  /* both >= 1 */
    int64_t units;           /* tokens x 60 000 */
    int64_t at;              /* when `units` was last brought up to date (ms) */
};

void bucket_start(struct bucket *b, long per_minute, long burst, int64_t now);
/* Brings the tokens up to `now`. */
void bucket_refill(struct bucket *b, int64_t now);
bool bucket_has_token(const struct bucket *b);
void bucket_take(struct bucket *b);
/* Whole tokens left. */
long bucket_remaining(const struct bucket *b);
/* When the bucket is full again, and when it next holds a token (ms). */
int64_t bucket_full_at(const struct bucket *b);
int64_t bucket_token_at(const struct bucket *b);

#endif

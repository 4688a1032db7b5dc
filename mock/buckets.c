#include "buckets.h"

#define UNITS_PER_TOKEN 60000  /* ms in a minute: per_minute units come in each ms */

static int64_t capacity(const struct bucket *b)
{
    return (int64_t)b->burst * UNITS_PER_TOKEN;
}

void bucket_start(struct bucket *b, long per_minute, long burst, int64_t now)
{
    b->per_minute = per_minute;
    b->burst = burst;
    b->units = capacity(b);
    b->at = now;
}

/* When `missing` more units will have come in (ms, rounded up). */
static int64_t after(const struct bucket *b, int64_t missing)
{
    return missing <= 0 ? b->at : b->at + (missing + b->per_minute - 1) / b->per_minute;
}

void bucket_refill(struct bucket *b, int64_t now)
{
    if (now <= b->at)
        return;
    /* compared first, so that a long idle time cannot overflow */
    if (now >= bucket_full_at(b))
        b->units = capacity(b);
    else
        b->units += (now - b->at) * b->per_minute;
    b->at = now;
}

bool bucket_has_token(const struct bucket *b)
{
    return b->units >= UNITS_PER_TOKEN;
}

void bucket_take(struct bucket *b)
{
    b->units -= UNITS_PER_TOKEN;
}

long bucket_remaining(const struct bucket *b)
{
    return (long)(b->units / UNITS_PER_TOKEN);
}

int64_t bucket_full_at(const struct bucket *b)
{
    return after(b, capacity(b) - b->units);
}

int64_t bucket_token_at(const struct bucket *b)
{
    return after(b, UNITS_PER_TOKEN - b->units);
}

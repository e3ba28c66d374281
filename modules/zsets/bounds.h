/* bounds.h -- ranges of a sorted set as Redis writes them (scores "(1.5" "-inf", members "[a"
 * "(b" "-" "+") and the ranks [lo, hi) they cover in a dk_zset. */
#ifndef KEEL_ZSETS_BOUNDS_H
#define KEEL_ZSETS_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/zset.h>
#include <keel/sdk.h>

/* A score range: min and max, each inclusive unless its ex flag is set. */
typedef struct zs_srange {
    double min, max;
    bool minex, maxex;
} zs_srange;

/* One end of a lex range: "-" (the lowest), "+" (the highest), or a member inclusive ("[m")
 * or exclusive ("(m").  m views the argument. */
typedef struct zs_lex {
    enum { ZS_LEX_MIN, ZS_LEX_MAX, ZS_LEX_IN, ZS_LEX_EX } kind;
    const char *m;
    size_t n;
} zs_lex;

/* Parses a score range (Redis's zslParseRange); false when either end is malformed (the
 * caller replies "ERR min or max is not a float"). */
bool zs_parse_srange(const keel_arg *min, const keel_arg *max, zs_srange *r);
/* Parses a lex range; false when an end is malformed ("ERR min or max not valid string range
 * item"). */
bool zs_parse_lrange(const keel_arg *min, const keel_arg *max, zs_lex *lo, zs_lex *hi);

/* The ranks [*lo, *hi) of the elements in the range (*hi <= *lo: none). */
void zs_srange_ranks(const dk_zset *z, const zs_srange *r, uint64_t *lo, uint64_t *hi);
void zs_lrange_ranks(const dk_zset *z, const zs_lex *min, const zs_lex *max, uint64_t *lo,
                     uint64_t *hi);

/* Redis's rank range: start and stop (negative from the end) clamped to a set of n; false when
 * empty, else ranks [*lo, *hi). */
bool zs_rank_range(int64_t start, int64_t stop, uint64_t n, uint64_t *lo, uint64_t *hi);

#endif

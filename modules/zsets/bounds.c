/* bounds.c -- parsing score and lex ranges as Redis does, and turning them into ranks. */
#include "bounds.h"

#include <math.h>
#include <stdlib.h>

/* One end of a score range: an optional "(" then strtod's syntax, NaN refused. */
static bool parse_score_end(const keel_arg *a, double *d, bool *ex) {
    const char *s = a->ptr;
    size_t n = a->len;
    *ex = n > 0 && s[0] == '(';
    if (*ex) s++, n--;
    char *end;
    *d = strtod(s, &end);
    return (size_t)(end - s) == n && !isnan(*d);
}

bool zs_parse_srange(const keel_arg *min, const keel_arg *max, zs_srange *r) {
    return parse_score_end(min, &r->min, &r->minex) && parse_score_end(max, &r->max, &r->maxex);
}

static bool parse_lex_end(const keel_arg *a, zs_lex *e) {
    if (a->len == 0) return false;
    e->m = a->ptr + 1;
    e->n = a->len - 1;
    switch (a->ptr[0]) {
    case '+':
        e->kind = ZS_LEX_MAX;
        return a->len == 1;
    case '-':
        e->kind = ZS_LEX_MIN;
        return a->len == 1;
    case '[':
        e->kind = ZS_LEX_IN;
        return true;
    case '(':
        e->kind = ZS_LEX_EX;
        return true;
    default:
        return false;
    }
}

bool zs_parse_lrange(const keel_arg *min, const keel_arg *max, zs_lex *lo, zs_lex *hi) {
    return parse_lex_end(min, lo) && parse_lex_end(max, hi);
}

void zs_srange_ranks(const dk_zset *z, const zs_srange *r, uint64_t *lo, uint64_t *hi) {
    *lo = dk_zset_score_rank(z, r->min, r->minex);
    *hi = dk_zset_score_rank(z, r->max, !r->maxex);
    if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex))) *hi = *lo;
}

/* Elements below end e: as a lower end (start) or an upper end (stop). */
static uint64_t lex_rank(const dk_zset *z, const zs_lex *e, bool upper) {
    switch (e->kind) {
    case ZS_LEX_MIN:
        return 0;
    case ZS_LEX_MAX:
        return dk_zset_count(z);
    case ZS_LEX_IN:
        return dk_zset_lex_rank(z, e->m, e->n, upper);
    default:
        return dk_zset_lex_rank(z, e->m, e->n, !upper);
    }
}

void zs_lrange_ranks(const dk_zset *z, const zs_lex *min, const zs_lex *max, uint64_t *lo,
                     uint64_t *hi) {
    *lo = lex_rank(z, min, false);
    *hi = lex_rank(z, max, true);
}

bool zs_rank_range(int64_t start, int64_t stop, uint64_t n, uint64_t *lo, uint64_t *hi) {
    int64_t len = (int64_t)n;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) return false;
    if (stop >= len) stop = len - 1;
    *lo = (uint64_t)start;
    *hi = (uint64_t)stop + 1;
    return true;
}

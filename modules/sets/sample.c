/* sample.c -- k distinct random ranks of n, visited in order (see sample.h). */
#include "sample.h"
#include "rand.h"

#include <string.h>

void sets_sample_init(keel_proc *p, sets_sample *s, uint64_t n, uint64_t k) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->k = k;
    if (k <= SETS_SAMPLE_SMALL) {
        s->ranks = keel_proc_alloc(p, sizeof *s->ranks * k);
        return;
    }
    size_t words = (size_t)((n + 63) / 64);
    s->bits = keel_proc_alloc(p, sizeof *s->bits * words);
    memset(s->bits, 0, sizeof *s->bits * words);
    s->invert = k > n / 2;
}

/* Inserts r into the sorted array unless present; true when inserted. */
static bool small_insert(sets_sample *s, uint64_t r) {
    uint64_t lo = 0, hi = s->marked;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s->ranks[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->marked && s->ranks[lo] == r) return false;
    memmove(&s->ranks[lo + 1], &s->ranks[lo], sizeof *s->ranks * (size_t)(s->marked - lo));
    s->ranks[lo] = r;
    return true;
}

bool sets_sample_draw(keel_proc *p, sets_sample *s) {
    uint64_t want = s->invert ? s->n - s->k : s->k;
    while (s->marked < want) {
        uint64_t r = sets_rand_below(s->n);
        if (s->ranks) {
            s->marked += small_insert(s, r);
        } else if (!(s->bits[r / 64] & (1ull << (r % 64)))) {
            s->bits[r / 64] |= 1ull << (r % 64);
            s->marked++;
        }
        if (keel_charge(p, 1) && s->marked < want) return false;
    }
    return true;
}

bool sets_sample_next(keel_proc *p, sets_sample *s, uint64_t *rank) {
    if (s->ranks) {
        if (s->next >= s->k) return false;
        *rank = s->ranks[s->next++];
        return true;
    }
    while (s->next < s->n) {
        uint64_t w = s->bits[s->next / 64];
        if (s->invert) w = ~w;
        w &= ~0ull << (s->next % 64);
        if (w) {
            uint64_t r = (s->next & ~63ull) + (uint64_t)__builtin_ctzll(w);
            if (r >= s->n) break;
            *rank = r;
            s->next = r + 1;
            return true;
        }
        s->next = (s->next & ~63ull) + 64;
        keel_charge(p, 1);
    }
    s->next = s->n;
    return false;
}

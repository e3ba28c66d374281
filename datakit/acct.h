/* acct.h -- internal to datakit: allocation helpers that keep a container's running byte count.
 *
 * Chunked containers report their size in O(1) by keeping the sum of their chunks' footprints
 * (usable bytes + allocator header, see mem.h) up to date: every chunk allocation, reallocation
 * and free goes through these helpers with a pointer to that sum.
 */
#ifndef DATAKIT_ACCT_H
#define DATAKIT_ACCT_H

#include <stddef.h>

#include <datakit/mem.h>

static inline void *dk_acct_malloc(size_t *acct, size_t n) {
    void *p = dk_malloc(n);
    if (p) *acct += dk_mem_footprint(p);
    return p;
}

/* Like dk_realloc: NULL on failure with p untouched (and the count unchanged). */
static inline void *dk_acct_realloc(size_t *acct, void *p, size_t n) {
    size_t old = dk_mem_footprint(p);
    void *q = dk_realloc(p, n);
    if (q) *acct = *acct - old + dk_mem_footprint(q);
    return q;
}

static inline void dk_acct_free(size_t *acct, void *p) {
    *acct -= dk_mem_footprint(p);
    dk_free(p);
}

/* Room for `need` bytes in p: reallocates only when the usable size is short, leaving up to an
 * eighth (at most `most` bytes) of headroom so that byte-at-a-time growth does not realloc on
 * every call.  The allocator's own rounding (16 bytes in glibc) is used before asking again. */
static inline void *dk_acct_grow(size_t *acct, void *p, size_t need, size_t most) {
    if (p && dk_mem_usable(p) >= need) return p;
    size_t extra = need / 8 < most ? need / 8 : most;
    return dk_acct_realloc(acct, p, need + extra);
}

/* dk_acct_grow with the default headroom (up to 64 bytes). */
static inline void *dk_acct_reserve(size_t *acct, void *p, size_t need) {
    return dk_acct_grow(acct, p, need, 64);
}

/* Gives back headroom when p holds more than a quarter (and 64 bytes) beyond `need`.  Never
 * fails: on a failed shrink p stays as it was. */
static inline void *dk_acct_trim(size_t *acct, void *p, size_t need) {
    size_t have = dk_mem_usable(p);
    if (have <= need + need / 4 + 64) return p;
    void *q = dk_acct_realloc(acct, p, need);
    return q ? q : p;
}

#endif

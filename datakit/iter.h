/* iter.h -- dk_iter, the resumable cursor shared by datakit's ordered containers.
 *
 * A cursor is a plain struct the caller owns (in a zvm register, on the stack, anywhere): it
 * holds a position number plus a cached chunk/offset so each step is O(1) while the container
 * is not modified.  Every container counts its modifications; a cursor that finds the count
 * changed re-seeks by its position number (O(log n)), so it never reads freed or stale memory,
 * but after a modification it resumes at the same position NUMBER, which may now hold another
 * element: keep the container unmodified (the zvm's key locks do this) for an exact walk.
 */
#ifndef DATAKIT_ITER_H
#define DATAKIT_ITER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_iter {
    uint64_t pos;     /* position (index / rank) of the element the next step returns */
    uint32_t chunk;   /* cached: chunk holding pos */
    uint32_t off;     /* cached: byte offset or slot of pos inside that chunk */
    uint32_t version; /* the container's modification count when the cache was filled */
    uint32_t valid;   /* nonzero when chunk/off are filled */
} dk_iter;

/* A cursor that starts at position pos (0 = first element). */
static inline dk_iter dk_iter_at(uint64_t pos) {
    dk_iter it = {0};
    it.pos = pos;
    return it;
}

#ifdef __cplusplus
}
#endif
#endif

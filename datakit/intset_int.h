/* intset_int.h -- internal to datakit: dk_intset's state, for containers that embed one.
 *
 * dk_set keeps its integer tier inline (no separate handle allocation), so it needs the struct
 * and an init/destroy pair for caller-owned storage.  Everything else goes through intset.h.
 */
#ifndef DATAKIT_INTSET_INT_H
#define DATAKIT_INTSET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <datakit/intset.h>

struct isc;
struct dk_cidx;

struct dk_intset {
    union {
        struct isc *one;     /* small tier: the only chunk, NULL when empty */
        struct dk_cidx *idx; /* chunked tier: keyed by each chunk's first member */
    } u;
    size_t bytes;     /* footprints of the chunks */
    uint32_t version; /* modification count, for cursors */
    bool chunked;
};

/* An empty set in caller-owned storage whose version starts at `version`. */
void dk_intset_init(dk_intset *s, uint32_t version);
/* Frees the chunks and index (not the storage); the set must be re-initialised to be used. */
void dk_intset_destroy(dk_intset *s);
/* Bytes of the chunks and index, without the dk_intset struct itself. */
size_t dk_intset_inner_bytes(const dk_intset *s);

#endif

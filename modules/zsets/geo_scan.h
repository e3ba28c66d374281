/* geo_scan.h -- a geo search over one sorted set that survives yields: the nine cells of a
 * shape read as score ranges, the points inside the shape kept with their distances, then
 * sorted by distance, as Redis 7.0's georadiusGeneric finds them (same cells, same order of
 * discovery, same tie order).
 *
 * The key stays locked between runs, so the set does not change while a scan is under way.
 * Members are copied into the process arena; the hit array is module memory, freed by
 * geo_scan_release (registered with keel_proc_defer_free by geo_scan_start).
 */
#ifndef KEEL_ZSETS_GEO_SCAN_H
#define KEEL_ZSETS_GEO_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/zset.h>
#include <keel/sdk.h>

#include "geohash.h"

/* One point found: its score (code), position, distance from the centre in metres, member. */
typedef struct geo_hit {
    double score, lon, lat, dist;
    const char *member; /* arena copy */
    size_t len;
} geo_hit;

typedef struct geo_scan {
    geo_shape shape;
    geo_cell cells[9];
    uint8_t cell;      /* the cell being read or next to read (9: done) */
    uint8_t last_read; /* the last cell read; 0 before any but the centre (Redis's rule) */
    bool reading;      /* the range of cell `cell` is being read: ranks [pos, end) left */
    uint64_t pos, end;
    uint64_t limit; /* ANY: stop once this many points are found (0: find all) */
    geo_hit *hits;
    size_t n, cap;
} geo_scan;

/* Prepares a scan of shape (stopping at limit hits when limit > 0) owned by p. */
keel_status geo_scan_start(keel_proc *p, geo_scan *g, const geo_shape *shape, uint64_t limit);
/* Reads on in z, charging reductions per element read: 1 when finished, 0 when p's budget
 * ran out (yield, keep the key locked and call again), -1 when out of memory. */
int geo_scan_run(keel_proc *p, geo_scan *g, const dk_zset *z);
/* Sorts the hits by distance, nearest first (desc: farthest first), keeping the order of
 * discovery among equal distances; false when out of memory. */
bool geo_scan_sort(keel_proc *p, geo_scan *g, bool desc);
/* Frees the hit array (a keel_proc_defer_free callback). */
void geo_scan_release(void *g);

/* Replies a coordinate as Redis's addReplyHumanLongDouble does ("%.17Lf" without trailing
 * zeros): a bulk string in RESP2, a double in RESP3. */
void geo_reply_coord(keel_proc *p, double d);
/* Replies a distance as Redis does ("%.4f", a bulk string in every protocol). */
void geo_reply_dist(keel_proc *p, double d);

#endif

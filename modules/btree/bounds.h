/* bounds.h -- ranges of sort keys: the bound syntax of every range command (min and max as
 * "-inf", "+inf", "key", "[key", "(key"), their ranks in a table, and a walk over a range of
 * ranks that stops when the process's time slice is spent and resumes where it stopped. */
#ifndef KEEL_BTREE_BOUNDS_H
#define KEEL_BTREE_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/map.h>
#include <keel/sdk.h>

enum { BT_BOUND_NEG = 0, BT_BOUND_POS, BT_BOUND_AT };

typedef struct bt_bound {
    int kind;
    bool excl;  /* "(key" */
    dk_val key; /* BT_BOUND_AT: a view of the argument */
} bt_bound;

/* Parses a bound: "-inf" (before every key), "+inf" or "inf" (after every key), "(key"
 * (exclusive), "[key" or a plain key (inclusive).  Never fails: any text is a key. */
void bt_parse_bound(const keel_arg *a, bt_bound *b);
/* The ranks [*lo, *hi) of the rows between min and max (empty: *lo == *hi). */
void bt_range_ranks(const dk_map *t, const bt_bound *min, const bt_bound *max, uint64_t *lo,
                    uint64_t *hi);

/* A walk over ranks [lo, hi), ascending or (rev) descending; done counts rows visited. */
typedef struct bt_walk {
    uint64_t lo, hi, done;
    bool rev;
} bt_walk;

/* Called for each row; returns false to end the walk early (a LIMIT reached).  May charge
 * reductions of its own (keel_charge), beyond the walk's cost per row. */
typedef bool (*bt_visit_fn)(keel_proc *p, void *ctx, uint64_t rank, const dk_val *k,
                            const dk_val *v);

/* Visits rows from where w stopped, charging cost reductions each: true when the walk is over
 * (every row visited, or visit ended it), false when the slice is spent (return KEEL_YIELD and
 * call again with the same w; the key stays locked, so the table is the same). */
bool bt_walk_step(keel_proc *p, const dk_map *t, bt_walk *w, int64_t cost, bt_visit_fn visit,
                  void *ctx);

#endif

/* wait_cycle.h -- wait cycles between scripts that wrote: each waits for a key another holds,
 * and none can start over (busy.c fails one of them at once, rather than all at
 * busy-reply-threshold).
 *
 * Each thread's tick publishes its limited waiters as edges "script `from` waits for a key held
 * by `to`" (lock owner tokens).  A script waits for one key at a time, so a script has at most
 * one edge.  Edges are up to one tick old when another thread reads them.  Any thread. */
#ifndef KEEL_CORE_WAIT_CYCLE_H
#define KEEL_CORE_WAIT_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct wait_edge {
    uint64_t from, to;
    int64_t from_started_ns; /* when the script `from` started: the later, the younger */
} wait_edge;

/* Replaces thread `thread`'s edges with edges[0..n). */
void wait_cycle_publish(int thread, const wait_edge *edges, int n);

/* True when following the published edges from e->to leads back to e->from, and e->from is the
 * youngest script of that cycle (the latest start; then the largest token): the one to fail,
 * so that exactly one of the cycle's threads acts. */
bool wait_cycle_victim(const wait_edge *e);

#endif

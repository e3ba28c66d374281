/* wait_cycle.c -- the published wait edges of scripts that wrote, and the search for a cycle
 * through them (wait_cycle.h). */
#include "config.h"
#include "wait_cycle.h"
#include "mem.h"
#include "server.h"

#include <pthread.h>

typedef struct edge_slot {
    wait_edge *edges;
    int n, cap;
} edge_slot;

static pthread_mutex_t cycle_mu = PTHREAD_MUTEX_INITIALIZER;
static edge_slot *slots; /* [srv->nthreads] */

void wait_cycle_publish(int thread, const wait_edge *edges, int n) {
    pthread_mutex_lock(&cycle_mu);
    if (!slots) slots = mem_calloc((size_t)srv->nthreads, sizeof *slots);
    edge_slot *s = &slots[thread];
    if (n > s->cap) {
        s->cap = n;
        s->edges = mem_realloc(s->edges, sizeof *s->edges * (size_t)n);
    }
    for (int i = 0; i < n; i++)
        s->edges[i] = edges[i];
    s->n = n;
    pthread_mutex_unlock(&cycle_mu);
}

/* The edge of the script `from`, or NULL (cycle_mu held). */
static const wait_edge *edge_of(uint64_t from) {
    for (int t = 0; slots && t < srv->nthreads; t++)
        for (int i = 0; i < slots[t].n; i++)
            if (slots[t].edges[i].from == from) return &slots[t].edges[i];
    return NULL;
}

static bool younger(const wait_edge *a, const wait_edge *b) {
    return a->from_started_ns != b->from_started_ns ? a->from_started_ns > b->from_started_ns
                                                    : a->from > b->from;
}

/* Longer chains than this are not followed (each step is a script waiting, after writing). */
#define CYCLE_MAX_STEPS 64

bool wait_cycle_victim(const wait_edge *e) {
    bool victim = false;
    pthread_mutex_lock(&cycle_mu);
    uint64_t at = e->to;
    for (int step = 0; step < CYCLE_MAX_STEPS; step++) {
        if (at == e->from) {
            victim = true;
            break;
        }
        const wait_edge *next = edge_of(at);
        if (!next || younger(next, e)) break; /* no cycle, or a younger script fails in it */
        at = next->to;
    }
    pthread_mutex_unlock(&cycle_mu);
    return victim;
}

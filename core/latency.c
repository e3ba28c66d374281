/* latency.c -- command histograms and the latency monitor (see latency.h). */
#include "config.h"
#include "latency.h"
#include "mem.h"
#include "registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define SUB_BITS 3               /* 8 buckets per power of two */
#define BUCKETS (41 << SUB_BITS) /* up to 2^41 us: 25 days */

typedef struct hist {
    _Atomic uint64_t b[BUCKETS];
} hist;

static _Atomic(hist *) *hists; /* [thread * ncmds + idx], made on first use */
static int nthr;
static size_t ncmd;

void latency_init(int nthreads, size_t ncmds) {
    nthr = nthreads;
    ncmd = ncmds;
    hists = mem_calloc((size_t)nthreads * (ncmds ? ncmds : 1), sizeof *hists);
}

/* The bucket of a latency of us microseconds: exact below 8, then 8 per power of two. */
static size_t bucket_of(uint64_t us) {
    if (us < (1u << SUB_BITS)) return (size_t)us;
    unsigned p = 63u - (unsigned)__builtin_clzll(us);
    size_t i = ((size_t)(p - SUB_BITS + 1) << SUB_BITS) +
               ((us >> (p - SUB_BITS)) & ((1u << SUB_BITS) - 1));
    return i < BUCKETS ? i : BUCKETS - 1;
}

/* The highest latency (us) bucket i holds. */
static double bucket_top(size_t i) {
    if (i < (1u << SUB_BITS)) return (double)i;
    size_t p = (i >> SUB_BITS) + SUB_BITS - 1, sub = i & ((1u << SUB_BITS) - 1);
    uint64_t low = (UINT64_C(1) << p) + ((uint64_t)sub << (p - SUB_BITS));
    return (double)(low + (UINT64_C(1) << (p - SUB_BITS)) - 1);
}

void latency_record(int t, const cmd_entry *ce, int64_t us) {
    if (!hists || t < 0 || t >= nthr || !ce || ce->stat_idx >= ncmd) return;
    _Atomic(hist *) *slot = &hists[(size_t)t * ncmd + ce->stat_idx];
    hist *h = atomic_load_explicit(slot, memory_order_relaxed);
    if (!h) { /* only thread t makes its own */
        h = mem_calloc(1, sizeof *h);
        atomic_store_explicit(slot, h, memory_order_release);
    }
    _Atomic uint64_t *c = &h->b[bucket_of(us > 0 ? (uint64_t)us : 0)];
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Sums command idx's buckets over the threads into sum; returns the calls. */
static uint64_t summed(size_t idx, uint64_t *sum) {
    memset(sum, 0, sizeof(uint64_t) * BUCKETS);
    uint64_t calls = 0;
    for (int t = 0; hists && t < nthr; t++) {
        hist *h = atomic_load_explicit(&hists[(size_t)t * ncmd + idx], memory_order_acquire);
        for (size_t i = 0; h && i < BUCKETS; i++) {
            uint64_t v = atomic_load_explicit(&h->b[i], memory_order_relaxed);
            sum[i] += v;
            calls += v;
        }
    }
    return calls;
}

bool latency_percentile(size_t idx, double q, double *us, uint64_t *calls) {
    if (idx >= ncmd) return false;
    uint64_t *sum = mem_alloc(sizeof(uint64_t) * BUCKETS);
    uint64_t n = summed(idx, sum), seen = 0;
    *calls = n;
    bool found = false;
    uint64_t want = (uint64_t)(q * (double)n + 0.5);
    if (want == 0) want = 1;
    for (size_t i = 0; n && i < BUCKETS && !found; i++) {
        seen += sum[i];
        if (seen >= want) {
            *us = bucket_top(i);
            found = true;
        }
    }
    mem_free(sum);
    return found;
}

void latency_reply_histogram(keel_proc *p, size_t idx) {
    uint64_t *sum = mem_alloc(sizeof(uint64_t) * BUCKETS);
    uint64_t calls = idx < ncmd ? summed(idx, sum) : 0;
    /* cumulative counts at each power of two that has calls below it, as Redis reports them */
    uint64_t marks[64], counts[64], seen = 0;
    size_t nm = 0;
    for (unsigned k = 0; k < 42 && seen < calls; k++) {
        uint64_t limit = UINT64_C(1) << k, below = 0;
        for (size_t i = 0; i < BUCKETS && bucket_top(i) < (double)limit; i++)
            below += sum[i];
        if (below > seen || (k == 41 && below < calls)) {
            marks[nm] = limit;
            counts[nm++] = below > seen ? below : calls;
            seen = below > seen ? below : calls;
        }
    }
    mem_free(sum);
    keel_reply_map(p, 2);
    keel_reply_bulk(p, "calls", 5);
    keel_reply_int(p, (int64_t)calls);
    keel_reply_bulk(p, "histogram_usec", 14);
    keel_reply_map(p, nm);
    for (size_t i = 0; i < nm; i++) {
        keel_reply_int(p, (int64_t)marks[i]);
        keel_reply_int(p, (int64_t)counts[i]);
    }
}

void latency_reset_histograms(void) {
    for (size_t i = 0; hists && i < (size_t)nthr * ncmd; i++) {
        hist *h = atomic_load_explicit(&hists[i], memory_order_acquire);
        for (size_t b = 0; h && b < BUCKETS; b++)
            atomic_store_explicit(&h->b[b], 0, memory_order_relaxed);
    }
}

/* ---- the latency monitor ---- */

#define SAMPLES 160

typedef struct lat_event {
    const char *name;
    int64_t time[SAMPLES], ms[SAMPLES];
    uint32_t next, count;
    int64_t max_ms;
} lat_event;

static pthread_mutex_t mon_lock = PTHREAD_MUTEX_INITIALIZER;
static lat_event events[] = {{.name = "command"}, {.name = "fast-command"}};
#define NEVENTS (sizeof events / sizeof events[0])
static _Atomic int64_t threshold_ms;

void latency_set_threshold_ms(int64_t ms) {
    atomic_store(&threshold_ms, ms);
}
int64_t latency_threshold_ms(void) {
    return atomic_load(&threshold_ms);
}

/* Adds a sample to event e (lock held): a second already sampled keeps its highest value. */
static void event_add(lat_event *e, int64_t now_s, int64_t ms) {
    uint32_t last = (e->next + SAMPLES - 1) % SAMPLES;
    if (e->count && e->time[last] == now_s) {
        if (ms > e->ms[last]) e->ms[last] = ms;
    } else {
        e->time[e->next] = now_s;
        e->ms[e->next] = ms;
        e->next = (e->next + 1) % SAMPLES;
        if (e->count < SAMPLES) e->count++;
    }
    if (ms > e->max_ms) e->max_ms = ms;
}

void latency_monitor_note(bool fast, int64_t us) {
    int64_t t = atomic_load_explicit(&threshold_ms, memory_order_relaxed);
    if (t <= 0 || us / 1000 < t) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    pthread_mutex_lock(&mon_lock);
    event_add(&events[fast ? 1 : 0], tv.tv_sec, us / 1000);
    pthread_mutex_unlock(&mon_lock);
}

void latency_reply_latest(keel_proc *p) {
    pthread_mutex_lock(&mon_lock);
    size_t n = 0;
    for (size_t i = 0; i < NEVENTS; i++)
        n += events[i].count > 0;
    keel_reply_array(p, n);
    for (size_t i = 0; i < NEVENTS; i++) {
        const lat_event *e = &events[i];
        if (!e->count) continue;
        uint32_t last = (e->next + SAMPLES - 1) % SAMPLES;
        keel_reply_array(p, 4);
        keel_reply_bulk(p, e->name, strlen(e->name));
        keel_reply_int(p, e->time[last]);
        keel_reply_int(p, e->ms[last]);
        keel_reply_int(p, e->max_ms);
    }
    pthread_mutex_unlock(&mon_lock);
}

static lat_event *event_named(const keel_arg *name) {
    for (size_t i = 0; i < NEVENTS; i++)
        if (keel_arg_is(name, events[i].name)) return &events[i];
    return NULL;
}

void latency_reply_history(keel_proc *p, const keel_arg *name) {
    pthread_mutex_lock(&mon_lock);
    const lat_event *e = event_named(name);
    uint32_t n = e ? e->count : 0;
    keel_reply_array(p, n);
    for (uint32_t i = 0; i < n; i++) { /* oldest first */
        uint32_t at = (e->next + SAMPLES - n + i) % SAMPLES;
        keel_reply_array(p, 2);
        keel_reply_int(p, e->time[at]);
        keel_reply_int(p, e->ms[at]);
    }
    pthread_mutex_unlock(&mon_lock);
}

int latency_reset_events(const keel_arg *names, uint32_t n) {
    int reset = 0;
    pthread_mutex_lock(&mon_lock);
    for (size_t i = 0; i < NEVENTS; i++) {
        bool named = n == 0;
        for (uint32_t j = 0; j < n && !named; j++)
            named = keel_arg_is(&names[j], events[i].name);
        if (!named || !events[i].count) continue;
        events[i].count = events[i].next = 0;
        events[i].max_ms = 0;
        reset++;
    }
    pthread_mutex_unlock(&mon_lock);
    return reset;
}

size_t latency_doctor(char *out, size_t cap) {
    int64_t t = atomic_load(&threshold_ms);
    if (t <= 0)
        return (size_t)snprintf(
            out, cap,
            "The latency monitor is off: set latency-monitor-threshold (milliseconds) "
            "with CONFIG SET to record requests that take longer.\n");
    size_t n = 0;
    pthread_mutex_lock(&mon_lock);
    for (size_t i = 0; i < NEVENTS && n < cap; i++) {
        const lat_event *e = &events[i];
        if (!e->count) continue;
        int64_t total = 0;
        uint32_t from = (e->next + SAMPLES - e->count) % SAMPLES;
        for (uint32_t k = 0; k < e->count; k++)
            total += e->ms[(from + k) % SAMPLES];
        n += (size_t)snprintf(
            out + n, cap - n,
            "%s: %u samples of %lld ms or more, average %lld ms, worst %lld ms. %s\n", e->name,
            e->count, (long long)t, (long long)(total / e->count), (long long)e->max_ms,
            i == 1 ? "Fast commands should not take this long: look for a busy machine or "
                     "swapping."
                   : "Look at SLOWLOG GET for the requests, and split big ones.");
    }
    pthread_mutex_unlock(&mon_lock);
    if (n == 0)
        n = (size_t)snprintf(out, cap,
                             "No request took %lld ms or more since the monitor was last reset.\n",
                             (long long)t);
    return n < cap ? n : cap - 1;
}

/* cmdstats.c -- INFO commandstats and errorstats counters (see cmdstats.h). */
#include "config.h"
#include "cmdstats.h"
#include "latency.h"
#include "mem.h"
#include "registry.h"

#include <stdatomic.h>
#include <string.h>

typedef struct cmd_counts {
    _Atomic uint64_t calls, ns, rejected, failed;
} cmd_counts;

/* Error codes counted per thread; past this many distinct ones the rest share ERRORSTATS_OTHER. */
#define ERROR_CODES 128
#define ERROR_CODE_MAX 32

typedef struct err_count {
    char code[ERROR_CODE_MAX];
    _Atomic uint64_t count;
} err_count;

typedef struct thread_stats {
    cmd_counts *cmds; /* by cmd_entry.stat_idx */
    err_count errs[ERROR_CODES];
    _Atomic uint32_t nerrs; /* codes in use (an entry's name is written before it counts) */
} thread_stats;

static thread_stats *threads;
static int nthreads;
static size_t ncmds;
static char (*names)[sizeof((cmd_entry *)0)->lname]; /* by stat_idx: entries may be unloaded */

void cmdstats_init(int n) {
    ncmds = cmd_count();
    names = mem_calloc(ncmds ? ncmds : 1, sizeof *names);
    for (size_t i = 0; i < ncmds; i++) {
        ((cmd_entry *)cmd_at(i))->stat_idx = (uint32_t)i;
        memcpy(names[i], cmd_at(i)->lname, sizeof names[i]);
    }
    nthreads = n;
    threads = mem_calloc((size_t)n, sizeof *threads);
    for (int t = 0; t < n; t++)
        threads[t].cmds = mem_calloc(ncmds ? ncmds : 1, sizeof *threads[t].cmds);
    latency_init(n, ncmds);
}

/* Adds v to a counter only its thread writes: a plain load and store, no locked instruction. */
static void bump(_Atomic uint64_t *c, uint64_t v) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

static cmd_counts *counts_of(int thread, const cmd_entry *ce) {
    if (!threads || thread < 0 || thread >= nthreads || !ce || ce->stat_idx >= ncmds) return NULL;
    return &threads[thread].cmds[ce->stat_idx];
}

void cmdstats_call(int thread, const cmd_entry *ce, int64_t ns, bool failed) {
    cmd_counts *c = counts_of(thread, ce);
    if (!c) return;
    bump(&c->calls, 1);
    bump(&c->ns, ns > 0 ? (uint64_t)ns : 0);
    if (failed) bump(&c->failed, 1);
    latency_record(thread, ce, ns / 1000);
    latency_monitor_note((ce->def->flags & KEEL_CMD_FAST) != 0, ns / 1000);
}

void cmdstats_rejected(int thread, const cmd_entry *ce) {
    cmd_counts *c = counts_of(thread, ce);
    if (c) bump(&c->rejected, 1);
}

void cmdstats_error(int thread, const char *text, size_t len) {
    if (!threads || thread < 0 || thread >= nthreads) return;
    thread_stats *ts = &threads[thread];
    size_t n = 0;
    while (n < len && n < ERROR_CODE_MAX - 1 && text[n] != ' ')
        n++;
    uint32_t used = atomic_load_explicit(&ts->nerrs, memory_order_relaxed);
    for (uint32_t i = 0; i < used; i++)
        if (!strncmp(ts->errs[i].code, text, n) && ts->errs[i].code[n] == '\0') {
            bump(&ts->errs[i].count, 1);
            return;
        }
    if (used == ERROR_CODES) return; /* as Redis, a flood of distinct codes is not tracked */
    memcpy(ts->errs[used].code, text, n);
    ts->errs[used].code[n] = '\0';
    atomic_store_explicit(&ts->errs[used].count, 1, memory_order_relaxed);
    atomic_store_explicit(&ts->nerrs, used + 1,
                          memory_order_release); /* the name is written first */
}

void cmdstats_foreach(void (*fn)(void *ctx, const char *name, const cmdstat_sum *s), void *ctx) {
    for (size_t i = 0; threads && i < ncmds; i++) {
        cmdstat_sum s = {0, 0, 0, 0};
        uint64_t ns = 0;
        for (int t = 0; t < nthreads; t++) {
            const cmd_counts *c = &threads[t].cmds[i];
            s.calls += atomic_load_explicit(&c->calls, memory_order_relaxed);
            ns += atomic_load_explicit(&c->ns, memory_order_relaxed);
            s.rejected += atomic_load_explicit(&c->rejected, memory_order_relaxed);
            s.failed += atomic_load_explicit(&c->failed, memory_order_relaxed);
        }
        s.usec = ns / 1000;
        if (s.calls || s.rejected) fn(ctx, names[i], &s);
    }
}

void cmdstats_errors_foreach(void (*fn)(void *ctx, const char *code, uint64_t count), void *ctx) {
    /* merge the threads' tables by code: a small O(codes^2) walk, codes are few */
    for (int t = 0; threads && t < nthreads; t++) {
        uint32_t used = atomic_load_explicit(&threads[t].nerrs, memory_order_acquire);
        for (uint32_t i = 0; i < used; i++) {
            const char *code = threads[t].errs[i].code;
            bool seen = false; /* reported already with an earlier thread's entry */
            for (int u = 0; u < t && !seen; u++) {
                uint32_t un = atomic_load_explicit(&threads[u].nerrs, memory_order_acquire);
                for (uint32_t j = 0; j < un && !seen; j++)
                    seen = !strcmp(threads[u].errs[j].code, code);
            }
            if (seen) continue;
            uint64_t total = 0;
            for (int u = t; u < nthreads; u++) {
                uint32_t un = atomic_load_explicit(&threads[u].nerrs, memory_order_acquire);
                for (uint32_t j = 0; j < un; j++)
                    if (!strcmp(threads[u].errs[j].code, code))
                        total +=
                            atomic_load_explicit(&threads[u].errs[j].count, memory_order_relaxed);
            }
            if (total) fn(ctx, code, total);
        }
    }
}

void cmdstats_reset(void) {
    for (int t = 0; threads && t < nthreads; t++) {
        for (size_t i = 0; i < ncmds; i++) {
            cmd_counts *c = &threads[t].cmds[i];
            atomic_store_explicit(&c->calls, 0, memory_order_relaxed);
            atomic_store_explicit(&c->ns, 0, memory_order_relaxed);
            atomic_store_explicit(&c->rejected, 0, memory_order_relaxed);
            atomic_store_explicit(&c->failed, 0, memory_order_relaxed);
        }
        for (uint32_t i = 0; i < ERROR_CODES; i++)
            atomic_store_explicit(&threads[t].errs[i].count, 0, memory_order_relaxed);
    }
    latency_reset_histograms();
}

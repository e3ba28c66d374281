/* stats.c -- named server counters, each summed from per-thread and per-shard fields. */
#include "config.h"
#include "stats.h"
#include "evict.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <keel/sdk.h>
#include <stddef.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static _Atomic int64_t ready_ms;
static _Atomic int64_t startup_bytes;

void stats_note_ready(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    atomic_store(&startup_bytes, mem_process_sample());
    atomic_store(&ready_ms, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

int64_t stats_ready_ms(void) {
    return atomic_load(&ready_ms);
}

int64_t stats_startup_bytes(void) {
    return atomic_load(&startup_bytes);
}

uint64_t stats_threads_sum(size_t offset) {
    uint64_t n = 0;
    for (int i = 0; i < srv->nthreads; i++)
        n += atomic_load_explicit((_Atomic uint64_t *)((char *)&srv->threads[i]->st + offset),
                                  memory_order_relaxed);
    return n;
}

uint64_t stats_db_sum(uint32_t db, size_t offset) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < srv->nshards; i++)
        n += atomic_load_explicit((_Atomic uint64_t *)((char *)&shard_get(i)->dbs[db] + offset),
                                  memory_order_relaxed);
    return n;
}

uint64_t stats_shards_sum(size_t offset) {
    uint64_t n = 0;
    for (uint32_t db = 0; db < srv->ndbs; db++)
        n += stats_db_sum(db, offset);
    return n;
}

/* Adds database db's expiring keys on every shard to *sum (their expiries) and *n. */
static void expiry_sums(uint32_t db, __int128 *sum, uint64_t *n) {
    for (uint32_t i = 0; i < srv->nshards; i++) {
        const shard_db *d = &shard_get(i)->dbs[db];
        uint64_t k = atomic_load_explicit(&d->expiry_mean_n, memory_order_relaxed);
        int64_t mean = atomic_load_explicit(&d->expiry_mean, memory_order_relaxed);
        /* the mean is published by the tick, the count after every write: a shard with no
         * expiring key now has none, whatever its last published mean says */
        if (atomic_load_explicit(&d->nexpires, memory_order_relaxed) == 0) continue;
        if (k == 0 || mean == DK_NO_EXPIRY) continue;
        *sum += (__int128)mean * k;
        *n += k;
    }
}

static int64_t ttl_left(__int128 sum, uint64_t n, int64_t now_ms) {
    if (n == 0) return 0;
    int64_t left = (int64_t)(sum / n) - now_ms;
    return left > 0 ? left : 0;
}

int64_t stats_avg_ttl_db(uint32_t db, int64_t now_ms) {
    __int128 sum = 0;
    uint64_t n = 0;
    expiry_sums(db, &sum, &n);
    return ttl_left(sum, n, now_ms);
}

int64_t stats_avg_ttl(int64_t now_ms) {
    __int128 sum = 0;
    uint64_t n = 0;
    for (uint32_t db = 0; db < srv->ndbs; db++)
        expiry_sums(db, &sum, &n);
    return ttl_left(sum, n, now_ms);
}

static int64_t now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

bool stats_get(const char *name, int64_t *out) {
    if (!strcmp(name, "keys"))
        *out = (int64_t)stats_shards_sum(offsetof(shard_db, nkeys));
    else if (!strcmp(name, "expires"))
        *out = (int64_t)stats_shards_sum(offsetof(shard_db, nexpires));
    else if (!strcmp(name, "used_memory"))
        *out = evict_memory_used();
    else if (!strcmp(name, "rss"))
        *out = (int64_t)mem_rss();
    else if (!strcmp(name, "connections"))
        *out = atomic_load(&srv->nclients);
    else if (!strcmp(name, "total_connections"))
        *out = atomic_load(&srv->total_connections);
    else if (!strcmp(name, "rejected_connections"))
        *out = atomic_load(&srv->rejected_connections);
    else if (!strcmp(name, "commands"))
        *out = (int64_t)stats_threads_sum(offsetof(thr_stats, commands));
    else if (!strcmp(name, "net_input_bytes"))
        *out = (int64_t)stats_threads_sum(offsetof(thr_stats, net_in));
    else if (!strcmp(name, "net_output_bytes"))
        *out = (int64_t)stats_threads_sum(offsetof(thr_stats, net_out));
    else if (!strcmp(name, "uptime"))
        *out = (now_ms() - srv->start_ms) / 1000;
    else if (!strcmp(name, "threads"))
        *out = srv->nthreads;
    else if (!strcmp(name, "expired_keys"))
        *out = atomic_load(&srv->expired_keys);
    else if (!strcmp(name, "evicted_keys"))
        *out = evict_count();
    else if (!strcmp(name, "maxmemory"))
        *out = limit_get(srv->cf.maxmemory);
    else if (!strcmp(name, "pid"))
        *out = (int64_t)getpid();
    else if (!strcmp(name, "busy_reply_threshold"))
        *out = limit_get(srv->cf.busy_reply_threshold);
    else if (!strcmp(name, "keyspace_hits") || !strcmp(name, "keyspace_misses")) {
        uint64_t n = 0;
        bool hits = name[9] == 'h';
        for (uint32_t i = 0; i < srv->nshards; i++)
            n += hits ? shard_get(i)->hits : shard_get(i)->misses;
        *out = (int64_t)n;
    } else
        return false;
    return true;
}

keel_status keel_server_stat(const char *name, int64_t *out) {
    return name && out && stats_get(name, out) ? KEEL_OK : KEEL_NOTFOUND;
}

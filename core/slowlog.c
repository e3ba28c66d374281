/* slowlog.c -- the slow log (see slowlog.h): a ring of the latest entries under a mutex. */
#include "config.h"
#include "slowlog.h"
#include "conn.h"
#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define SLOWLOG_MAX_ARGC 32    /* Redis's: the rest become "... (N more arguments)" */
#define SLOWLOG_MAX_ARGLEN 128 /* ... and "... (N more bytes)" */

typedef struct slow_entry {
    uint64_t id;
    int64_t unix_s, us;
    uint32_t argc;
    keel_arg *argv; /* one allocation with the bytes */
    char addr[64], name[64];
} slow_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slow_entry *ring; /* newest at (head - 1) */
static size_t cap, head, count;
static uint64_t next_id;
static _Atomic int64_t threshold_us = 10000;
static _Atomic int64_t max_len = 128;

void slowlog_set_threshold_us(int64_t us) {
    atomic_store(&threshold_us, us);
}
int64_t slowlog_threshold_us(void) {
    return atomic_load(&threshold_us);
}
int64_t slowlog_max_len(void) {
    return atomic_load(&max_len);
}

bool slowlog_wanted(int64_t us) {
    int64_t t = atomic_load_explicit(&threshold_us, memory_order_relaxed);
    return t >= 0 && us >= t;
}

static void entry_free(slow_entry *e) {
    mem_free(e->argv);
    e->argv = NULL;
}

/* Keeps the newest n entries (lock held). */
static void trim_to(size_t n) {
    while (count > n) {
        entry_free(&ring[(head + cap - count) % cap]);
        count--;
    }
}

void slowlog_set_max_len(int64_t n) {
    pthread_mutex_lock(&lock);
    atomic_store(&max_len, n < 0 ? 0 : n);
    if (cap) trim_to((size_t)atomic_load(&max_len));
    pthread_mutex_unlock(&lock);
}

/* The entry's arguments as Redis keeps them. */
static keel_arg *copy_args(uint32_t argc, const keel_arg *argv, uint32_t *out_argc) {
    uint32_t n = argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : argc;
    size_t bytes = sizeof(keel_arg) * n; /* each argument as kept, plus room for its note */
    for (uint32_t i = 0; i < n; i++)
        bytes += (argv[i].len < SLOWLOG_MAX_ARGLEN ? argv[i].len : SLOWLOG_MAX_ARGLEN) + 40;
    keel_arg *v = mem_alloc(bytes);
    char *w = (char *)(v + n);
    for (uint32_t i = 0; i < n; i++) {
        int len;
        if (i == n - 1 && argc > n) {
            len = sprintf(w, "... (%u more arguments)", argc - n + 1);
        } else if (argv[i].len > SLOWLOG_MAX_ARGLEN) {
            memcpy(w, argv[i].ptr, SLOWLOG_MAX_ARGLEN);
            len = SLOWLOG_MAX_ARGLEN + sprintf(w + SLOWLOG_MAX_ARGLEN, "... (%zu more bytes)",
                                               argv[i].len - SLOWLOG_MAX_ARGLEN);
        } else {
            memcpy(w, argv[i].ptr, argv[i].len);
            len = (int)argv[i].len;
        }
        v[i].ptr = w;
        v[i].len = (size_t)len;
        w += len;
    }
    *out_argc = n;
    return v;
}

void slowlog_record(int64_t us, uint32_t argc, const keel_arg *argv, const conn *c) {
    int64_t keep = atomic_load(&max_len);
    if (keep <= 0) return;
    slow_entry e = {.us = us};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    e.unix_s = tv.tv_sec;
    e.argv = copy_args(argc, argv, &e.argc);
    if (c) { /* on c's own thread, where its name is written (CLIENT SETNAME) */
        snprintf(e.addr, sizeof e.addr, "%s", c->addr);
        snprintf(e.name, sizeof e.name, "%s", c->name ? c->name : "");
    }
    pthread_mutex_lock(&lock);
    if (cap < (size_t)keep) { /* grow to the configured length, keeping order */
        slow_entry *bigger = mem_calloc((size_t)keep, sizeof *bigger);
        for (size_t i = 0; i < count; i++)
            bigger[i] = ring[(head + cap - count + i) % cap];
        mem_free(ring);
        ring = bigger;
        cap = (size_t)keep;
        head = count % cap;
    }
    trim_to((size_t)keep - 1);
    e.id = next_id++;
    ring[head] = e;
    head = (head + 1) % cap;
    count++;
    pthread_mutex_unlock(&lock);
}

void slowlog_reply_get(keel_proc *p, int64_t want) {
    pthread_mutex_lock(&lock);
    size_t n = want < 0 || (uint64_t)want > count ? count : (size_t)want;
    keel_reply_array(p, n);
    for (size_t i = 0; i < n; i++) { /* newest first */
        const slow_entry *e = &ring[(head + cap - 1 - i) % cap];
        keel_reply_array(p, 6);
        keel_reply_int(p, (int64_t)e->id);
        keel_reply_int(p, e->unix_s);
        keel_reply_int(p, e->us);
        keel_reply_array(p, e->argc);
        for (uint32_t a = 0; a < e->argc; a++)
            keel_reply_bulk(p, e->argv[a].ptr, e->argv[a].len);
        keel_reply_bulk(p, e->addr, strlen(e->addr));
        keel_reply_bulk(p, e->name, strlen(e->name));
    }
    pthread_mutex_unlock(&lock);
}

uint64_t slowlog_len(void) {
    pthread_mutex_lock(&lock);
    uint64_t n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

void slowlog_reset(void) {
    pthread_mutex_lock(&lock);
    trim_to(0);
    pthread_mutex_unlock(&lock);
}

/* mem.c -- counted allocation: a relaxed atomic counter of usable bytes. */
#include "config.h"
#include "mem.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int64_t mem_total;

/* The emergency reserve: a block taken at startup (address space, not touched) and handed back
 * to the allocator when an allocation fails, so the request in progress, and its error reply,
 * can finish instead of the server aborting.  The tick takes it again once memory allows. */
static void *_Atomic mem_reserve_block;
static _Atomic int64_t mem_reserve_uses;

static void mem_oom(size_t n) {
    fprintf(stderr, "keel: out of memory allocating %zu bytes (the emergency reserve is spent)\n",
            n);
    abort();
}

void mem_account(int64_t delta) {
    atomic_fetch_add_explicit(&mem_total, delta, memory_order_relaxed);
}

/* Gives the reserve back to the allocator: true when there was one to give. */
static bool mem_reserve_release(void) {
    void *b = atomic_exchange(&mem_reserve_block, NULL);
    if (!b) return false;
    free(b);
    atomic_fetch_add_explicit(&mem_reserve_uses, 1, memory_order_relaxed);
    return true;
}

void mem_reserve_refill(void) {
    if (atomic_load_explicit(&mem_reserve_block, memory_order_relaxed)) return;
    void *b = malloc(MEM_RESERVE_BYTES), *none = NULL;
    if (b && !atomic_compare_exchange_strong(&mem_reserve_block, &none, b)) free(b);
}

bool mem_reserve_held(void) {
    return atomic_load_explicit(&mem_reserve_block, memory_order_relaxed) != NULL;
}

int64_t mem_reserve_used(void) {
    return atomic_load_explicit(&mem_reserve_uses, memory_order_relaxed);
}

void *mem_try_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p) mem_account((int64_t)malloc_usable_size(p));
    return p;
}

void *mem_try_realloc(void *p, size_t n) {
    if (!p) return mem_try_alloc(n);
    int64_t before = (int64_t)malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (q) mem_account((int64_t)malloc_usable_size(q) - before);
    return q;
}

void *mem_alloc(size_t n) {
    void *p = mem_try_alloc(n);
    while (!p) {
        if (!mem_reserve_release()) mem_oom(n);
        p = mem_try_alloc(n);
    }
    return p;
}

void *mem_calloc(size_t count, size_t n) {
    void *p = calloc(count ? count : 1, n ? n : 1);
    while (!p) {
        if (!mem_reserve_release()) mem_oom(count * n);
        p = calloc(count ? count : 1, n ? n : 1);
    }
    mem_account((int64_t)malloc_usable_size(p));
    return p;
}

void *mem_realloc(void *p, size_t n) {
    void *q = mem_try_realloc(p, n);
    while (!q) {
        if (!mem_reserve_release()) mem_oom(n);
        q = mem_try_realloc(p, n);
    }
    return q;
}

void mem_free(void *p) {
    if (!p) return;
    mem_account(-(int64_t)malloc_usable_size(p));
    free(p);
}

char *mem_strndup(const char *s, size_t n) {
    char *d = mem_alloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int64_t mem_used(void) {
    return atomic_load_explicit(&mem_total, memory_order_relaxed);
}

static _Atomic int64_t process_peak;

/* What the allocator counts for the reserve while it is held: address space never touched, so
 * it is no memory the process holds (it is not in the RSS either) and used_memory leaves it out. */
static int64_t reserve_counted(void) {
    void *b = atomic_load_explicit(&mem_reserve_block, memory_order_relaxed);
    if (!b) return 0;
#ifdef __SANITIZE_ADDRESS__
    return MEM_RESERVE_BYTES;
#else
    return (int64_t)(malloc_usable_size(b) +
                     2 * sizeof(size_t)); /* an mmapped chunk and its header */
#endif
}

#ifdef __SANITIZE_ADDRESS__
/* AddressSanitizer replaces malloc, and its allocator answers mallinfo2 with zeros: ask it. */
size_t __sanitizer_get_current_allocated_bytes(void);
static int64_t allocator_used(void) {
    return (int64_t)__sanitizer_get_current_allocated_bytes() - reserve_counted();
}
#else
static int64_t allocator_used(void) {
    struct mallinfo2 mi = mallinfo2();
    return (int64_t)(mi.uordblks + mi.hblkhd) - reserve_counted();
}
#endif

int64_t mem_process_used(void) {
    return allocator_used();
}

#ifdef __SANITIZE_ADDRESS__
size_t __sanitizer_get_heap_size(void);
void mem_allocator_stats(int64_t *allocated, int64_t *active) {
    *allocated = allocator_used();
    *active = (int64_t)__sanitizer_get_heap_size();
}
#else
void mem_allocator_stats(int64_t *allocated, int64_t *active) {
    struct mallinfo2 mi = mallinfo2();
    *allocated = (int64_t)(mi.uordblks + mi.hblkhd) - reserve_counted();
    *active = (int64_t)(mi.arena + mi.hblkhd) - reserve_counted(); /* in use plus free chunks */
}
#endif

int64_t mem_process_sample(void) {
    int64_t used = allocator_used();
    int64_t peak = atomic_load_explicit(&process_peak, memory_order_relaxed);
    while (used > peak &&
           !atomic_compare_exchange_weak_explicit(&process_peak, &peak, used, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    return used;
}

int64_t mem_process_peak(void) {
    return atomic_load_explicit(&process_peak, memory_order_relaxed);
}

size_t mem_rss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

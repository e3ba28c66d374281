/* mem.h -- counted allocation for the core and modules: every byte shows up in INFO memory. */
#ifndef KEEL_CORE_MEM_H
#define KEEL_CORE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Like malloc/calloc/realloc/free, but counted (usable size, allocator slack included).
 * mem_alloc never returns NULL: when the allocator fails, the emergency reserve is handed back
 * to it and the allocation tried again; only when the reserve is spent too does the server
 * abort.  Request paths that can fail a request instead use mem_try_alloc/mem_try_realloc. */
void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t n);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
char *mem_strndup(const char *s, size_t n);

/* The same, NULL (p untouched) when the allocator has no memory: the caller fails its request. */
void *mem_try_alloc(size_t n);
void *mem_try_realloc(void *p, size_t n);

/* The emergency reserve (address space the allocator gets back when it runs out).  Refill takes
 * it (again) when it is not held and memory allows: at startup and on every memory sample. */
#define MEM_RESERVE_BYTES (16u * 1024 * 1024)
void mem_reserve_refill(void);
bool mem_reserve_held(void);
/* How many times the reserve was handed back since start. */
int64_t mem_reserve_used(void);

/* Bytes currently allocated through these calls (all threads). */
int64_t mem_used(void);
/* Bytes the whole process has allocated and not freed, as the allocator counts them: the core,
 * every module and library (datakit's tables and containers included).  This is INFO's
 * used_memory.  It walks the allocator's arenas: call it for reports, not per request. */
int64_t mem_process_used(void);
/* The allocator's own view (INFO allocator_*): bytes handed out, and bytes it holds from the
 * system for them (free chunks included). */
void mem_allocator_stats(int64_t *allocated, int64_t *active);
/* mem_process_used(), also raising the recorded peak to it.  Worker thread 0 calls it every
 * 100 ms (so the peak follows the process between reports) and INFO on each call. */
int64_t mem_process_sample(void);
/* The largest mem_process_sample() has seen (INFO's used_memory_peak). */
int64_t mem_process_peak(void);
/* Adjusts the counter for memory a library allocated itself and reported (e.g. datakit). */
void mem_account(int64_t delta);
/* Resident set size of the process in bytes, from /proc/self/statm (0 if unknown). */
size_t mem_rss(void);

#endif

/* mem.h -- counted allocation for the core and modules: every byte shows up in INFO memory. */
#ifndef KEEL_CORE_MEM_H
#define KEEL_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Like malloc/calloc/realloc/free, but counted (usable size, allocator slack included).
 * mem_alloc never returns NULL: running out of memory aborts with a log line, as Redis does. */
void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t n);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
char *mem_strndup(const char *s, size_t n);

/* Bytes currently allocated through these calls (all threads). */
int64_t mem_used(void);
/* Bytes the whole process has allocated and not freed, as the allocator counts them: the core,
 * every module and library (datakit's tables and containers included).  This is INFO's
 * used_memory.  It walks the allocator's arenas: call it for reports, not per request. */
int64_t mem_process_used(void);
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

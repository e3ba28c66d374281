/* mem.h -- datakit's allocation wrappers and byte accounting (every datakit allocation goes here).
 *
 * All of libdatakit allocates through dk_malloc/dk_calloc/dk_realloc/dk_free so that one place
 * decides the allocator, and every structure can report the exact bytes it holds with
 * dk_mem_footprint(): the usable size the allocator really gave (slack included) plus the
 * allocator's own per-chunk header.  Nothing here keeps global state.
 */
#ifndef DATAKIT_MEM_H
#define DATAKIT_MEM_H

#include <stddef.h>
#include <stdlib.h>
#if defined(__APPLE__)
#include <malloc/malloc.h>
#define dk_mem_usable_size_(p) malloc_size(p)
#else
#include <malloc.h>
#define dk_mem_usable_size_(p) malloc_usable_size(p)
#endif

/* Bytes the allocator keeps in front of each chunk (glibc: the size word). */
#define DK_MEM_CHUNK_HEADER sizeof(size_t)

static inline void *dk_malloc(size_t n) {
    return malloc(n);
}
static inline void *dk_calloc(size_t count, size_t size) {
    return calloc(count, size);
}
/* Like realloc: on failure returns NULL and p is untouched. */
static inline void *dk_realloc(void *p, size_t n) {
    return realloc(p, n);
}
static inline void dk_free(void *p) {
    free(p);
}

/* Usable bytes of a live allocation (>= what was asked); 0 for NULL. */
static inline size_t dk_mem_usable(const void *p) {
    return p ? dk_mem_usable_size_((void *)p) : 0;
}

/* Everything an allocation costs: usable bytes plus the allocator's chunk header; 0 for NULL. */
static inline size_t dk_mem_footprint(const void *p) {
    return p ? dk_mem_usable_size_((void *)p) + DK_MEM_CHUNK_HEADER : 0;
}

#endif

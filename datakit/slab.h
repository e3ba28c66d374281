/* slab.h -- internal to datakit: variable-size records in per-size-class pages, named by 32-bit
 * ids.
 *
 * A record of up to DK_SLAB_MAX bytes lives in a slot of a page of its size class (1-byte
 * steps up to 64 bytes, 2-byte steps up to 512, 16-byte steps up to 1024), with no header of
 * its own: the slot is exactly the class size.  Bigger records get a page of their own (one
 * allocation of exactly their size).  An id is (page number << 12 | slot), never 0; pages are
 * never moved, so a record's address is stable until it is freed.  Free slots form a list
 * inside their page; an emptied page is released unless it is its class's last and small,
 * and the page array goes with the last page.
 */
#ifndef DATAKIT_SLAB_H
#define DATAKIT_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DK_SLAB_MAX 1024
#define DK_SLAB_SLOT_BITS 12
#define DK_SLAB_MAX_PAGES ((uint32_t)1 << (32 - DK_SLAB_SLOT_BITS))
#define DK_SLAB_CLASSES (59 + 224 + 32) /* 6..64 by 1, 66..512 by 2, 528..1024 by 16 */
#define DK_SLAB_LARGE 0xffff            /* page class of a single large record */
#define DK_SLAB_UNUSED 0xfffe           /* page class of an unused page number */

typedef struct dk_slab_page {
    uint8_t *mem;
    uint32_t slot_size; /* bytes per slot (a large record: its size) */
    uint16_t nslots;
    uint16_t used;
    uint16_t free_head;  /* first free slot + 1; 0 = none */
    uint16_t bump;       /* slots >= bump were never handed out */
    uint16_t cls;        /* size class, DK_SLAB_LARGE or DK_SLAB_UNUSED */
    uint32_t prev, next; /* the class's list of pages with room; unused list */
} dk_slab_page;

typedef struct dk_slab {
    dk_slab_page *pages; /* indexed by page number; [0] is never used */
    uint32_t npages, cap;
    uint32_t live;                  /* page numbers in use */
    uint32_t unused;                /* list of unused page numbers (through .next) */
    uint32_t room[DK_SLAB_CLASSES]; /* first page of the class with a free slot */
    uint16_t class_pages[DK_SLAB_CLASSES];
    size_t bytes;      /* page memory and the page array, slack included */
    size_t free_bytes; /* bytes of the pages' free slots (reused by the next
                          records of their class) */
} dk_slab;

void dk_slab_init(dk_slab *s);
/* Frees every page. */
void dk_slab_release(dk_slab *s);

/* A slot for a record of `size` bytes (>= 6), or 0 when memory (or the id space) ran out. */
uint32_t dk_slab_alloc(dk_slab *s, size_t size);
void dk_slab_free(dk_slab *s, uint32_t id);
/* True when a record of `size` bytes would get a slot of id's size class (so it can be
 * rewritten in place). */
bool dk_slab_fits(const dk_slab *s, uint32_t id, size_t size);
/* Calls fn for every record in use, page by page and slot by slot: memory order, so a walk of
 * every record reads its pages front to back.  fn must not allocate or free records. */
void dk_slab_each(const dk_slab *s, void (*fn)(void *ctx, uint32_t id), void *ctx);

static inline uint8_t *dk_slab_ptr(const dk_slab *s, uint32_t id) {
    const dk_slab_page *p = &s->pages[id >> DK_SLAB_SLOT_BITS];
    return p->mem + (size_t)(id & ((1u << DK_SLAB_SLOT_BITS) - 1)) * p->slot_size;
}

static inline size_t dk_slab_bytes(const dk_slab *s) {
    return s->bytes;
}
static inline size_t dk_slab_free_bytes(const dk_slab *s) {
    return s->free_bytes;
}

#endif

/* slab.c -- dk_slab: the keyspace table's record storage (see slab.h). */
#include "slab.h"

#include <assert.h>
#include <string.h>

#include "mem.h"

#define SLOT_MASK ((1u << DK_SLAB_SLOT_BITS) - 1)
#define MAX_SLOTS (1u << DK_SLAB_SLOT_BITS)
#define PAGE_BYTES_MAX 65536
#define PAGE_BYTES_FIRST 512
#define MIN_RECORD 6

static unsigned class_of(size_t size) {
    if (size < MIN_RECORD) size = MIN_RECORD;
    if (size <= 64) return (unsigned)(size - MIN_RECORD);
    if (size <= 512) return 59 + (unsigned)((size - 65) / 2);
    return 283 + (unsigned)((size - 513) / 16);
}

static uint32_t class_size(unsigned cls) {
    if (cls < 59) return cls + MIN_RECORD;
    if (cls < 283) return 66 + 2 * (cls - 59);
    return 528 + 16 * (cls - 283);
}

void dk_slab_init(dk_slab *s) {
    memset(s, 0, sizeof *s);
}

void dk_slab_release(dk_slab *s) {
    for (uint32_t i = 1; i < s->npages; i++)
        if (s->pages[i].cls != DK_SLAB_UNUSED) dk_free(s->pages[i].mem);
    dk_free(s->pages);
    dk_slab_init(s);
}

/* A page number whose struct is free to fill, or 0. */
static uint32_t page_number(dk_slab *s) {
    if (s->unused) {
        uint32_t n = s->unused;
        s->unused = s->pages[n].next;
        return n;
    }
    if (s->npages == 0) s->npages = 1; /* page 0 is never used: id 0 means none */
    if (s->npages == DK_SLAB_MAX_PAGES) return 0;
    if (s->npages >= s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        size_t before = dk_mem_footprint(s->pages);
        dk_slab_page *p = dk_realloc(s->pages, cap * sizeof *p);
        if (!p) return 0;
        s->bytes += dk_mem_footprint(p) - before;
        s->pages = p;
        s->cap = cap;
    }
    return s->npages++;
}

static void page_number_unuse(dk_slab *s, uint32_t n) {
    s->pages[n].cls = DK_SLAB_UNUSED;
    s->pages[n].mem = NULL;
    s->pages[n].next = s->unused;
    s->unused = n;
}

static void room_push(dk_slab *s, unsigned cls, uint32_t n) {
    dk_slab_page *p = &s->pages[n];
    p->prev = 0;
    p->next = s->room[cls];
    if (p->next) s->pages[p->next].prev = n;
    s->room[cls] = n;
}

static void room_remove(dk_slab *s, unsigned cls, uint32_t n) {
    dk_slab_page *p = &s->pages[n];
    if (p->prev)
        s->pages[p->prev].next = p->next;
    else
        s->room[cls] = p->next;
    if (p->next) s->pages[p->next].prev = p->prev;
    p->prev = p->next = 0;
}

/* Slots of a class's next page when it has k pages: doubling from about PAGE_BYTES_FIRST
 * up to PAGE_BYTES_MAX (and MAX_SLOTS). */
static uint32_t page_slots(uint32_t size, unsigned k) {
    uint32_t most = PAGE_BYTES_MAX / size;
    uint32_t slots = PAGE_BYTES_FIRST / size;
    if (most > MAX_SLOTS) most = MAX_SLOTS;
    if (slots < 2) slots = 2;
    for (; k > 0 && slots < most; k--)
        slots *= 2;
    return slots < most ? slots : most;
}

/* Adds a page to class cls. */
static uint32_t page_new(dk_slab *s, unsigned cls) {
    uint32_t size = class_size(cls);
    uint32_t slots = page_slots(size, s->class_pages[cls]);
    uint32_t n = page_number(s);
    if (!n) return 0;
    uint8_t *mem = dk_malloc((size_t)slots * size);
    if (!mem) {
        page_number_unuse(s, n);
        return 0;
    }
    s->bytes += dk_mem_footprint(mem);
    s->free_bytes += (size_t)slots * size;
    s->live++;
    dk_slab_page *p = &s->pages[n];
    memset(p, 0, sizeof *p);
    p->mem = mem;
    p->slot_size = size;
    p->nslots = (uint16_t)slots;
    p->cls = (uint16_t)cls;
    s->class_pages[cls]++;
    room_push(s, cls, n);
    return n;
}

static uint32_t alloc_large(dk_slab *s, size_t size) {
    if (size > UINT32_MAX) return 0;
    uint32_t n = page_number(s);
    if (!n) return 0;
    uint8_t *mem = dk_malloc(size);
    if (!mem) {
        page_number_unuse(s, n);
        return 0;
    }
    s->bytes += dk_mem_footprint(mem);
    s->live++;
    dk_slab_page *p = &s->pages[n];
    memset(p, 0, sizeof *p);
    p->mem = mem;
    p->slot_size = (uint32_t)size;
    p->nslots = 1;
    p->used = 1;
    p->bump = 1;
    p->cls = DK_SLAB_LARGE;
    return n << DK_SLAB_SLOT_BITS;
}

uint32_t dk_slab_alloc(dk_slab *s, size_t size) {
    if (size > DK_SLAB_MAX) return alloc_large(s, size);
    unsigned cls = class_of(size);
    uint32_t n = s->room[cls];
    if (!n && !(n = page_new(s, cls))) return 0;
    dk_slab_page *p = &s->pages[n];
    uint32_t slot;
    if (p->free_head) {
        slot = p->free_head - 1u;
        uint16_t next;
        memcpy(&next, p->mem + (size_t)slot * p->slot_size, sizeof next);
        p->free_head = next;
    } else {
        slot = p->bump++;
    }
    p->used++;
    s->free_bytes -= p->slot_size;
    if (!p->free_head && p->bump == p->nslots) room_remove(s, cls, n);
    return (n << DK_SLAB_SLOT_BITS) | slot;
}

/* Frees page n; the page array too once no page is left. */
static void page_release(dk_slab *s, uint32_t n) {
    dk_slab_page *p = &s->pages[n];
    s->bytes -= dk_mem_footprint(p->mem);
    dk_free(p->mem);
    page_number_unuse(s, n);
    if (--s->live == 0) dk_slab_release(s);
}

void dk_slab_free(dk_slab *s, uint32_t id) {
    uint32_t n = id >> DK_SLAB_SLOT_BITS, slot = id & SLOT_MASK;
    dk_slab_page *p = &s->pages[n];
    assert(n && n < s->npages && p->used > 0);
    if (p->cls == DK_SLAB_LARGE) {
        page_release(s, n);
        return;
    }
    unsigned cls = p->cls;
    bool was_full = !p->free_head && p->bump == p->nslots;
    uint16_t next = p->free_head;
    memcpy(p->mem + (size_t)slot * p->slot_size, &next, sizeof next);
    p->free_head = (uint16_t)(slot + 1);
    p->used--;
    s->free_bytes += p->slot_size;
    if (was_full) room_push(s, cls, n);
    /* An emptied page goes, unless it is the class's only page with room and a small one
     * (so one key coming and going does not allocate and free a big page each time). */
    if (p->used == 0 && (p->prev || p->next || p->nslots > page_slots(p->slot_size, 0))) {
        room_remove(s, cls, n);
        s->class_pages[cls]--;
        s->free_bytes -= (size_t)p->nslots * p->slot_size;
        page_release(s, n);
    }
}

bool dk_slab_fits(const dk_slab *s, uint32_t id, size_t size) {
    const dk_slab_page *p = &s->pages[id >> DK_SLAB_SLOT_BITS];
    if (p->cls == DK_SLAB_LARGE) return false;
    return size <= DK_SLAB_MAX && class_of(size) == p->cls;
}

/* Marks page p's free slots in `free` (one bit a slot below bump). */
static void mark_free(const dk_slab_page *p, uint64_t *free) {
    memset(free, 0, ((size_t)p->bump + 63) / 64 * sizeof *free);
    uint16_t head = p->free_head;
    for (uint32_t n = 0; head && n < p->nslots; n++) {
        uint32_t slot = head - 1u;
        free[slot / 64] |= (uint64_t)1 << (slot % 64);
        memcpy(&head, p->mem + (size_t)slot * p->slot_size, sizeof head);
    }
}

void dk_slab_each(const dk_slab *s, void (*fn)(void *ctx, uint32_t id), void *ctx) {
    uint64_t free[MAX_SLOTS / 64];
    for (uint32_t n = 1; n < s->npages; n++) {
        const dk_slab_page *p = &s->pages[n];
        if (p->cls == DK_SLAB_UNUSED || !p->used) continue;
        if (p->cls == DK_SLAB_LARGE) {
            fn(ctx, n << DK_SLAB_SLOT_BITS);
            continue;
        }
        mark_free(p, free);
        for (uint32_t slot = 0; slot < p->bump; slot++)
            if (!(free[slot / 64] >> (slot % 64) & 1)) fn(ctx, n << DK_SLAB_SLOT_BITS | slot);
    }
}

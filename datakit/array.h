/* array.h -- dk_array: a resizable array of fixed-width elements (1, 2, 4, 8 or 16 bytes).
 *
 * Elements are opaque blobs of `width` bytes stored back to back, no per-element overhead.
 * Pointers returned by dk_array_at() stay valid until the next call that changes the length or
 * capacity.  Growth by push/insert is geometric (amortised O(1) appends); dk_array_resize and
 * dk_array_shrink allocate exactly.  Single-threaded.
 */
#ifndef DATAKIT_ARRAY_H
#define DATAKIT_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_array dk_array;

/* A new empty array of `width`-byte elements; NULL if width is not 1, 2, 4, 8 or 16 or when
 * out of memory. */
dk_array *dk_array_new(unsigned width);
void dk_array_free(dk_array *a);

size_t dk_array_len(const dk_array *a);
unsigned dk_array_width(const dk_array *a);
/* Every byte the array owns: the handle, the element storage and allocator slack. */
size_t dk_array_bytes(const dk_array *a);

/* Address of element i (i < len), valid until the length or capacity next changes. */
void *dk_array_at(const dk_array *a, size_t i);
/* Copies element i (i < len) to out / from in (`width` bytes). */
void dk_array_get(const dk_array *a, size_t i, void *out);
void dk_array_set(dk_array *a, size_t i, const void *in);

/* Integer view for widths up to 8: the element as an unsigned number (zero-extended on get,
 * truncated to the width on set). */
uint64_t dk_array_get_u64(const dk_array *a, size_t i);
void dk_array_set_u64(dk_array *a, size_t i, uint64_t v);

/* Appends / inserts before position i (i <= len) one element copied from in (in may be NULL for
 * a zeroed element).  False when out of memory (the array is unchanged). */
bool dk_array_push(dk_array *a, const void *in);
bool dk_array_insert(dk_array *a, size_t i, const void *in);
/* Removes the last element, copying it to out when out is not NULL; false when empty. */
bool dk_array_pop(dk_array *a, void *out);
/* Removes n elements starting at i (clamped to the end). */
void dk_array_delete(dk_array *a, size_t i, size_t n);
/* Sets the length to n: new elements are zero; storage is reallocated to exactly n elements.
 * False when out of memory (unchanged). */
bool dk_array_resize(dk_array *a, size_t n);
/* Makes room for at least n elements without changing the length. */
bool dk_array_reserve(dk_array *a, size_t n);
/* Releases unused capacity. */
void dk_array_shrink(dk_array *a);

#ifdef __cplusplus
}
#endif
#endif

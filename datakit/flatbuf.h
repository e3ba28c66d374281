/* flatbuf.h -- dk_flat: a pointer-free packed array of boxes, walkable both ways.
 *
 * One allocation: an 8-byte header (bytes used, element count) then the elements back to back.
 * Each element is a packed box (box.h) followed by its "back length": the box's size written
 * as a reversed varint (1 byte below 128, 2 below 16384, ...), so from the end of an element
 * the start is found without parsing.  An integer 0..63 costs 2 bytes, 64..4159 costs 3, an
 * n-byte string (n < 127) n + 2.  Elements are addressed by byte offset (0 = first,
 * dk_flat_end() = one past the last); offsets and views stay valid until the next call that
 * modifies the buffer.
 *
 * Calls that modify take the buffer by address (dk_flat **) because they may move it; on
 * failure they return false with the buffer unchanged.  A buffer holds at most 4 GiB.
 * Single-threaded.
 */
#ifndef DATAKIT_FLATBUF_H
#define DATAKIT_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_flat dk_flat;

#define DK_FLAT_NONE SIZE_MAX

/* A new empty buffer (NULL when out of memory). */
dk_flat *dk_flat_new(void);
void dk_flat_free(dk_flat *f);

size_t dk_flat_count(const dk_flat *f);
/* Bytes the elements take (header excluded); also the offset one past the last element. */
size_t dk_flat_end(const dk_flat *f);
/* Every byte the buffer owns: header, elements and allocator slack. */
size_t dk_flat_bytes(const dk_flat *f);
/* Bytes v takes as an element (box + back length). */
size_t dk_flat_elem_size(const dk_val *v);

/* Walking.  next: off < end; prev: 0 < off <= end; last: count > 0. */
size_t dk_flat_next(const dk_flat *f, size_t off);
size_t dk_flat_prev(const dk_flat *f, size_t off);
size_t dk_flat_last(const dk_flat *f);
/* The element at off (off < end) as a view into the buffer; returns the next element's offset. */
size_t dk_flat_get(const dk_flat *f, size_t off, dk_val *out);
/* Offset of element number i (i <= count; count gives end), walking from the nearer end. */
size_t dk_flat_seek(const dk_flat *f, size_t i);
/* Offset of the first element at or after `from` equal to v (dk_val_eq), or DK_FLAT_NONE. */
size_t dk_flat_find(const dk_flat *f, size_t from, const dk_val *v);

/* Inserts v before the element at off (off == end appends). */
bool dk_flat_insert(dk_flat **fp, size_t off, const dk_val *v);
/* Replaces the element at off with v. */
bool dk_flat_replace(dk_flat **fp, size_t off, const dk_val *v);
/* Deletes n elements starting at off (clamped to the end); never fails, may shrink the buffer. */
void dk_flat_delete(dk_flat **fp, size_t off, size_t n);
/* Moves the elements from off to the end into a new buffer (*right).  False when out of
 * memory (nothing moved). */
bool dk_flat_split(dk_flat **fp, size_t off, dk_flat **right);
/* Appends every element of src (unchanged) to *fp. */
bool dk_flat_concat(dk_flat **fp, const dk_flat *src);

#ifdef __cplusplus
}
#endif
#endif

/* row.h -- dk_row: a small record of named fields packed into one byte string.
 *
 * A row is a run of (name, value) pairs, each packed as two boxes (box.h) back to back: the name
 * a bytes box (1 to DK_ROW_NAME_MAX bytes), the value any storable box.  Names are unique within
 * a row; fields keep the order they were packed in.  There is no header and no pointer: a row of
 * n fields costs its names' and values' bytes plus about two type/length bytes per box, so it can
 * live inside another container's value (the btree module keeps one per row of a table).
 *
 * Reads are linear in the row's size (rows are small: at most DK_ROW_FIELDS_MAX fields), and
 * return views into the row's bytes.  dk_row_check validates bytes read from a file before any
 * other call trusts them.
 */
#ifndef DATAKIT_ROW_H
#define DATAKIT_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most fields a row holds, and the longest field name. */
#define DK_ROW_FIELDS_MAX 256
#define DK_ROW_NAME_MAX 256

/* One field: name is a bytes value, val any storable box (views). */
typedef struct dk_field {
    dk_val name;
    dk_val val;
} dk_field;

/* Bytes dk_row_pack needs for fields f[0..n); 0 when they cannot form a row (too many fields, a
 * name that is not 1..DK_ROW_NAME_MAX bytes, a value that is not storable, a name twice). */
size_t dk_row_size(const dk_field *f, size_t n);
/* Packs f[0..n) (which dk_row_size accepted) into out; returns the bytes written. */
size_t dk_row_pack(const dk_field *f, size_t n, uint8_t *out);

/* The value of field name[0..nlen) (a view); false when the row has no such field. */
bool dk_row_get(const uint8_t *row, size_t len, const void *name, size_t nlen, dk_val *val);
/* Steps through the fields in order: start with *off = 0; false at the end. */
bool dk_row_next(const uint8_t *row, size_t len, size_t *off, dk_field *f);
/* The number of fields (the row must be valid). */
size_t dk_row_count(const uint8_t *row, size_t len);

/* True when row[0..len) is a well-formed row (what dk_row_pack writes): every box complete,
 * names bytes of legal length and unique, values storable and not NaN, at most
 * DK_ROW_FIELDS_MAX fields.  Empty rows are valid (no fields). */
bool dk_row_check(const uint8_t *row, size_t len);

#ifdef __cplusplus
}
#endif
#endif

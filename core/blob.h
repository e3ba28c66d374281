/* blob.h -- opaque values: a value whose type's module is not loaded, kept as the bytes its
 * type's save op wrote (a module unloaded with values, or a snapshot naming a type no loaded
 * module has).  The type keeps its id and name; its ops become these, so DEL, RENAME, EXPIRE,
 * DUMP and snapshots work on it, TYPE names it, and showing it answers WRONGTYPE. */
#ifndef KEEL_CORE_BLOB_H
#define KEEL_CORE_BLOB_H

#include <keel/sdk.h>

/* The ops of every blob type (name NULL: the registry gives each its own). */
const keel_type_def *blob_type_ops(void);
/* A blob holding a copy of data[0..len), or NULL when memory ran out. */
void *blob_new(const void *data, size_t len);
/* Its bytes. */
const void *blob_bytes(const void *blob, size_t *len);

#endif

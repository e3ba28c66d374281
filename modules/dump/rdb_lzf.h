/* rdb_lzf.h -- LZF decompression, for the compressed strings Redis writes in RDB values. */
#ifndef KEEL_DUMP_RDB_LZF_H
#define KEEL_DUMP_RDB_LZF_H

#include <stdbool.h>
#include <stddef.h>

/* Decompresses in[0..n) into exactly out[0..outlen): true only when the input is well formed,
 * every back reference stays inside what was written, and it fills out exactly. */
bool rdb_lzf_decompress(const void *in, size_t n, void *out, size_t outlen);

#endif

/* snap_z.h -- compression of snapshot blocks: the codecs (Debian's liblz4 and libzstd), their
 * names, and the codec new snapshot files use (snapshot-compression, rdbcompression).  Knows
 * bytes only; snap_file.c puts the codec into a block's header (docs/persistence.md). */
#ifndef KEEL_CORE_SNAP_Z_H
#define KEEL_CORE_SNAP_Z_H

#include <stdbool.h>
#include <stddef.h>

/* A block's codec (its header's second byte). */
enum snap_z_codec { SNAP_Z_NONE = 0, SNAP_Z_LZ4 = 1, SNAP_Z_ZSTD = 2 };
#define SNAP_Z_CODECS 3

/* The most a compressed block may expand to: the writer compresses no bigger block, and the
 * loader refuses one that says it expands further before allocating anything for it. */
#define SNAP_Z_MAX (1u << 20)

/* The codec a name ("no", "lz4", "zstd"; any case) stands for, or -1. */
int snap_z_parse(const char *name);
/* "no", "lz4" or "zstd". */
const char *snap_z_name(int codec);

/* The codec the next snapshot's files use (SNAP_Z_NONE until set). */
int snap_z_setting(void);
void snap_z_set_setting(int codec);

/* A compressor's state, reused from block to block (zeroed at first; snap_z_enc_free frees it). */
typedef struct snap_z_enc {
    void *zstd; /* ZSTD_CCtx, made on first use */
} snap_z_enc;

/* Compresses n bytes of src with codec into dst, which holds cap bytes: the compressed length,
 * or 0 when it does not fit in cap (or memory ran out): the caller then keeps src as it is. */
size_t snap_z_compress(snap_z_enc *e, int codec, const void *src, size_t n, void *dst, size_t cap);
void snap_z_enc_free(snap_z_enc *e);

/* A decompressor's state (zeroed at first; snap_z_dec_free frees it). */
typedef struct snap_z_dec {
    void *zstd; /* ZSTD_DCtx, made on first use */
} snap_z_dec;

/* Decompresses n bytes of src with codec into dst: true only when they are well formed and
 * expand to exactly plain bytes (dst holds plain bytes; nothing past them is written). */
bool snap_z_decompress(snap_z_dec *d, int codec, const void *src, size_t n, void *dst,
                       size_t plain);
void snap_z_dec_free(snap_z_dec *d);

#endif

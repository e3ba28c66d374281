/* snap_z.c -- the snapshot block codecs over liblz4 and libzstd, and the running codec setting. */
#include "config.h"
#include "snap_z.h"

#include <limits.h>
#include <lz4.h>
#include <stdatomic.h>
#include <strings.h>
#include <zstd.h>

/* zstd's fastest standard level: a snapshot is written while the server serves. */
#define SNAP_ZSTD_LEVEL 1

static const char *const names[SNAP_Z_CODECS] = {"no", "lz4", "zstd"};

static _Atomic int setting = SNAP_Z_NONE;

int snap_z_parse(const char *name) {
    for (int i = 0; i < SNAP_Z_CODECS; i++)
        if (!strcasecmp(name, names[i])) return i;
    return -1;
}

const char *snap_z_name(int codec) {
    return codec >= 0 && codec < SNAP_Z_CODECS ? names[codec] : "?";
}

int snap_z_setting(void) {
    return atomic_load(&setting);
}

void snap_z_set_setting(int codec) {
    if (codec >= 0 && codec < SNAP_Z_CODECS) atomic_store(&setting, codec);
}

size_t snap_z_compress(snap_z_enc *e, int codec, const void *src, size_t n, void *dst, size_t cap) {
    if (n > SNAP_Z_MAX || cap == 0) return 0;
    if (cap > SNAP_Z_MAX) cap = SNAP_Z_MAX;
    if (codec == SNAP_Z_LZ4) {
        int k = LZ4_compress_default(src, dst, (int)n, (int)cap); /* 0: does not fit */
        return k > 0 ? (size_t)k : 0;
    }
    if (codec != SNAP_Z_ZSTD) return 0;
    if (!e->zstd) e->zstd = ZSTD_createCCtx();
    if (!e->zstd) return 0;
    size_t k = ZSTD_compressCCtx(e->zstd, dst, cap, src, n, SNAP_ZSTD_LEVEL);
    return ZSTD_isError(k) ? 0 : k;
}

void snap_z_enc_free(snap_z_enc *e) {
    ZSTD_freeCCtx(e->zstd);
    e->zstd = NULL;
}

bool snap_z_decompress(snap_z_dec *d, int codec, const void *src, size_t n, void *dst,
                       size_t plain) {
    if (plain > SNAP_Z_MAX || n > INT_MAX) return false;
    if (codec == SNAP_Z_LZ4) /* bounded by dst's size: a forged block cannot overrun it */
        return LZ4_decompress_safe(src, dst, (int)n, (int)plain) == (int)plain;
    if (codec != SNAP_Z_ZSTD) return false;
    if (!d->zstd) d->zstd = ZSTD_createDCtx();
    if (!d->zstd) return false;
    /* one-shot into dst: zstd's window is dst itself, so a frame claiming a huge window or
     * content size allocates nothing and fails with dst too small */
    size_t k = ZSTD_decompressDCtx(d->zstd, dst, plain, src, n);
    return !ZSTD_isError(k) && k == plain;
}

void snap_z_dec_free(snap_z_dec *d) {
    ZSTD_freeDCtx(d->zstd);
    d->zstd = NULL;
}

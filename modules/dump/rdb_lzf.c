/* rdb_lzf.c -- LZF decompression (the format of liblzf, which Redis uses), checking every bound.
 *
 * A stream is a run of chunks, each led by a control byte: below 32 it announces a literal of
 * ctrl + 1 bytes; otherwise a back reference whose length is (ctrl >> 5) + 2 (the 3-bit length
 * 7 continues in the next byte) and whose distance is ((ctrl & 31) << 8) + the next byte + 1. */
#include "rdb_lzf.h"

#include <stdint.h>
#include <string.h>

bool rdb_lzf_decompress(const void *in, size_t n, void *out, size_t outlen) {
    const uint8_t *ip = in, *iend = ip + n;
    uint8_t *op = out, *oend = op + outlen;
    while (ip < iend) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            size_t len = ctrl + 1;
            if ((size_t)(iend - ip) < len || (size_t)(oend - op) < len) return false;
            memcpy(op, ip, len);
            op += len;
            ip += len;
            continue;
        }
        size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip >= iend) return false;
            len += *ip++;
        }
        len += 2;
        if (ip >= iend) return false;
        size_t dist = ((size_t)(ctrl & 31) << 8) + *ip++ + 1;
        if (dist > (size_t)(op - (uint8_t *)out) || (size_t)(oend - op) < len) return false;
        const uint8_t *ref = op - dist;
        if (dist >= len) {
            memcpy(op, ref, len);
        } else {
            for (size_t i = 0; i < len; i++)
                op[i] = ref[i]; /* overlaps forward: byte by byte */
        }
        op += len;
    }
    return op == oend;
}

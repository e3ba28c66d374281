/* rdb_payload.c -- RDB value writing and DUMP payload framing (rdb_payload.h). */
#include "rdb_payload.h"

#include <stdlib.h>
#include <string.h>

#include "rdb_crc64.h"

void rdb_buf_free(rdb_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static bool reserve(rdb_buf *b, size_t n) {
    if (b->oom) return false;
    if (b->cap - b->len >= n) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) return !(b->oom = true);
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) return !(b->oom = true);
    b->p = p, b->cap = cap;
    return true;
}

void rdb_put_bytes(rdb_buf *b, const void *data, size_t n) {
    if (!n || !reserve(b, n)) return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void rdb_put_byte(rdb_buf *b, uint8_t x) {
    rdb_put_bytes(b, &x, 1);
}

static void put_le(rdb_buf *b, uint64_t x, int n) {
    uint8_t out[8];
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(x >> (8 * i));
    rdb_put_bytes(b, out, (size_t)n);
}

void rdb_put_len(rdb_buf *b, uint64_t len) {
    uint8_t out[9];
    size_t n;
    if (len < 64) {
        out[0] = (uint8_t)len, n = 1;
    } else if (len < 16384) {
        out[0] = (uint8_t)(0x40 | (len >> 8)), out[1] = (uint8_t)len, n = 2;
    } else {
        int w = len <= UINT32_MAX ? 4 : 8;
        out[0] = w == 4 ? 0x80 : 0x81;
        for (int i = 0; i < w; i++)
            out[1 + i] = (uint8_t)(len >> (8 * (w - 1 - i)));
        n = 1 + (size_t)w;
    }
    rdb_put_bytes(b, out, n);
}

/* The integer a string spells exactly as Redis would print it ("-12", not "012" or "+1"). */
static bool canonical_int32(const uint8_t *s, size_t n, int32_t *out) {
    if (n == 0 || n > 11) return false;
    size_t i = s[0] == '-';
    if (i == n || (s[i] == '0' && n > i + 1) || (i && s[i] == '0')) return false;
    int64_t x = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        x = x * 10 + (s[i] - '0');
    }
    if (s[0] == '-') x = -x;
    if (x < INT32_MIN || x > INT32_MAX) return false;
    *out = (int32_t)x;
    return true;
}

void rdb_put_string(rdb_buf *b, const void *s, size_t n) {
    int32_t x;
    if (canonical_int32(s, n, &x)) {
        if (x >= INT8_MIN && x <= INT8_MAX) {
            rdb_put_byte(b, 0xc0);
            put_le(b, (uint64_t)(uint8_t)(int8_t)x, 1);
        } else if (x >= INT16_MIN && x <= INT16_MAX) {
            rdb_put_byte(b, 0xc1);
            put_le(b, (uint64_t)(uint16_t)(int16_t)x, 2);
        } else {
            rdb_put_byte(b, 0xc2);
            put_le(b, (uint64_t)(uint32_t)x, 4);
        }
        return;
    }
    rdb_put_len(b, n);
    rdb_put_bytes(b, s, n);
}

void rdb_put_binary_double(rdb_buf *b, double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    put_le(b, bits, 8);
}

void rdb_put_footer(rdb_buf *b, uint16_t version) {
    put_le(b, version, 2);
    if (b->oom) return;
    put_le(b, rdb_crc64(0, b->p, b->len), 8);
}

/* ---- listpacks ---- */

void rdb_listpack_begin(rdb_listpack *lp) {
    memset(lp, 0, sizeof *lp);
    uint8_t head[6] = {0};
    rdb_put_bytes(&lp->buf, head, sizeof head);
}

/* The back length: the entry's size, 7 bits a byte, read from the end backwards. */
static void put_backlen(rdb_buf *b, size_t entry) {
    uint8_t out[5];
    size_t n = entry < 128         ? 1
               : entry < 16384     ? 2
               : entry < 2097152   ? 3
               : entry < 268435456 ? 4
                                   : 5;
    for (size_t i = 0; i < n; i++) {
        /* byte n-1-i holds bits 7i..7i+6; every byte but the first has bit 7 set */
        out[n - 1 - i] = (uint8_t)((entry >> (7 * i)) & 127);
        if (i + 1 < n) out[n - 1 - i] |= 128;
    }
    rdb_put_bytes(b, out, n);
}

void rdb_listpack_add(rdb_listpack *lp, const void *s, size_t n) {
    uint8_t head[5];
    size_t hn;
    if (n < 64) {
        head[0] = (uint8_t)(0x80 | n), hn = 1;
    } else if (n < 4096) {
        head[0] = (uint8_t)(0xe0 | (n >> 8)), head[1] = (uint8_t)n, hn = 2;
    } else {
        head[0] = 0xf0, hn = 5;
        for (int i = 0; i < 4; i++)
            head[1 + i] = (uint8_t)(n >> (8 * i));
    }
    rdb_put_bytes(&lp->buf, head, hn);
    rdb_put_bytes(&lp->buf, s, n);
    put_backlen(&lp->buf, hn + n);
    lp->count++;
}

void rdb_listpack_end(rdb_listpack *lp) {
    rdb_put_byte(&lp->buf, 0xff);
    if (lp->buf.oom) return;
    uint32_t total = (uint32_t)lp->buf.len;
    uint16_t count = lp->count < 65535 ? (uint16_t)lp->count : 65535;
    for (int i = 0; i < 4; i++)
        lp->buf.p[i] = (uint8_t)(total >> (8 * i));
    lp->buf.p[4] = (uint8_t)count, lp->buf.p[5] = (uint8_t)(count >> 8);
}

bool rdb_payload_verify(const uint8_t *p, size_t n, uint16_t *version) {
    if (n < 10) return false;
    const uint8_t *foot = p + n - 10;
    *version = (uint16_t)(foot[0] | (foot[1] << 8));
    uint64_t crc = 0;
    for (int i = 7; i >= 0; i--)
        crc = (crc << 8) | foot[2 + i];
    return rdb_crc64(0, p, n - 8) == crc;
}

/* snap_file.c -- snapshot blocks and records: buffered, checksummed writing and checked reading. */
#include "config.h"
#include "snap_file.h"
#include "snap_io.h"

#include <datakit/box.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes the writer gathers before a write(2). */
#define SNAP_OUT_BUF (1u << 20)

/* ---- buffers ---- */

static bool buf_room(snap_buf *b, size_t n) {
    if (b->oom) return false;
    if (b->cap - b->len >= n) return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void snap_buf_put(snap_buf *b, const void *p, size_t n) {
    if (!n || !buf_room(b, n)) return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void snap_buf_u8(snap_buf *b, uint8_t v) {
    snap_buf_put(b, &v, 1);
}

static void put_le(uint8_t *out, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *in, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)in[i] << (8 * i);
    return v;
}

void snap_buf_u16(snap_buf *b, uint16_t v) {
    uint8_t x[2];
    put_le(x, v, 2);
    snap_buf_put(b, x, 2);
}

void snap_buf_u32(snap_buf *b, uint32_t v) {
    uint8_t x[4];
    put_le(x, v, 4);
    snap_buf_put(b, x, 4);
}

void snap_buf_u64(snap_buf *b, uint64_t v) {
    uint8_t x[8];
    put_le(x, v, 8);
    snap_buf_put(b, x, 8);
}

void snap_buf_varint(snap_buf *b, uint64_t v) {
    uint8_t x[10];
    int n = 0;
    do {
        x[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) x[n] |= 0x80;
        n++;
    } while (v);
    snap_buf_put(b, x, (size_t)n);
}

void snap_buf_free(snap_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- writing ---- */

/* Through the I/O thread: the filled buffer goes, a fresh one takes its place. */
static void out_hand_over(snap_writer *w) {
    if (!w->err) w->err = snap_io_error(w->io);
    if (w->err || !w->outlen) {
        w->outlen = 0;
        return;
    }
    uint8_t *fresh = malloc(w->outcap);
    if (!fresh) {
        w->err = ENOMEM;
        w->outlen = 0;
        return;
    }
    snap_io_write(w->io, w->out, w->outlen);
    w->out = fresh;
    w->outlen = 0;
}

/* Written straight to the file, every SNAP_WRITEBACK bytes the disk is asked to start writing
 * them back (sync_file_range, which does not wait): the fsync at the end then finds most of the
 * file on its way or on disk, and the disk works while the shard is still being serialized. */
#define SNAP_WRITEBACK (8u << 20)

/* Asks the disk to start writing back what was written since the last such request. */
static void start_writeback(snap_writer *w) {
#ifdef SYNC_FILE_RANGE_WRITE
    if (w->flushed > w->wb_started)
        (void)sync_file_range(w->fd, (off_t)w->wb_started, (off_t)(w->flushed - w->wb_started),
                              SYNC_FILE_RANGE_WRITE);
#endif
    w->wb_started = w->flushed;
}

static void note_flushed(snap_writer *w, size_t n) {
    w->flushed += n;
    if (!w->no_sync && w->flushed - w->wb_started >= SNAP_WRITEBACK) start_writeback(w);
}

static void out_flush(snap_writer *w) {
    if (w->io) {
        out_hand_over(w);
        return;
    }
    size_t off = 0;
    while (!w->err && off < w->outlen) {
        ssize_t n = write(w->fd, w->out + off, w->outlen - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            w->err = n < 0 ? errno : EIO;
        else
            off += (size_t)n;
    }
    note_flushed(w, off);
    w->outlen = 0;
}

/* Appends to the output (big pieces go straight to the file). */
static void out_put(snap_writer *w, const void *p, size_t n) {
    if (w->err || n == 0) return;
    w->written += n;
    if (w->outlen + n > w->outcap) out_flush(w);
    if (n >= w->outcap && w->io) { /* copied: the I/O thread writes it later */
        const uint8_t *s = p;
        while (!w->err && n > 0) {
            size_t k = n < w->outcap ? n : w->outcap;
            memcpy(w->out, s, k);
            w->outlen = k;
            out_hand_over(w);
            s += k;
            n -= k;
        }
        return;
    }
    if (n >= w->outcap) {
        const uint8_t *s = p;
        while (!w->err && n > 0) {
            ssize_t k = write(w->fd, s, n);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0)
                w->err = k < 0 ? errno : EIO;
            else {
                s += k;
                n -= (size_t)k;
                note_flushed(w, (size_t)k);
            }
        }
        return;
    }
    memcpy(w->out + w->outlen, p, n);
    w->outlen += n;
}

void snap_writer_use_io(snap_writer *w, struct snap_io_file *io) {
    out_flush(w);
    w->io = io;
}

bool snap_writer_backlogged(const snap_writer *w) {
    return w->io && snap_io_backlogged(w->io);
}

bool snap_writer_when_room(snap_writer *w, void (*fn)(void *), void *arg) {
    return w->io && snap_io_when_room(w->io, fn, arg);
}

bool snap_writer_set_buffer(snap_writer *w, size_t cap) {
    out_flush(w);
    uint8_t *p = realloc(w->out, cap);
    if (!p) return false;
    w->out = p;
    w->outcap = cap;
    return true;
}

bool snap_writer_open(snap_writer *w, int fd, enum snap_file_kind kind) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->outcap = SNAP_OUT_BUF;
    w->out = malloc(w->outcap);
    w->hash = XXH3_createState();
    if (!w->out || !w->hash) {
        w->err = ENOMEM;
        return false;
    }
    uint8_t pre[SNAP_PREAMBLE];
    memcpy(pre, SNAP_MAGIC, 8);
    put_le(pre + 8, SNAP_VERSION, 4);
    put_le(pre + 12, (uint64_t)kind, 4);
    out_put(w, pre, sizeof pre);
    return true;
}

/* Opens a block whose header names codec. */
static void snap_block_coded(snap_writer *w, uint8_t kind, uint8_t codec, uint32_t len) {
    uint8_t h[SNAP_BLOCK_HEADER] = {kind, codec, 0, 0};
    put_le(h + 4, len, 4);
    XXH3_64bits_reset(w->hash);
    XXH3_64bits_update(w->hash, h, sizeof h);
    out_put(w, h, sizeof h);
    w->block_left = len;
    w->in_block = true;
}

void snap_block_begin(snap_writer *w, uint8_t kind, uint32_t len) {
    snap_block_coded(w, kind, SNAP_Z_NONE, len);
}

void snap_block_put(snap_writer *w, const void *p, size_t n) {
    if (n > w->block_left) { /* a caller's bug: never write a block its length does not say */
        w->err = EINVAL;
        return;
    }
    if (n == 0) return;
    XXH3_64bits_update(w->hash, p, n);
    out_put(w, p, n);
    w->block_left -= n;
}

void snap_block_end(snap_writer *w) {
    if (w->block_left) w->err = EINVAL;
    uint8_t t[SNAP_BLOCK_TRAILER];
    put_le(t, XXH3_64bits_digest(w->hash), 8);
    out_put(w, t, sizeof t);
    w->in_block = false;
}

void snap_block(snap_writer *w, uint8_t kind, const void *payload, size_t len) {
    if (len > SNAP_BLOCK_MAX) {
        w->err = EFBIG;
        return;
    }
    snap_block_begin(w, kind, (uint32_t)len);
    snap_block_put(w, payload, len);
    snap_block_end(w);
}

void snap_writer_compress(snap_writer *w, int codec) {
    w->codec = codec > SNAP_Z_NONE && codec < SNAP_Z_CODECS ? codec : SNAP_Z_NONE;
}

/* Blocks smaller than this are not worth compressing. */
#define SNAP_Z_MIN 64u

void snap_block_z(snap_writer *w, uint8_t kind, const void *payload, size_t len) {
    if (w->codec == SNAP_Z_NONE || len < SNAP_Z_MIN || len > SNAP_Z_MAX || w->err) {
        snap_block(w, kind, payload, len);
        return;
    }
    /* room for what would save at least a 32nd: a block that shrinks less is kept as it is */
    size_t room = len - len / 32 - SNAP_BLOCK_PLAIN_LEN;
    if (w->zcap < room) {
        uint8_t *p = realloc(w->zbuf, room);
        if (!p) { /* no memory to compress: the block is written as it is */
            snap_block(w, kind, payload, len);
            return;
        }
        w->zbuf = p;
        w->zcap = room;
    }
    size_t k = snap_z_compress(&w->z, w->codec, payload, len, w->zbuf, room);
    if (k == 0) {
        snap_block(w, kind, payload, len);
        return;
    }
    uint8_t plain[SNAP_BLOCK_PLAIN_LEN];
    put_le(plain, len, SNAP_BLOCK_PLAIN_LEN);
    snap_block_coded(w, kind, (uint8_t)w->codec, (uint32_t)(SNAP_BLOCK_PLAIN_LEN + k));
    snap_block_put(w, plain, sizeof plain);
    snap_block_put(w, w->zbuf, k);
    snap_block_end(w);
}

int snap_writer_finish(snap_writer *w) {
    out_flush(w);
    if (!w->err && !w->no_sync) {
        if (w->sync_later)
            start_writeback(w); /* the rest of the file; the caller fsyncs it later */
        else if (fsync(w->fd) != 0)
            w->err = errno;
    }
    return w->err ? -1 : 0;
}

void snap_writer_free(snap_writer *w) {
    free(w->out);
    free(w->zbuf);
    w->zbuf = NULL;
    w->zcap = 0;
    snap_z_enc_free(&w->z);
    if (w->hash) XXH3_freeState(w->hash);
    w->out = NULL;
    w->hash = NULL;
}

/* ---- reading ---- */

static int read_full(snap_reader *r, void *out, size_t n) {
    uint8_t *p = out;
    while (n > 0) {
        ssize_t k = read(r->fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
        r->pos += (uint64_t)k;
    }
    return 0;
}

int snap_reader_open(snap_reader *r, int fd, const char *name, enum snap_file_kind kind) {
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->name = name;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(r->err, sizeof r->err, "%s: cannot stat: %s", name, strerror(errno));
        return -1;
    }
    r->size = (uint64_t)st.st_size;
    uint8_t pre[SNAP_PREAMBLE];
    if (read_full(r, pre, sizeof pre) != 0) {
        snprintf(r->err, sizeof r->err, "%s: truncated at offset 0 (no complete preamble)", name);
        return -1;
    }
    if (memcmp(pre, SNAP_MAGIC, 8) != 0) {
        snprintf(r->err, sizeof r->err, "%s: not a Keel snapshot file (bad magic at offset 0)",
                 name);
        return -1;
    }
    uint64_t version = get_le(pre + 8, 4), k = get_le(pre + 12, 4);
    if (version != SNAP_VERSION) {
        snprintf(r->err, sizeof r->err, "%s: format version %llu, this server reads version %u",
                 name, (unsigned long long)version, SNAP_VERSION);
        return -1;
    }
    if (k != (uint64_t)kind) {
        snprintf(r->err, sizeof r->err, "%s: file kind %llu at offset 12, expected %d", name,
                 (unsigned long long)k, (int)kind);
        return -1;
    }
    return 0;
}

/* A compressed block, its checksum checked: its payload is replaced by what it expands to.  The
 * length it says is checked against SNAP_Z_MAX before anything is allocated. */
static int expand(snap_reader *r, uint8_t codec, const uint8_t **payload, size_t *len,
                  uint64_t at) {
    if (codec >= SNAP_Z_CODECS) {
        snprintf(r->err, sizeof r->err,
                 "%s: the block at offset %llu names compression codec %u, which this server "
                 "does not know",
                 r->name, (unsigned long long)at, codec);
        return -1;
    }
    uint64_t plain = *len >= SNAP_BLOCK_PLAIN_LEN ? get_le(*payload, SNAP_BLOCK_PLAIN_LEN) : 0;
    if (plain == 0 || plain > SNAP_Z_MAX) {
        snprintf(r->err, sizeof r->err,
                 "%s: the compressed block at offset %llu says it expands to %llu bytes (1 to %u "
                 "allowed; corrupt)",
                 r->name, (unsigned long long)at, (unsigned long long)plain, SNAP_Z_MAX);
        return -1;
    }
    if (plain > r->plain_cap) {
        uint8_t *p = realloc(r->plain, plain);
        if (!p) {
            snprintf(r->err, sizeof r->err,
                     "%s: no memory to expand the block at offset %llu (%llu bytes)", r->name,
                     (unsigned long long)at, (unsigned long long)plain);
            return -1;
        }
        r->plain = p;
        r->plain_cap = plain;
    }
    if (!snap_z_decompress(&r->z, codec, *payload + SNAP_BLOCK_PLAIN_LEN,
                           *len - SNAP_BLOCK_PLAIN_LEN, r->plain, plain)) {
        snprintf(r->err, sizeof r->err,
                 "%s: the %s block at offset %llu does not expand to the %llu bytes it says "
                 "(corrupt)",
                 r->name, snap_z_name(codec), (unsigned long long)at, (unsigned long long)plain);
        return -1;
    }
    *payload = r->plain;
    *len = plain;
    return 1;
}

int snap_reader_next(snap_reader *r, uint8_t *kind, const uint8_t **payload, size_t *len,
                     uint64_t *at) {
    *at = r->pos;
    if (r->pos == r->size) return 0;
    uint8_t h[SNAP_BLOCK_HEADER];
    if (r->size - r->pos < SNAP_BLOCK_HEADER + SNAP_BLOCK_TRAILER || read_full(r, h, sizeof h)) {
        snprintf(r->err, sizeof r->err, "%s: truncated block at offset %llu", r->name,
                 (unsigned long long)*at);
        return -1;
    }
    uint64_t n = get_le(h + 4, 4);
    if (h[2] || h[3] || n > r->size - r->pos - SNAP_BLOCK_TRAILER) {
        snprintf(r->err, sizeof r->err,
                 "%s: block at offset %llu claims %llu bytes, past the end of the file "
                 "(truncated or corrupt)",
                 r->name, (unsigned long long)*at, (unsigned long long)n);
        return -1;
    }
    if (n > r->cap) {
        uint8_t *p = realloc(r->payload, n);
        if (!p) {
            snprintf(r->err, sizeof r->err,
                     "%s: no memory for the block at offset %llu (%llu bytes)", r->name,
                     (unsigned long long)*at, (unsigned long long)n);
            return -1;
        }
        r->payload = p;
        r->cap = n;
    }
    uint8_t t[SNAP_BLOCK_TRAILER];
    if (read_full(r, r->payload, n) || read_full(r, t, sizeof t)) {
        snprintf(r->err, sizeof r->err, "%s: truncated block at offset %llu", r->name,
                 (unsigned long long)*at);
        return -1;
    }
    XXH3_state_t *st = XXH3_createState();
    bool ok = st && XXH3_64bits_reset(st) == XXH_OK;
    if (ok) {
        XXH3_64bits_update(st, h, sizeof h);
        XXH3_64bits_update(st, r->payload, n);
        ok = XXH3_64bits_digest(st) == get_le(t, 8);
    }
    XXH3_freeState(st);
    if (!ok) {
        snprintf(r->err, sizeof r->err, "%s: checksum mismatch in the block at offset %llu",
                 r->name, (unsigned long long)*at);
        return -1;
    }
    static const uint8_t empty[1];
    *kind = h[0];
    *payload = r->payload ? r->payload : empty; /* never NULL: callers do payload + len */
    *len = n;
    return h[1] == SNAP_Z_NONE ? 1 : expand(r, h[1], payload, len, *at);
}

void snap_reader_free(snap_reader *r) {
    free(r->payload);
    r->payload = NULL;
    r->cap = 0;
    free(r->plain);
    r->plain = NULL;
    r->plain_cap = 0;
    snap_z_dec_free(&r->z);
}

/* ---- decoding ---- */

bool snap_get(snap_cur *c, void *out, size_t n) {
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        return false;
    }
    if (n) memcpy(out, c->p, n);
    c->p += n;
    return true;
}

bool snap_get_view(snap_cur *c, size_t n, const uint8_t **v) {
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        return false;
    }
    *v = c->p;
    c->p += n;
    return true;
}

static bool get_n(snap_cur *c, int n, uint64_t *v) {
    const uint8_t *p;
    if (!snap_get_view(c, (size_t)n, &p)) return false;
    *v = get_le(p, n);
    return true;
}

bool snap_get_u8(snap_cur *c, uint8_t *v) {
    uint64_t x;
    if (!get_n(c, 1, &x)) return false;
    *v = (uint8_t)x;
    return true;
}

bool snap_get_u16(snap_cur *c, uint16_t *v) {
    uint64_t x;
    if (!get_n(c, 2, &x)) return false;
    *v = (uint16_t)x;
    return true;
}

bool snap_get_u32(snap_cur *c, uint32_t *v) {
    uint64_t x;
    if (!get_n(c, 4, &x)) return false;
    *v = (uint32_t)x;
    return true;
}

bool snap_get_u64(snap_cur *c, uint64_t *v) {
    return get_n(c, 8, v);
}

bool snap_get_varint(snap_cur *c, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (!snap_get_u8(c, &b)) return false;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    c->bad = true;
    return false;
}

bool snap_rec_get(snap_cur *c, snap_rec *r) {
    memset(r, 0, sizeof *r);
    r->expire_ms = -1;
    if (!snap_get_u8(c, &r->kind)) return false;
    if (r->kind == SNAP_REC_NS_CLOSE) return true;
    if (r->kind < SNAP_REC_BOX || r->kind > SNAP_REC_NS_OPEN) return !(c->bad = true);
    uint64_t klen, v64;
    uint32_t v32;
    if (!snap_get_u8(c, &r->flags) || (r->flags & ~SNAP_F_ALL)) return !(c->bad = true);
    if (!snap_get_varint(c, &klen) || !snap_get_view(c, klen, &r->key)) return false;
    r->klen = (size_t)klen;
    if (r->flags & SNAP_F_EXPIRY) {
        if (!snap_get_u64(c, &v64)) return false;
        r->expire_ms = (int64_t)v64;
        if (r->expire_ms < 0) return !(c->bad = true);
    }
    if ((r->flags & SNAP_F_AUX32) && !snap_get_u32(c, &v32)) return false;
    if (r->flags & SNAP_F_AUX32) r->aux32 = v32;
    if ((r->flags & SNAP_F_AUX64) && !snap_get_u64(c, &r->aux64)) return false;
    if (r->kind == SNAP_REC_BOX) {
        dk_val v;
        size_t n = dk_box_unpack(c->p, (size_t)(c->end - c->p), &v);
        if (n == 0 || v.type == DK_PTR) return !(c->bad = true);
        return snap_get_view(c, n, &r->value) && ((r->vlen = n), true);
    }
    if (r->kind == SNAP_REC_OBJ) {
        if (!snap_get_u16(c, &r->type) || !snap_get_varint(c, &v64)) return false;
        if (!snap_get_view(c, v64, &r->value)) return false;
        r->vlen = (size_t)v64;
    }
    return true;
}

void snap_rec_head(snap_buf *b, const snap_rec *r) {
    snap_buf_u8(b, r->kind);
    if (r->kind == SNAP_REC_NS_CLOSE) return;
    snap_buf_u8(b, r->flags);
    snap_buf_varint(b, r->klen);
    snap_buf_put(b, r->key, r->klen);
    if (r->flags & SNAP_F_EXPIRY) snap_buf_u64(b, (uint64_t)r->expire_ms);
    if (r->flags & SNAP_F_AUX32) snap_buf_u32(b, r->aux32);
    if (r->flags & SNAP_F_AUX64) snap_buf_u64(b, r->aux64);
    if (r->kind == SNAP_REC_OBJ) {
        snap_buf_u16(b, r->type);
        snap_buf_varint(b, r->vlen);
    }
}

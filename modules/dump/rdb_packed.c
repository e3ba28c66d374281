/* rdb_packed.c -- the packed blobs Redis stores small values in (ziplist, listpack, intset, and
 * the zipmap of old files), read element by element with every length checked against the
 * blob's end. */
#include "rdb_decoder.h"

static uint64_t le(const uint8_t *p, int n) {
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

/* A little-endian signed integer of n bytes (n < 8 sign-extended). */
static int64_t le_signed(const uint8_t *p, int n) {
    uint64_t x = le(p, n);
    if (n < 8 && (x >> (8 * n - 1)) & 1) x |= ~0ull << (8 * n);
    return (int64_t)x;
}

/* ---- ziplist: zlbytes u32, zltail u32, zllen u16, entries, 0xff ---- */

rdb_status rdb_ziplist_items(rdb_value *v, const uint8_t *zl, size_t n) {
    if (n < 11 || le(zl, 4) != n || zl[n - 1] != 0xff) return RDB_EFORMAT;
    size_t pos = 10, end = n - 1;
    while (pos < end) {
        size_t prevlen = zl[pos] < 254 ? 1 : zl[pos] == 254 ? 5 : 0;
        if (!prevlen || end - pos < prevlen + 1) return RDB_EFORMAT;
        pos += prevlen;
        uint8_t b = zl[pos++];
        size_t slen = 0, room = end - pos;
        int ibytes = 0;
        int64_t imm = 0;
        bool is_str = true;
        switch (b >> 6) {
        case 0:
            slen = b & 0x3f;
            break;
        case 1:
            if (room < 1) return RDB_EFORMAT;
            slen = ((size_t)(b & 0x3f) << 8) | zl[pos++];
            break;
        case 2:
            if (b != 0x80 || room < 4) return RDB_EFORMAT;
            slen = ((size_t)zl[pos] << 24) | ((size_t)zl[pos + 1] << 16) |
                   ((size_t)zl[pos + 2] << 8) | zl[pos + 3];
            pos += 4;
            break;
        default:
            is_str = false;
            switch (b) {
            case 0xc0:
                ibytes = 2;
                break;
            case 0xd0:
                ibytes = 4;
                break;
            case 0xe0:
                ibytes = 8;
                break;
            case 0xf0:
                ibytes = 3;
                break;
            case 0xfe:
                ibytes = 1;
                break;
            default:
                if (b < 0xf1 || b > 0xfd) return RDB_EFORMAT;
                imm = (b & 0x0f) - 1;
            }
        }
        room = end - pos;
        rdb_status st;
        if (is_str) {
            if (room < slen) return RDB_EFORMAT;
            st = rdb_push(v, zl + pos, slen);
            pos += slen;
        } else if (ibytes) {
            if (room < (size_t)ibytes) return RDB_EFORMAT;
            st = rdb_push_int(v, le_signed(zl + pos, ibytes));
            pos += (size_t)ibytes;
        } else {
            st = rdb_push_int(v, imm);
        }
        if (st != RDB_OK) return st;
    }
    return RDB_OK;
}

/* ---- listpack: total u32, count u16, entries (encoding, data, back length), 0xff ---- */

static size_t backlen_size(size_t entry_len) {
    if (entry_len < 128) return 1;
    if (entry_len < 16384) return 2;
    if (entry_len < 2097152) return 3;
    if (entry_len < 268435456) return 4;
    return 5;
}

rdb_status rdb_listpack_items(rdb_value *v, const uint8_t *lp, size_t n) {
    if (n < 7 || le(lp, 4) != n || lp[n - 1] != 0xff) return RDB_EFORMAT;
    size_t pos = 6, end = n - 1;
    while (pos < end) {
        size_t room = end - pos, head, slen = 0;
        uint8_t b = lp[pos];
        int ibytes = 0;
        int64_t ival = 0;
        bool is_str = false;
        if ((b & 0x80) == 0) {
            head = 1, ival = b & 0x7f;
        } else if ((b & 0xc0) == 0x80) {
            head = 1, slen = b & 0x3f, is_str = true;
        } else if ((b & 0xe0) == 0xc0) {
            if (room < 2) return RDB_EFORMAT;
            head = 2, ival = ((int64_t)(b & 0x1f) << 8) | lp[pos + 1];
            if (ival >= 4096) ival -= 8192;
        } else if ((b & 0xf0) == 0xe0) {
            if (room < 2) return RDB_EFORMAT;
            head = 2, slen = ((size_t)(b & 0x0f) << 8) | lp[pos + 1], is_str = true;
        } else if (b == 0xf0) {
            if (room < 5) return RDB_EFORMAT;
            head = 5, slen = (size_t)le(lp + pos + 1, 4), is_str = true;
        } else if (b >= 0xf1 && b <= 0xf4) {
            static const int widths[] = {2, 3, 4, 8};
            ibytes = widths[b - 0xf1];
            head = 1;
        } else {
            return RDB_EFORMAT;
        }
        size_t data = is_str ? slen : (size_t)ibytes;
        if (room < head || room - head < data) return RDB_EFORMAT;
        size_t entry = head + data, back = backlen_size(entry);
        if (room - entry < back) return RDB_EFORMAT;
        rdb_status st;
        if (is_str)
            st = rdb_push(v, lp + pos + head, slen);
        else if (ibytes)
            st = rdb_push_int(v, le_signed(lp + pos + 1, ibytes));
        else
            st = rdb_push_int(v, ival);
        if (st != RDB_OK) return st;
        pos += entry + back;
    }
    return RDB_OK;
}

/* ---- intset: encoding u32 (2, 4 or 8), length u32, sorted integers ---- */

rdb_status rdb_intset_items(rdb_value *v, const uint8_t *is, size_t n) {
    if (n < 8) return RDB_EFORMAT;
    uint64_t width = le(is, 4), count = le(is + 4, 4);
    if (width != 2 && width != 4 && width != 8) return RDB_EFORMAT;
    if (count == 0 || (n - 8) / width != count || (n - 8) % width) return RDB_EFORMAT;
    for (uint64_t i = 0; i < count; i++) {
        rdb_status st = rdb_push_int(v, le_signed(is + 8 + i * width, (int)width));
        if (st != RDB_OK) return st;
    }
    return RDB_OK;
}

/* ---- zipmap (hashes of RDB files before Redis 2.6): count u8, then per field
 *      <len>field <len><free>value <free bytes>, lengths u8 (254: u32 LE follows), 0xff ---- */

/* A zipmap length at zm[*pos]: false at the end marker or when cut short. */
static bool zipmap_len(const uint8_t *zm, size_t n, size_t *pos, size_t *len) {
    if (*pos >= n || zm[*pos] == 0xff) return false;
    if (zm[*pos] < 254) {
        *len = zm[(*pos)++];
        return true;
    }
    if (n - *pos < 5) return false;
    *len = (size_t)le(zm + *pos + 1, 4);
    *pos += 5;
    return true;
}

rdb_status rdb_zipmap_items(rdb_value *v, const uint8_t *zm, size_t n) {
    if (n < 2 || zm[n - 1] != 0xff) return RDB_EFORMAT;
    size_t pos = 1;
    while (pos < n - 1) {
        size_t flen, vlen;
        if (!zipmap_len(zm, n - 1, &pos, &flen) || flen > n - 1 - pos) return RDB_EFORMAT;
        const uint8_t *field = zm + pos;
        pos += flen;
        if (!zipmap_len(zm, n - 1, &pos, &vlen) || pos >= n - 1) return RDB_EFORMAT;
        size_t free_bytes = zm[pos++];
        if (vlen > n - 1 - pos || free_bytes > n - 1 - pos - vlen) return RDB_EFORMAT;
        rdb_status st = rdb_push(v, field, flen);
        if (st == RDB_OK) st = rdb_push(v, zm + pos, vlen);
        if (st != RDB_OK) return st;
        pos += vlen + free_bytes;
    }
    return pos == n - 1 ? RDB_OK : RDB_EFORMAT;
}

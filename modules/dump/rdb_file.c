/* rdb_file.c -- walking a whole RDB file record by record (rdb_file.h); the values that are
 * passed over without being decoded (streams, module values) are rdb_skip.c's. */
#include "rdb_file.h"

#include <stdio.h>
#include <string.h>

#include "rdb_crc64.h"
#include "rdb_skip.h"

/* Record opcodes (Redis's rdb.h numbering). */
enum {
    OP_FUNCTION_PRE_GA = 246,
    OP_FUNCTION2 = 245,
    OP_MODULE_AUX = 247,
    OP_IDLE = 248,
    OP_FREQ = 249,
    OP_AUX = 250,
    OP_RESIZEDB = 251,
    OP_EXPIRETIME_MS = 252,
    OP_EXPIRETIME = 253,
    OP_SELECTDB = 254,
    OP_EOF = 255,
};

static rdb_rec_kind fail_at(rdb_walk *w, size_t at, const char *why) {
    w->err = why;
    w->err_at = at;
    w->done = true;
    return RDB_REC_ERROR;
}

bool rdb_walk_begin(rdb_walk *w, const uint8_t *in, size_t n) {
    memset(w, 0, sizeof *w);
    w->p = in, w->n = n;
    w->verify_crc = true;
    if (n < 9 || memcmp(in, "REDIS", 5) != 0) {
        fail_at(w, 0, "not an RDB file (no REDIS magic at the start)");
        return false;
    }
    int version = 0;
    for (int i = 5; i < 9; i++) {
        if (in[i] < '0' || in[i] > '9') {
            fail_at(w, 5, "not an RDB file (bad version digits)");
            return false;
        }
        version = version * 10 + (in[i] - '0');
    }
    if (version < 1 || version > RDB_FILE_VERSION_MAX) {
        snprintf(w->errbuf, sizeof w->errbuf,
                 "RDB version %d is not supported (versions 1 to %d: Redis up to 7.0)", version,
                 RDB_FILE_VERSION_MAX);
        fail_at(w, 5, w->errbuf);
        return false;
    }
    w->version = version;
    w->pos = 9;
    return true;
}

void rdb_walk_free(rdb_walk *w) {
    rdb_value_free(&w->key);
    rdb_value_free(&w->value);
}

static bool read_len(rdb_walk *w, uint64_t *len) {
    size_t used;
    if (rdb_read_len(w->p + w->pos, w->n - w->pos, len, &used) != RDB_OK) return false;
    w->pos += used;
    return true;
}

/* A string, decoded into *into (freed first) when it is not plain bytes; false when bad. */
static bool read_string(rdb_walk *w, rdb_value *into, const uint8_t **s, size_t *len) {
    uint64_t plain;
    size_t used;
    const uint8_t *at = w->p + w->pos;
    size_t room = w->n - w->pos;
    if (room && (at[0] >> 6) != 3 && rdb_read_len(at, room, &plain, &used) == RDB_OK) {
        if (plain > room - used) return false;
        *s = at + used, *len = (size_t)plain;
        w->pos += used + (size_t)plain;
        return true;
    }
    const char *why;
    rdb_value_free(into);
    if (rdb_value_decode(RDB_TYPE_STRING, at, room, &used, into, &why) != RDB_OK) return false;
    *s = into->items[0].ptr, *len = into->items[0].len;
    w->pos += used;
    return true;
}

static bool skip_string(rdb_walk *w) {
    size_t used;
    if (!rdb_skip_string(w->p + w->pos, w->n - w->pos, &used)) return false;
    w->pos += used;
    return true;
}

static bool read_le(rdb_walk *w, int bytes, uint64_t *out) {
    if (w->n - w->pos < (size_t)bytes) return false;
    uint64_t x = 0;
    for (int i = bytes - 1; i >= 0; i--)
        x = (x << 8) | w->p[w->pos + (size_t)i];
    w->pos += (size_t)bytes;
    *out = x;
    return true;
}

/* EOF: the checksum after it (version 5 on; 0 means the writer computed none). */
static rdb_rec_kind at_eof(rdb_walk *w, size_t at) {
    size_t body = w->pos;
    if (w->version >= 5) {
        uint64_t stored;
        if (!read_le(w, 8, &stored)) return fail_at(w, body, "file ends inside the checksum");
        if (w->verify_crc && stored != 0 && rdb_crc64(0, w->p, body) != stored)
            return fail_at(w, body, "wrong CRC-64 checksum (the file is corrupt)");
    }
    (void)at;
    w->done = true;
    return RDB_REC_END;
}

/* A key and its value of object type `type` (the type byte at `at` already read). */
static rdb_rec_kind read_key(rdb_walk *w, uint8_t type, size_t at, rdb_rec *rec) {
    if (!read_string(w, &w->key, &rec->key, &rec->klen))
        return fail_at(w, at + 1, "malformed key name");
    rec->type = type;
    rec->raw = w->p + w->pos;
    size_t room = w->n - w->pos, used = 0;
    const char *skipped = rdb_skip_value(type, rec->raw, room, &used, rec->why, sizeof rec->why);
    if (skipped) {
        if (*skipped) {
            snprintf(w->errbuf, sizeof w->errbuf, "key '%.*s': %s",
                     (int)(rec->klen < 40 ? rec->klen : 40), (const char *)rec->key, skipped);
            return fail_at(w, at, w->errbuf);
        }
        w->pos += used;
        rec->rawlen = used;
        return rec->kind = RDB_REC_SKIPPED;
    }
    const char *why = NULL;
    rdb_value_free(&w->value);
    rdb_status st = rdb_value_decode(type, rec->raw, room, &used, &w->value, &why);
    if (st != RDB_OK) {
        if (st == RDB_ENOMEM) return fail_at(w, w->pos, "out of memory decoding a value");
        snprintf(w->errbuf, sizeof w->errbuf, "bad value of object type %u (%s) for key '%.*s'",
                 type, why ? why : "malformed", (int)(rec->klen < 40 ? rec->klen : 40),
                 (const char *)rec->key);
        return fail_at(w, w->pos, w->errbuf);
    }
    w->pos += used;
    rec->rawlen = used;
    rec->value = &w->value;
    return rec->kind = RDB_REC_KEY;
}

/* MODULE_AUX: a module id, when_opcode, when, then the module's opcodes to its EOF. */
static bool skip_module_aux(rdb_walk *w) {
    uint64_t id, when_op, when;
    if (!read_len(w, &id) || !read_len(w, &when_op) || !read_len(w, &when)) return false;
    size_t used;
    if (!rdb_skip_module_body(w->p + w->pos, w->n - w->pos, &used)) return false;
    w->pos += used;
    return true;
}

rdb_rec_kind rdb_walk_next(rdb_walk *w, rdb_rec *rec) {
    memset(rec, 0, sizeof *rec);
    rec->expire_ms = -1;
    if (w->done) return w->err ? RDB_REC_ERROR : RDB_REC_END;
    rec->offset = w->pos;
    for (;;) {
        size_t at = w->pos;
        rec->db = w->db;
        if (at >= w->n) return fail_at(w, at, "file ends before the EOF marker (truncated)");
        uint8_t op = w->p[w->pos++];
        uint64_t a, b;
        switch (op) {
        case OP_EOF:
            return at_eof(w, at);
        case OP_SELECTDB:
            if (!read_len(w, &a)) return fail_at(w, at, "malformed SELECTDB");
            w->db = rec->db = a;
            return rec->kind = RDB_REC_DB;
        case OP_EXPIRETIME:
        case OP_EXPIRETIME_MS:
            if (!read_le(w, op == OP_EXPIRETIME ? 4 : 8, &a))
                return fail_at(w, at, "file ends inside an expiry");
            if (op == OP_EXPIRETIME) a *= 1000;
            rec->expire_ms = a > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)a;
            continue; /* the key follows */
        case OP_RESIZEDB:
            if (!read_len(w, &a) || !read_len(w, &b)) return fail_at(w, at, "malformed RESIZEDB");
            continue;
        case OP_AUX:
            if (!skip_string(w) || !skip_string(w)) return fail_at(w, at, "malformed AUX field");
            continue;
        case OP_FREQ:
            if (!read_le(w, 1, &a)) return fail_at(w, at, "file ends inside FREQ");
            continue;
        case OP_IDLE:
            if (!read_len(w, &a)) return fail_at(w, at, "malformed IDLE");
            continue;
        case OP_MODULE_AUX:
            if (!skip_module_aux(w)) return fail_at(w, at, "malformed MODULE_AUX record");
            w->module_aux++;
            continue;
        case OP_FUNCTION2:
            if (!skip_string(w)) return fail_at(w, at, "malformed FUNCTION record");
            w->functions++;
            continue;
        case OP_FUNCTION_PRE_GA:
            return fail_at(w, at, "pre-release (7.0 RC) FUNCTION records are not supported");
        default:
            return read_key(w, op, at, rec);
        }
    }
}

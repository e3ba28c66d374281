/* rdb_skip.c -- passing over module values and strings in an RDB file (rdb_skip.h). */
#include "rdb_skip.h"

#include <stdio.h>

#include "rdb_value.h"

/* Object types (Redis's rdb.h) read here rather than by rdb_value.c. */
enum {
    TYPE_MODULE_PRE_GA = 6,
    TYPE_MODULE_2 = 7,
};

/* Module value opcodes. */
enum { MOD_EOF = 0, MOD_SINT = 1, MOD_UINT = 2, MOD_FLOAT = 3, MOD_DOUBLE = 4, MOD_STRING = 5 };

typedef struct cursor {
    const uint8_t *p;
    size_t n, pos;
} cursor;

static bool len_at(cursor *c, uint64_t *len) {
    size_t used;
    if (rdb_read_len(c->p + c->pos, c->n - c->pos, len, &used) != RDB_OK) return false;
    c->pos += used;
    return true;
}

static bool bytes_at(cursor *c, uint64_t n) {
    if (n > c->n - c->pos) return false;
    c->pos += (size_t)n;
    return true;
}

static bool string_at(cursor *c) {
    size_t used;
    if (!rdb_skip_string(c->p + c->pos, c->n - c->pos, &used)) return false;
    c->pos += used;
    return true;
}

bool rdb_skip_string(const uint8_t *in, size_t n, size_t *used) {
    if (n == 0) return false;
    uint8_t b = in[0];
    if ((b >> 6) != 3) {
        uint64_t len;
        size_t head;
        if (rdb_read_len(in, n, &len, &head) != RDB_OK || len > n - head) return false;
        *used = head + (size_t)len;
        return true;
    }
    cursor c = {in, n, 1};
    switch (b & 0x3f) {
    case 0:
    case 1:
    case 2:
        if (!bytes_at(&c, 1u << (b & 0x3f))) return false;
        break;
    case 3: { /* LZF: compressed length, plain length, the compressed bytes */
        uint64_t clen, ulen;
        if (!len_at(&c, &clen) || !len_at(&c, &ulen) || !bytes_at(&c, clen)) return false;
        break;
    }
    default:
        return false;
    }
    *used = c.pos;
    return true;
}

static bool module_body(cursor *c) {
    for (;;) {
        uint64_t op, x;
        if (!len_at(c, &op)) return false;
        switch (op) {
        case MOD_EOF:
            return true;
        case MOD_SINT:
        case MOD_UINT:
            if (!len_at(c, &x)) return false;
            break;
        case MOD_FLOAT:
            if (!bytes_at(c, 4)) return false;
            break;
        case MOD_DOUBLE:
            if (!bytes_at(c, 8)) return false;
            break;
        case MOD_STRING:
            if (!string_at(c)) return false;
            break;
        default:
            return false;
        }
    }
}

bool rdb_skip_module_body(const uint8_t *in, size_t n, size_t *used) {
    cursor c = {in, n, 0};
    if (!module_body(&c)) return false;
    *used = c.pos;
    return true;
}

/* A module type's name from its 64-bit id: nine 6-bit characters above a 10-bit version. */
static void module_name(uint64_t id, char name[10]) {
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    id >>= 10;
    for (int j = 8; j >= 0; j--) {
        name[j] = set[id & 63];
        id >>= 6;
    }
    name[9] = 0;
}

const char *rdb_skip_value(uint8_t type, const uint8_t *in, size_t n, size_t *used, char *why,
                           size_t cap) {
    cursor c = {in, n, 0};
    switch (type) {
    case RDB_TYPE_STRING:
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_ZSET:
    case RDB_TYPE_HASH:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_LIST_QUICKLIST_2:
    case RDB_TYPE_SET_LISTPACK:
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
        return NULL;
    case TYPE_MODULE_2: {
        uint64_t id;
        char name[10];
        if (!len_at(&c, &id) || !module_body(&c)) return "malformed module value";
        module_name(id, name);
        snprintf(why, cap, "a value of module type %s", name);
        break;
    }
    case TYPE_MODULE_PRE_GA:
        return "module value in the pre-release format (object type 6): its length cannot be "
               "known, so the rest of the file cannot be read";
    default:
        snprintf(why, cap,
                 "unknown object type %u: its length cannot be known, so the rest of the file "
                 "cannot be read",
                 type);
        return why;
    }
    *used = c.pos;
    return "";
}

/* rdb_value.h -- decoding one value in Redis's RDB encoding (what a DUMP payload and an RDB file
 * hold after a key), into plain elements a caller can rebuild a value from.
 *
 * Handles every encoding Redis up to 7.2 writes for strings, lists, sets, sorted sets and hashes:
 * length-prefixed, integer-encoded and LZF-compressed strings; plain lists, quicklists of
 * ziplists (v1) and of listpacks or plain nodes (v2); hashtable sets, intsets and listpack sets;
 * skiplist sorted sets (text or binary scores), ziplist and listpack ones; hashtable, zipmap,
 * ziplist and listpack hashes; streams (listpacks v1 to v3: entries, IDs, consumer groups,
 * their pending entries and consumers) as the commands that rebuild them.  Modules are refused
 * (rdb_skip.h passes over them in a file).  Everything read is checked against the input's bounds:
 * malformed bytes give RDB_EFORMAT, never a read outside them.
 *
 * The decoded value's elements are views: into the input where its bytes lie as they are, else
 * into memory the value owns (decompressed strings, integers written as text).  Free it with
 * rdb_value_free.  Memory is bounded by the input's size plus at most RDB_DECODE_MAX_BYTES of
 * decompressed bytes.
 */
#ifndef KEEL_DUMP_RDB_VALUE_H
#define KEEL_DUMP_RDB_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RDB object type bytes (Redis's rdb.h numbering). */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20,
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
};

/* What a decoded value is. */
typedef enum rdb_kind {
    RDB_KIND_STRING, /* items[0] */
    RDB_KIND_LIST,   /* items in list order */
    RDB_KIND_SET,    /* items: the members */
    RDB_KIND_ZSET,   /* items: the members, scores[i] the score of items[i] */
    RDB_KIND_HASH,   /* items: field, value, field, value ... (count is 2 * fields) */
    /* items: the commands that make it (XADD, XSETID, XGROUP, XCLAIM), each its argument count
     * (decimal text) then its arguments, the key being an item with a NULL ptr */
    RDB_KIND_STREAM,
} rdb_kind;

typedef enum rdb_status {
    RDB_OK = 0,
    RDB_EFORMAT, /* malformed or unsupported bytes */
    RDB_ENOMEM,  /* memory ran out, or the value would pass RDB_DECODE_MAX_BYTES */
} rdb_status;

/* The most bytes a decode may produce beyond its input (decompressed strings, integer text). */
#define RDB_DECODE_MAX_BYTES ((size_t)512 * 1024 * 1024)

typedef struct rdb_item {
    const uint8_t *ptr;
    size_t len;
} rdb_item;

typedef struct rdb_block rdb_block; /* memory a value owns (rdb_value.c) */

typedef struct rdb_value {
    rdb_kind kind;
    size_t count; /* items */
    rdb_item *items;
    double *scores;  /* RDB_KIND_ZSET only */
    size_t cap;      /* room in items (and scores) */
    size_t produced; /* bytes owned in blocks */
    rdb_block *blocks;
} rdb_value;

/* Decodes one value of RDB object type `type` from in[0..n): RDB_OK sets *out (free it with
 * rdb_value_free) and *used to the bytes it read; on failure *out holds nothing to free and *err
 * says why (a static string, for logs).  Empty collections, and sets, sorted sets or hashes
 * (of more than 128 fields) that name a member or field twice, are refused, as Redis does. */
rdb_status rdb_value_decode(uint8_t type, const uint8_t *in, size_t n, size_t *used, rdb_value *out,
                            const char **err);

/* Reads one length in RDB's 6/14/32/64-bit encoding from in[0..n): RDB_OK with *len and *used
 * (the bytes it took); RDB_EFORMAT when the bytes are cut short or hold a string's special
 * encoding instead. */
rdb_status rdb_read_len(const uint8_t *in, size_t n, uint64_t *len, size_t *used);

/* Frees what a decoded value owns (safe on a zeroed value); the views die with it. */
void rdb_value_free(rdb_value *v);

#endif

/* rdb_decoder.h -- what rdb_value.c and rdb_packed.c share while decoding one RDB value: the
 * value being filled and the memory it owns.  Not part of rdb_value.h's interface. */
#ifndef KEEL_DUMP_RDB_DECODER_H
#define KEEL_DUMP_RDB_DECODER_H

#include "rdb_value.h"

/* Room for n bytes owned by v (NULL when memory ran out or v would pass its limit). */
uint8_t *rdb_own(rdb_value *v, size_t n);

/* Appends an element (a view that must outlive v, or bytes from rdb_own). */
rdb_status rdb_push(rdb_value *v, const uint8_t *ptr, size_t len);

/* Appends an integer element, written as decimal text in v's memory. */
rdb_status rdb_push_int(rdb_value *v, int64_t x);

/* Every element of a ziplist, listpack, intset or zipmap blob, appended in order.  The blob must
 * stay valid as long as v (input bytes, or bytes v owns). */
rdb_status rdb_ziplist_items(rdb_value *v, const uint8_t *zl, size_t n);
rdb_status rdb_listpack_items(rdb_value *v, const uint8_t *lp, size_t n);
rdb_status rdb_intset_items(rdb_value *v, const uint8_t *is, size_t n);
rdb_status rdb_zipmap_items(rdb_value *v, const uint8_t *zm, size_t n);

/* A cursor over one value's bytes while it is decoded into v; err: the first problem seen. */
typedef struct rdb_reader {
    const uint8_t *p;
    size_t pos, n;
    rdb_value *v;
    const char *err;
} rdb_reader;

/* Notes why the bytes are bad (the first reason stays): RDB_EFORMAT. */
rdb_status rdb_bad(rdb_reader *r, const char *why);
/* A length in RDB's encoding; a string (its bytes as a view, LZF and integers decoded). */
rdb_status rdb_read_length(rdb_reader *r, uint64_t *len);
rdb_status rdb_read_string(rdb_reader *r, rdb_item *out);

/* A stream of object type 15, 19 or 21 (rdb_stream.c), as the commands that make it. */
rdb_status rdb_stream_read(rdb_reader *r, uint8_t type);

#endif

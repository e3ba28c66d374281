/* btobj.h -- the "btree" type of btree.so: one dk_map per key from sort key to row, and the
 * helpers every btree command shares (lookup with the type check, creation and deletion of
 * emptied tables, typed text, row encoding, operands, replies).
 *
 * Sort keys and values are typed: argument text that reads as a number (a decimal integer, or a
 * finite real in strtod's decimal notation) is a number, anything else bytes; a real without a
 * fraction is kept as the integer it equals.  Keys order as
 * datakit boxes do: every number by value before every byte string (memcmp).
 *
 * A row is stored as one box in the map: a number value as that number; a bytes value as bytes
 * "\0" + the value; a record of named fields as bytes "\1" + a dk_row (datakit/row.h).  A table
 * is never left empty in the keyspace: the command that removes its last row deletes the key.
 */
#ifndef KEEL_BTREE_BTOBJ_H
#define KEEL_BTREE_BTOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <datakit/map.h>
#include <datakit/row.h>
#include <keel/sdk.h>

/* Reductions: a cursor step (and its reply nodes, or its filter test); a lookup, insertion or
 * removal by key. */
#define BT_COST_STEP 1
#define BT_COST_UPDATE 10

/* Row tags (the first byte of a bytes-encoded row). */
#define BT_TAG_BYTES 0
#define BT_TAG_FIELDS 1

/* The type id the core gave "btree" (valid once bt_register_type has run). */
extern keel_type_id bt_type;

keel_status bt_register_type(keel_module *m, const char **err);

/* Looks key up as a btree: KEEL_OK with *t (valid until the process yields, hops, blocks or
 * deletes the key), KEEL_NOTFOUND, KEEL_MOVED/KEEL_WAIT (pass on with KEEL_OP_PROPAGATE),
 * KEEL_EWRONGTYPE (nothing replied: use bt_wrongtype). */
keel_status bt_find(keel_proc *p, const void *key, size_t klen, dk_map **t);
/* Stores a new empty table at key (after a bt_find that answered KEEL_NOTFOUND). */
keel_status bt_create(keel_proc *p, const void *key, size_t klen, dk_map **t);
/* Deletes key when t is empty (announcing "del"). */
keel_status bt_settle(keel_proc *p, const void *key, size_t klen, const dk_map *t);

/* Replies an error (dropping what was replied); returns KEEL_FAIL. */
keel_op_result bt_error(keel_proc *p, const char *msg);
keel_op_result bt_wrongtype(keel_proc *p);
keel_op_result bt_oom(keel_proc *p);

/* Typed text (see above): a view of s for bytes. */
dk_val bt_parse_box(const char *s, size_t n);
/* A finite real as a box: an integer when it has no fraction and |d| < 2^53 (so 1e3 is 1000 and
 * -0.0 is 0), else the real. */
dk_val bt_number(double d);
/* Reads an argument as an integer, replying Redis's error on failure. */
bool bt_arg_int(keel_proc *p, const keel_arg *a, int64_t *out);

/* A stored row, decoded: a plain value, or the bytes of a record. */
typedef struct bt_row {
    bool record;
    dk_val plain;       /* !record */
    const uint8_t *row; /* record: dk_row bytes */
    size_t len;
} bt_row;

/* Decodes a stored row box; false when it is malformed. */
bool bt_row_decode(const dk_val *stored, bt_row *out);
/* The stored form of a plain value (arena memory for bytes). */
dk_val bt_row_plain(keel_proc *p, const dk_val *v);
/* The stored form of a record (arena memory); false when the fields cannot form a row. */
bool bt_row_record(keel_proc *p, const dk_field *f, size_t n, dk_val *out);
/* True when a stored row box is well-formed (what snapshot loading checks). */
bool bt_row_valid(const dk_val *stored);

/* What a filter, an aggregation, a group or a top-N reads from a row. */
enum { BT_OPND_VALUE = 0, BT_OPND_KEY, BT_OPND_FIELD };
typedef struct bt_operand {
    int kind;
    const char *name; /* BT_OPND_FIELD */
    size_t nlen;
} bt_operand;

/* Parses an operand argument: VALUE, KEY, or @name; false when it is none of those. */
bool bt_parse_operand(const char *s, size_t n, bt_operand *o);
/* The operand's value in a row; false when the row has none (a record asked for VALUE, a plain
 * value asked for a field, a record without the field). */
bool bt_operand_get(const bt_operand *o, const dk_val *key, const bt_row *row, dk_val *out);

/* Replies a box as text (numbers in their shortest decimal form). */
void bt_reply_box(keel_proc *p, const dk_val *v);
/* Replies a stored row's value: a plain value as text, a record as a map of its fields; returns
 * the number of fields replied (what the reply costs beyond one step). */
int64_t bt_reply_row(keel_proc *p, const dk_val *stored);
/* Replies a real: a RESP3 double, or its "%.17g" text ("inf", "-inf") as bulk in RESP2. */
void bt_reply_real(keel_proc *p, double d);

#endif

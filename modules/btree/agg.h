/* agg.h -- the accumulators of BTAGG: COUNT, SUM, MIN, MAX, AVG over the operand values of
 * the rows of one group, with the mixed-type rules docs/commands-btree.md states (SUM and AVG
 * read numbers only; MIN and MAX compare every present value in sort key order).
 *
 * MIN and MAX keep a number by value but a string only as the rank of the row holding it, read
 * again from the table when another string competes and when the result is replied: no copy, so
 * an aggregation holds no more memory than its fixed-size accumulators, however long the strings.
 * The table is unchanged for the whole aggregation (its key stays locked while it yields).
 */
#ifndef KEEL_BTREE_AGG_H
#define KEEL_BTREE_AGG_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/map.h>
#include <keel/sdk.h>

#include "btobj.h"

enum { AGG_COUNT = 0, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG };

/* One aggregate as asked. */
typedef struct bt_aggspec {
    int fn;
    bt_operand opnd; /* all but AGG_COUNT */
} bt_aggspec;

/* One aggregate's running state in one group. */
typedef struct bt_acc {
    int64_t n;          /* rows (COUNT), numbers (SUM AVG), present values (MIN MAX) */
    int64_t isum;       /* SUM AVG: the exact sum while every number was an int64 */
    bool inexact;       /* a number was not an int64, or isum overflowed */
    double dsum;        /* SUM AVG: the sum as a double */
    dk_val best;        /* MIN MAX: a number, or DK_BYTES without bytes (see best_rank) */
    uint64_t best_rank; /* MIN MAX: the row holding the best string */
} bt_acc;

/* Adds the row of rank `rank` in t to acc (the operand's value v, when present). */
void bt_acc_add(bt_acc *acc, const bt_aggspec *spec, const dk_map *t, uint64_t rank,
                const dk_val *v, bool present);
/* Replies acc's result: COUNT an integer; SUM an integer when exact, else a real; AVG a real,
 * nil without numbers; MIN MAX the value as text, nil without values (or when t, NULL, is gone
 * and the value was a string). */
void bt_acc_reply(keel_proc *p, const bt_acc *acc, const bt_aggspec *spec, const dk_map *t);

#endif

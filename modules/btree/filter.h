/* filter.h -- the FILTER expressions of btree.so's range commands: comparisons of a row's value,
 * sort key or named field with a literal, combined with AND, OR, NOT and parentheses.
 *
 *   expr    := or
 *   or      := and { OR and }
 *   and     := unary { AND unary }
 *   unary   := NOT unary | '(' expr ')' | operand op literal
 *   operand := VALUE | KEY | @name | @'quoted name'
 *   op      := = | != | < | <= | > | >=
 *   literal := number | 'text' | "text"          (backslash escapes the quote and itself)
 *
 * Words are case-insensitive.  Comparisons use the sort key order (every number by value before
 * every string); a row without the operand (a missing field, VALUE of a record) makes the
 * comparison false, whatever the operator.  An expression is bounded: at most
 * BT_FILTER_MAX_BYTES of text, BT_FILTER_MAX_TERMS comparisons, BT_FILTER_MAX_DEPTH nesting.
 */
#ifndef KEEL_BTREE_FILTER_H
#define KEEL_BTREE_FILTER_H

#include <stdbool.h>
#include <keel/sdk.h>

#include "btobj.h"

#define BT_FILTER_MAX_BYTES 4096
#define BT_FILTER_MAX_TERMS 64
#define BT_FILTER_MAX_DEPTH 16

typedef struct bt_filter bt_filter;

/* Parses text into *out (arena memory); false after replying "ERR filter ..." with where and
 * what went wrong. */
bool bt_filter_parse(keel_proc *p, const keel_arg *text, bt_filter **out);
/* True when the row passes. */
bool bt_filter_match(const bt_filter *f, const dk_val *key, const bt_row *row);
/* The number of comparisons (what one test costs, in reductions). */
int bt_filter_terms(const bt_filter *f);

#endif

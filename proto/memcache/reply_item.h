/* reply_item.h -- reading the reply trees the memcached commands answer, for both encoders (text
 * and binary): numbers, strings, and the [key, flags, value, cas] array of an item. */
#ifndef MC_REPLY_ITEM_H
#define MC_REPLY_ITEM_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/reply.h>

/* The unsigned integer of node r (INT >= 0 or UINT): true with *v. */
bool mc_reply_u64(const keel_reply *r, uint64_t *v);
/* True for a string node (bulk, simple, verbatim). */
bool mc_reply_is_string(const keel_reply *r);

/* An item as a get replies it: the array [key, flags, value, cas]. */
typedef struct mc_item_view {
    const keel_reply *key, *value;
    uint64_t flags, cas;
} mc_item_view;

/* Reads item array r into *out: false when r has another shape. */
bool mc_reply_item(const keel_reply *r, mc_item_view *out);

#endif

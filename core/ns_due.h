/* ns_due.h -- each shard's namespaces whose tables hold expiring keys, ordered by the earliest
 * expiry in each table (a binary min-heap), so active expiry reaches the due ones without
 * visiting the others and the thread knows the shard's next deadline.  Owner thread only. */
#ifndef KEEL_CORE_NS_DUE_H
#define KEEL_CORE_NS_DUE_H

#include "ns.h"

struct shard;

/* Puts o in, moves it, or takes it out of its shard's heap by what its table holds now; when o
 * comes due sooner than before, the owning thread's expiry timer is told (expire_soon). */
void ns_due_update(ns_obj *o);
/* Takes o out of its shard's heap (no-op when it is not in). */
void ns_due_remove(ns_obj *o);
/* The namespace of s whose table has the earliest expiry, NULL when none has any. */
ns_obj *ns_due_first(const struct shard *s);
/* Takes every namespace out of s's heap and frees the heap's array: before the shard's tables
 * go, so namespaces freed then or later (lazily, after the shard) never reach the shard. */
void ns_due_free(struct shard *s);

#endif

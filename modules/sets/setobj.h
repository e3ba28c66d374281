/* setobj.h -- the "set" type of sets.so: one dk_set per key, and the helpers every set command
 * shares (lookup with the type check, member boxes and their text, replies, creation, deletion
 * of emptied sets, reduction costs).
 *
 * Members are stored as datakit boxes: an argument that dk_parse_int accepts (a canonical
 * decimal integer: "42", "-7", "18446744073709551615"; never "042", "+1", "-0" or "1.0") becomes
 * an integer box, anything else a bytes box.  Integer text and integer values map one to one and
 * a bytes box never equals an integer box, so membership is exactly Redis's byte equality, and a
 * set of int64 members stays in datakit's packed integer tier (2-8 bytes a member).
 *
 * Order: a dk_set keeps its members sorted (integers by value, then other members bytewise), so
 * every reply that lists members of a set (SMEMBERS, SINTER, SUNION, SDIFF, SSCAN pages, SPOP and
 * SRANDMEMBER with a positive count) comes sorted in that order, on every connection.  A set is
 * never left empty in the keyspace: the command that removes its last member deletes the key.
 */
#ifndef KEEL_SETS_SETOBJ_H
#define KEEL_SETS_SETOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <datakit/box.h>
#include <datakit/set.h>
#include <keel/sdk.h>

/* Reductions charged per member: a cursor step plus a reply node, and a lookup, insertion or
 * removal in a set (a few hundred ns in a set of millions: about a dozen 50 ns reductions). */
#define SETS_COST_STEP 1
#define SETS_COST_PROBE 12
#define SETS_COST_UPDATE 12
/* ... and one in datakit's general tier that may compare integer members, which it decodes
 * slowly (about 5 us a lookup or a rank, 4-10 us an insertion). */
#define SETS_COST_SLOW 120

/* Reductions for one lookup, rank, insertion or removal of m (NULL: any member) in s. */
static inline int64_t sets_cost(const dk_set *s, const dk_val *m) {
    if (dk_set_is_intset(s) || (m && m->type == DK_BYTES)) return SETS_COST_PROBE;
    return SETS_COST_SLOW;
}

/* The type id the core gave "set" (valid once sets_register_type has run). */
extern keel_type_id sets_type;

/* Registers the "set" type (free, copy, memory usage, describe, to-reply). */
keel_status sets_register_type(keel_module *m, const char **err);

/* Looks key up as a set.  KEEL_OK sets *s (owned by the keyspace; valid until this process
 * yields, hops, blocks or deletes the key), KEEL_NOTFOUND when absent, KEEL_MOVED/KEEL_WAIT to
 * pass on with KEEL_OP_PROPAGATE, KEEL_EWRONGTYPE when the key holds another type (nothing is
 * replied: use sets_wrongtype). */
keel_status sets_find(keel_proc *p, const void *key, size_t klen, dk_set **s);

/* Replies the WRONGTYPE error; returns KEEL_FAIL. */
keel_op_result sets_wrongtype(keel_proc *p);

/* Replies "ERR out of memory"; returns KEEL_FAIL. */
keel_op_result sets_oom(keel_proc *p);

/* Stores a new empty set at key (call it right after a sets_find that answered KEEL_NOTFOUND,
 * on the key's thread).  KEEL_OK sets *s; otherwise the store's status and nothing is stored.
 * The caller adds a member before it yields, or deletes the key with sets_settle. */
keel_status sets_create(keel_proc *p, const void *key, size_t klen, dk_set **s);

/* Deletes key when its set s is empty (Redis never keeps an empty set).  Returns KEEL_OK or
 * the delete's status (KEEL_MOVED/KEEL_WAIT cannot happen right after a lookup). */
keel_status sets_settle(keel_proc *p, const void *key, size_t klen, const dk_set *s);

/* The box s[0..n) is stored as (bytes boxes view s, which must outlive the box's use). */
dk_val sets_box(const void *s, size_t n);

/* The text of a member: sets *s (into the box's bytes, or into buf for numbers) and returns
 * its length. */
size_t sets_text(const dk_val *m, char buf[DK_BOX_TEXT_MAX], const char **s);

/* Replies one member as a bulk string, exactly the bytes it was added as. */
void sets_reply_member(keel_proc *p, const dk_val *m);

/* A copy of m whose bytes live in the process arena (for a member about to leave its set, or
 * to be kept across a yield or a hop). */
dk_val sets_keep(keel_proc *p, const dk_val *m);

#endif

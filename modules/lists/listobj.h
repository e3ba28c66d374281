/* listobj.h -- the "list" type of lists.so: one dk_list of boxes per key, and the helpers every
 * list command shares (lookup with the type check, element boxes, replies, creation, deletion
 * of emptied lists, reduction charges).
 *
 * Elements are stored as datakit boxes: an argument that dk_parse_int accepts (a canonical
 * decimal integer: "42", "-7", never "042", "+1" or "-0") becomes an integer box, anything else
 * a bytes box.  The two forms never compare equal and each gives back exactly the bytes it was
 * made from, so replies are byte-exact and equality is byte equality.  A list is never left
 * empty in the keyspace: the command that removes its last element deletes the key.
 */
#ifndef KEEL_LISTS_LISTOBJ_H
#define KEEL_LISTS_LISTOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <datakit/list.h>
#include <keel/sdk.h>

/* The type id the core gave "list" (valid once lst_register_type has run). */
extern keel_type_id lst_type;

/* Registers the "list" type (free, copy, memory usage, describe, to-reply). */
keel_status lst_register_type(keel_module *m, const char **err);

/* Looks key up as a list.  KEEL_OK sets *l (owned by the keyspace; valid until this process
 * yields, hops, blocks or deletes the key), KEEL_NOTFOUND when absent, KEEL_MOVED/KEEL_WAIT to
 * pass on with KEEL_OP_PROPAGATE, KEEL_EWRONGTYPE when the key holds another type (nothing is
 * replied: use lst_wrongtype). */
keel_status lst_find(keel_proc *p, const void *key, size_t klen, dk_list **l);

/* Replies the WRONGTYPE error; returns KEEL_FAIL. */
keel_op_result lst_wrongtype(keel_proc *p);

/* Replies "ERR out of memory"; returns KEEL_FAIL. */
keel_op_result lst_oom(keel_proc *p);

/* Stores a new empty list at key (absent, and owned by this thread: call it right after a
 * lst_find that answered KEEL_NOTFOUND).  KEEL_OK sets *l; otherwise the store's status and
 * nothing is stored.  The caller pushes at least one element before it yields, or deletes the
 * key with lst_settle. */
keel_status lst_create(keel_proc *p, const void *key, size_t klen, dk_list **l);

/* Deletes key when its list l is empty (Redis never keeps an empty list).  Returns KEEL_OK or
 * the delete's status. */
keel_status lst_settle(keel_proc *p, const void *key, size_t klen, const dk_list *l);
/* The same without the "del" event lst_settle sends when it deletes the key: *deleted says
 * whether it did (a move sends its events once the element is pushed, in Redis's order). */
keel_status lst_settle_quiet(keel_proc *p, const void *key, size_t klen, const dk_list *l,
                             bool *deleted);

/* The box an argument is stored as (bytes view into the argument, which lives as long as the
 * process). */
dk_val lst_box(const keel_arg *a);

/* Replies one element as a bulk string, exactly the bytes it was pushed as. */
void lst_reply_elem(keel_proc *p, const dk_val *v);
/* Reductions replying one element costs: one for the step, one for the reply node and its copy
 * (a slice of LRANGE then takes about a quarter of a millisecond), plus 1 per KiB of bytes. */
static inline int64_t lst_reply_cost(const dk_val *v) {
    return 2 + (v->type == DK_BYTES ? (int64_t)(v->len / 1024) : 0);
}

/* A copy of v whose bytes live in the process arena (for an element about to be popped). */
dk_val lst_keep(keel_proc *p, const dk_val *v);

/* How many chunks of a list's chunk index one reduction pays for moving or rebuilding (adding
 * or removing a chunk is O(chunks) there). */
#define LST_CHUNKS_PER_REDUCTION 32

/* Charges the reductions of one element step plus, when the step added or removed a chunk
 * (before = dk_list_chunks before it), the chunk index's O(chunks) rework.  True when the
 * budget is spent. */
bool lst_charge_step(keel_proc *p, const dk_list *l, size_t before);

#endif

/* zobj.h -- the "zset" type of zsets.so: one dk_zset per key, and the helpers every sorted set
 * command shares (lookup with the type check, creation and deletion of emptied sets, scores as
 * Redis parses and prints them, replies whose shape depends on the RESP version).
 *
 * A sorted set is never left empty in the keyspace: the command that removes its last member
 * deletes the key.  Scores are doubles, never NaN; -0 is stored as 0 (Redis 7.0 prints it "0").
 */
#ifndef KEEL_ZSETS_ZOBJ_H
#define KEEL_ZSETS_ZOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <datakit/zset.h>
#include <keel/sdk.h>

/* Reductions charged per element: a cursor step plus its reply nodes; a lookup, insertion or
 * removal by member (a hash probe and a store search: about ten 50 ns reductions). */
#define ZS_COST_STEP 1
#define ZS_COST_UPDATE 10

/* The type id the core gave "zset" (valid once zs_register_type has run). */
extern keel_type_id zs_type;

keel_status zs_register_type(keel_module *m, const char **err);

/* Looks key up as a sorted set: KEEL_OK with *z (owned by the keyspace, valid until the process
 * yields, hops, blocks or deletes the key), KEEL_NOTFOUND, KEEL_MOVED/KEEL_WAIT (pass on with
 * KEEL_OP_PROPAGATE), KEEL_EWRONGTYPE (nothing replied: use zs_wrongtype). */
keel_status zs_find(keel_proc *p, const void *key, size_t klen, dk_zset **z);

/* Replies the WRONGTYPE error (dropping what was replied); returns KEEL_FAIL. */
keel_op_result zs_wrongtype(keel_proc *p);
/* Replies "ERR out of memory"; returns KEEL_FAIL. */
keel_op_result zs_oom(keel_proc *p);
/* Replies an error (dropping what was replied); returns KEEL_FAIL. */
keel_op_result zs_error(keel_proc *p, const char *msg);

/* Stores a new empty sorted set at key (after a zs_find that answered KEEL_NOTFOUND). */
keel_status zs_create(keel_proc *p, const void *key, size_t klen, dk_zset **z);
/* ZRANGESTORE, Z*STORE: result replaces dst (which is deleted when result is NULL or empty, with
 * Redis's "del" event if it existed), announced as `event`; dst keeps result (KEEL_OK) or the
 * caller still owns it. */
keel_status zs_replace(keel_proc *p, const keel_arg *dst, dk_zset *result, const char *event);
/* Deletes key when z is empty. */
keel_status zs_settle(keel_proc *p, const void *key, size_t klen, const dk_zset *z);

/* Parses a score as Redis does (strtod, "inf"/"-inf"/"+inf", no NaN, no trailing bytes). */
bool zs_parse_score(const keel_arg *a, double *out);

/* Whether the client speaks RESP3 (resp.so records it as the option resp.protover). */
bool zs_resp3(keel_proc *p);
/* Replies a score: a RESP3 double, or its Redis 7.0 text ("%.17g", "inf", "-inf") as bulk. */
void zs_reply_score(keel_proc *p, double s);
/* Replies a list of n elements with or without scores: RESP2 flat (2n with scores), RESP3
 * n pairs [member, score].  Then call zs_reply_entry n times. */
void zs_reply_list(keel_proc *p, size_t n, bool withscores);
void zs_reply_entry(keel_proc *p, const dk_zentry *e, bool withscores);

/* An arena copy of an entry's member (kept across a yield, a hop or a removal). */
dk_zentry zs_keep(keel_proc *p, const dk_zentry *e);

/* Reads an argument as an integer with Redis's error "ERR value is not an integer or out of
 * range" replied on failure. */
bool zs_arg_int(keel_proc *p, const keel_arg *a, int64_t *out);

#endif

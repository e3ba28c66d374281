/* sobj.h -- the "stream" type of streams.so: a dk_stream of entries plus the stream's counters and
 * consumer groups, and the helpers every stream command shares (lookup with the type check,
 * creation, errors, IDs as Redis parses and prints them).
 *
 * Unlike the other types, an empty stream stays in the keyspace (as in Redis): XDEL and XTRIM may
 * leave it with no entries, and XGROUP CREATE ... MKSTREAM creates one.
 */
#ifndef KEEL_STREAMS_SOBJ_H
#define KEEL_STREAMS_SOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/stream.h>
#include <keel/sdk.h>

#include "cgroup.h"

/* Reductions: one per entry walked (a decode and its reply nodes), a few per group or PEL
 * update (a binary search). */
#define XS_COST_ENTRY 1
#define XS_COST_UPDATE 4
/* Chunks freed per reduction when trimming or freeing (a chunk holds up to 100 entries). */
#define XS_COST_CHUNK 2

/* One stream value. */
typedef struct xs_stream {
    dk_stream *log;
    dk_sid last_id;         /* last-generated-id: every new entry's ID is greater */
    dk_sid max_deleted;     /* max-deleted-entry-id (XDEL, XSETID MAXDELETEDID) */
    dk_sid first_id;        /* recorded-first-entry-id: 0-0 while empty */
    uint64_t entries_added; /* entries ever added (XSETID ENTRIESADDED sets it) */
    xs_groups groups;       /* consumer groups, by name */
} xs_stream;

/* The type id the core gave "stream" (valid once xs_register_type has run). */
extern keel_type_id xs_type;

keel_status xs_register_type(keel_module *m, const char **err);

/* A new empty stream (NULL when out of memory); xs_stream_free frees one not stored. */
xs_stream *xs_stream_new(void);
void xs_stream_free(xs_stream *s);

/* Looks key up as a stream: KEEL_OK with *s (owned by the keyspace, valid until the process
 * yields, hops, blocks or deletes the key), KEEL_NOTFOUND, KEEL_MOVED/KEEL_WAIT (pass on with
 * KEEL_OP_PROPAGATE), KEEL_EWRONGTYPE (nothing replied: use xs_wrongtype). */
keel_status xs_find(keel_proc *p, const keel_arg *key, xs_stream **s);
/* Stores a new empty stream at key (after xs_find answered KEEL_NOTFOUND). */
keel_status xs_create(keel_proc *p, const keel_arg *key, xs_stream **s);

/* Reply an error (dropping what was replied) and return KEEL_FAIL. */
keel_op_result xs_error(keel_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
keel_op_result xs_wrongtype(keel_proc *p);
keel_op_result xs_oom(keel_proc *p);
/* "ERR syntax error" */
keel_op_result xs_syntax(keel_proc *p);

/* ======== IDs ======== */

#define XS_ID_MAX ((dk_sid){UINT64_MAX, UINT64_MAX})
#define XS_ID_TEXT_MAX 44

static inline bool xs_id_zero(dk_sid id) {
    return id.ms == 0 && id.seq == 0;
}

/* Writes "ms-seq" into out (XS_ID_TEXT_MAX bytes); returns its length. */
size_t xs_id_text(dk_sid id, char *out);
void xs_reply_id(keel_proc *p, dk_sid id);

/* ID + 1 and ID - 1; false when there is none (max-max, 0-0). */
bool xs_id_incr(dk_sid *id);
bool xs_id_decr(dk_sid *id);

/* Parses an ID as Redis's streamGenericParseIDOrReply: "ms-seq", "ms" (seq = missing_seq), and
 * unless strict "-" (0-0) and "+" (max-max); with seq_star non-NULL "ms-*" too (*seq_star false
 * then).  Replies "ERR Invalid stream ID specified as stream command argument" on failure. */
bool xs_parse_id(keel_proc *p, const keel_arg *a, bool strict, uint64_t missing_seq, dk_sid *id,
                 bool *seq_given);

/* The same without replying: false when a is not an ID. */
bool xs_id_scan(const keel_arg *a, bool strict, uint64_t missing_seq, dk_sid *id, bool *seq_given);

/* A subcommand of XGROUP or XINFO: its name and its arity as Redis counts it (N exactly, -N at
 * least, the command's own name and the subcommand included). */
typedef struct xs_subcmd {
    const char *name;
    int arity;
} xs_subcmd;

/* The index in subs[0..n) of argv[1], or -1 after replying Redis's error for an unknown
 * subcommand or a wrong argument count (cmd: "xgroup", "xinfo"). */
int xs_subcommand(keel_proc *p, const char *cmd, const xs_subcmd *subs, size_t n);

/* Replies a HELP subcommand's lines, each a simple string. */
void xs_reply_help(keel_proc *p, const char *const *lines, size_t n);

/* An integer argument, or Redis's "ERR value is not an integer or out of range" replied. */
bool xs_arg_int(keel_proc *p, const keel_arg *a, int64_t *out);

/* Whether the client speaks RESP3 (resp.so records it as the option resp.protover). */
bool xs_resp3(keel_proc *p);

/* ======== entries ======== */

/* Replies one entry: [id, [field, value, ...]]. */
void xs_reply_entry(keel_proc *p, const dk_sentry *e);

/* Walks s's live entries from *from (inclusive) to end (inclusive; backward: from down to end),
 * at most *left of them (-1: no limit, counted down), calling each(ctx, entry) for every one.
 * True when done (end or count reached); false when the budget ran out first: *from is then
 * where to go on (yield, call again).  Reductions XS_COST_ENTRY per entry. */
typedef void (*xs_each_fn)(keel_proc *p, void *ctx, const dk_sentry *e);
bool xs_walk(keel_proc *p, const xs_stream *s, dk_sid *from, dk_sid end, bool backward,
             int64_t *left, xs_each_fn each, void *ctx);
/* An xs_each_fn that replies the entry. */
void xs_each_reply(keel_proc *p, void *ctx, const dk_sentry *e);

/* The first live entry's ID, or 0-0 when empty: what Redis keeps as first_id. */
dk_sid xs_first_live(const xs_stream *s);

/* The estimated entries_read of a group at `id` (Redis's streamEstimateDistanceFromFirstEverEntry),
 * -1 when it cannot be known; whether a tombstone lies in [start, end]. */
int64_t xs_estimate_read(const xs_stream *s, dk_sid id);
bool xs_has_tombstones(const xs_stream *s, dk_sid start, dk_sid end);
/* The group's lag, or false when it cannot be known (reply nil). */
bool xs_group_lag(const xs_stream *s, const xs_group *g, int64_t *lag);

#endif

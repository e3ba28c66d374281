/* scan.c -- walking the keyspace: KEYS (every shard, in slices that yield), SCAN (cursor =
 * table cursor << 16 | shard), RANDOMKEY. */
#include "config.h"
#include "builtin.h"
#include "keyspace.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <datakit/glob.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SCAN_SHARD_BITS 16

/* The table of the client's namespace in its database on shard s (the database's own table at
 * the top level), or NULL when the namespace has no keys there. */
static dk_table *space_table(zvm_proc *p, shard *s) {
    ks_space sp;
    return ns_resolve_on(p, s, &sp) == KEEL_OK ? sp.t : NULL;
}

/* Keys collected so far, in the process arena.  KEYS walks a shard in slices, and a table
 * that resizes between two slices may show a key twice: with `dedupe`, a set of the current
 * shard's keys (indexes into v, open addressing) drops the repeats as they come. */
typedef struct key_list {
    keel_arg *v;
    size_t n, cap;
    bool dedupe;
    uint32_t *seen; /* slots hold index + 1; 0 = empty */
    size_t seen_cap, seen_n;
} key_list;

typedef struct scan_ctx {
    zvm_proc *p;
    key_list *out;
    const keel_arg *pattern; /* NULL = all */
    keel_type_id type;       /* KEEL_TYPE_NONE = any */
    int64_t now_ms;
    size_t visited;
} scan_ctx;

static void seen_insert(key_list *l, size_t idx) {
    const keel_arg *k = &l->v[idx];
    for (size_t i = ks_hash(k->ptr, k->len) & (l->seen_cap - 1);; i = (i + 1) & (l->seen_cap - 1))
        if (!l->seen[i]) {
            l->seen[i] = (uint32_t)idx + 1;
            l->seen_n++;
            return;
        }
}

/* True when key is already in this shard's part of the list. */
static bool seen_has(const key_list *l, const void *key, size_t klen, uint64_t h) {
    if (!l->seen_cap) return false;
    for (size_t i = h & (l->seen_cap - 1); l->seen[i]; i = (i + 1) & (l->seen_cap - 1)) {
        const keel_arg *k = &l->v[l->seen[i] - 1];
        if (k->len == klen && memcmp(k->ptr, key, klen) == 0) return true;
    }
    return false;
}

/* Forgets the seen set (a new shard: its keys cannot repeat another shard's). */
static void seen_reset(key_list *l) {
    if (l->seen_cap) memset(l->seen, 0, sizeof *l->seen * l->seen_cap);
    l->seen_n = 0;
}

static void seen_grow(zvm_proc *p, key_list *l, size_t shard_first) {
    size_t cap = l->seen_cap ? l->seen_cap * 2 : 1024;
    l->seen = zvm_alloc(p, sizeof *l->seen * cap);
    memset(l->seen, 0, sizeof *l->seen * cap);
    l->seen_cap = cap;
    l->seen_n = 0;
    for (size_t i = shard_first; i + 1 < l->n; i++)
        seen_insert(l, i); /* the newest is the caller's */
}

static void key_list_add(zvm_proc *p, key_list *l, const void *key, size_t klen) {
    if (l->dedupe && seen_has(l, key, klen, ks_hash(key, klen))) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        keel_arg *v = zvm_alloc(p, sizeof *v * cap);
        if (l->n) memcpy(v, l->v, sizeof *v * l->n);
        l->v = v;
        l->cap = cap;
    }
    char *copy = zvm_alloc(p, klen + 1);
    memcpy(copy, key, klen);
    copy[klen] = '\0';
    l->v[l->n].ptr = copy;
    l->v[l->n].len = klen;
    l->n++;
    if (!l->dedupe) return;
    if ((l->seen_n + 1) * 2 > l->seen_cap) seen_grow(p, l, l->n - 1 - l->seen_n);
    seen_insert(l, l->n - 1);
}

static void scan_visit(void *arg, dk_table *t, dk_ref r) {
    scan_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, r, &e);
    cx->visited++;
    if (e.expire_ms != DK_NO_EXPIRY && e.expire_ms <= cx->now_ms) return;
    if (ks_empty_namespace(&e)) return;
    if (cx->type != KEEL_TYPE_NONE &&
        (e.kind == DK_ENTRY_OBJ ? e.obj_type : KEEL_TYPE_BOX) != cx->type)
        return;
    if (cx->pattern && !dk_glob_match(cx->pattern->ptr, cx->pattern->len, e.key, e.klen, false))
        return;
    key_list_add(cx->p, cx->out, e.key, e.klen);
}

/* Opcode: keys.collect — KEYS pattern, on the walk's current shard.
 * Registers: r0 = the key list (arena), r1 = the table cursor (null before the first slice).
 * Reductions: 1 per entry visited.  May yield. */
static keel_op_result op_keys_collect(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (kp->reg[0].type != DK_PTR) kp->reg[0] = dk_ptr(zvm_alloc(p, sizeof(key_list)));
    key_list *l = (key_list *)kp->reg[0].v.ptr;
    if (kp->reg[1].type == DK_NULL) {
        if (p->cur_shard == 0) {
            memset(l, 0, sizeof *l);
            l->dedupe = true;
        }
        seen_reset(l);
        kp->reg[1] = dk_u64(0);
    }
    bool all = kp->argv[1].len == 1 && kp->argv[1].ptr[0] == '*';
    scan_ctx cx = {p, l, all ? NULL : &kp->argv[1], KEEL_TYPE_NONE, keel_now_ms(kp), 0};
    dk_table *t = space_table(p, shard_get(p->cur_shard));
    if (!t) return KEEL_NEXT; /* the namespace has nothing on this shard */
    uint64_t cursor = kp->reg[1].v.u;
    do {
        cursor = dk_table_scan(t, cursor, scan_visit, &cx);
        if (cursor != 0 && keel_charge(kp, (int64_t)cx.visited * KS_VISIT_COST + 1)) {
            kp->reg[1].v.u = cursor;
            return KEEL_YIELD;
        }
        cx.visited = 0;
    } while (cursor != 0);
    return KEEL_NEXT;
}

/* Opcode: keys.reply_list — replies the key list in r0 as an array, in slices.
 * Registers: r2 = the next key to reply.  Reductions: 2 per key.  May yield. */
static keel_op_result op_keys_reply_list(keel_proc *kp, const keel_insn *in) {
    (void)in;
    const key_list *l = kp->reg[0].type == DK_PTR ? (const key_list *)kp->reg[0].v.ptr : NULL;
    size_t n = l ? l->n : 0;
    if (kp->reg[2].type == DK_NULL) {
        keel_reply_array(kp, n);
        kp->reg[2] = dk_i64(0);
    }
    for (size_t i = (size_t)kp->reg[2].v.i; i < n; i++) {
        keel_reply_bulk(kp, l->v[i].ptr, l->v[i].len);
        if (keel_charge(kp, 2) && i + 1 < n) {
            kp->reg[2].v.i = (int64_t)i + 1;
            return KEEL_YIELD;
        }
    }
    return KEEL_NEXT;
}

static bool parse_cursor(const keel_arg *a, uint64_t *out) {
    if (a->len == 0 || a->len > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < a->len; i++) {
        if (a->ptr[i] < '0' || a->ptr[i] > '9') return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(a->ptr[i] - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

static keel_type_id type_by_name(const keel_arg *a) {
    if (keel_arg_is(a, "string")) return KEEL_TYPE_BOX;
    for (size_t i = 1; i <= type_count(); i++) {
        const type_entry *te = type_by_id((keel_type_id)i);
        if (te && keel_arg_is(a, te->def.name)) return te->id;
    }
    return (keel_type_id)(KEEL_TYPE_NONE - 1); /* a name no value has: matches nothing */
}

/* Opcode: keys.scan — SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].  Visits about
 * COUNT entries from the cursor on, hopping from thread to thread as the shards go, so a small
 * keyspace comes back whole in the first page as in Redis.  Registers (kept across hops):
 * r0 = the keys found (arena), r1 = the cursor reached, r2 = entries visited.
 * Reductions: 1 per entry.  May hop. */
static keel_op_result op_keys_scan(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    uint64_t cursor;
    if (!parse_cursor(&kp->argv[1], &cursor)) {
        keel_reply_error(kp, "ERR invalid cursor");
        return KEEL_FAIL;
    }
    int64_t count = 10;
    scan_ctx cx = {p, NULL, NULL, KEEL_TYPE_NONE, keel_now_ms(kp), 0};
    for (uint32_t i = 2; i < kp->argc; i += 2) {
        const keel_arg *opt = &kp->argv[i];
        if (i + 1 >= kp->argc) {
            keel_reply_error(kp, "ERR syntax error");
            return KEEL_FAIL;
        }
        if (keel_arg_is(opt, "MATCH")) {
            cx.pattern = &kp->argv[i + 1];
            if (cx.pattern->len == 1 && cx.pattern->ptr[0] == '*') cx.pattern = NULL;
        } else if (keel_arg_is(opt, "COUNT")) {
            if (!keel_arg_i64(&kp->argv[i + 1], &count)) {
                keel_reply_error(kp, "ERR value is not an integer or out of range");
                return KEEL_FAIL;
            }
            if (count < 1) {
                keel_reply_error(kp, "ERR syntax error");
                return KEEL_FAIL;
            }
        } else if (keel_arg_is(opt, "TYPE")) {
            cx.type = type_by_name(&kp->argv[i + 1]);
        } else {
            keel_reply_error(kp, "ERR syntax error");
            return KEEL_FAIL;
        }
    }
    if (kp->reg[0].type != DK_PTR) { /* first entry (not a return from a hop) */
        key_list *l = zvm_alloc(p, sizeof *l);
        memset(l, 0, sizeof *l);
        kp->reg[0] = dk_ptr(l);
        kp->reg[1] = dk_u64(cursor);
        kp->reg[2] = dk_i64(0);
    }
    key_list *out = (key_list *)kp->reg[0].v.ptr;
    cx.out = out;
    uint64_t next = kp->reg[1].v.u;
    uint32_t sid = (uint32_t)(next & ((1u << SCAN_SHARD_BITS) - 1));
    uint64_t tcur = next >> SCAN_SHARD_BITS;
    int64_t seen = kp->reg[2].v.i;
    next = 0;
    while (sid < srv->nshards) {
        if (shard_get(sid)->owner != p->cur) { /* the next shards are another thread's */
            kp->reg[1] = dk_u64(tcur << SCAN_SHARD_BITS | sid);
            kp->reg[2] = dk_i64(seen);
            p->target_shard = sid;
            return KEEL_HOP;
        }
        dk_table *t = space_table(p, shard_get(sid));
        tcur = t ? dk_table_scan(t, tcur, scan_visit, &cx) : 0;
        seen += (int64_t)cx.visited;
        keel_charge(kp, (int64_t)cx.visited * KS_VISIT_COST);
        cx.visited = 0;
        if (tcur == 0 && ++sid >= srv->nshards) break; /* whole keyspace done: cursor 0 */
        if (seen >= count) {
            next = tcur << SCAN_SHARD_BITS | sid;
            break;
        }
    }
    char cbuf[24];
    int cn = snprintf(cbuf, sizeof cbuf, "%llu", (unsigned long long)next);
    keel_reply_array(kp, 2);
    keel_reply_bulk(kp, cbuf, (size_t)cn);
    keel_reply_array(kp, out->n);
    for (size_t i = 0; i < out->n; i++)
        keel_reply_bulk(kp, out->v[i].ptr, out->v[i].len);
    return KEEL_NEXT;
}

/* Opcode: keys.random — RANDOMKEY: picks a shard weighted by its key count, then a key in it.
 * Registers: r0 = attempts.  Reductions 1.  May hop. */
static keel_op_result op_keys_random(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (kp->reg[0].type == DK_NULL) kp->reg[0] = dk_i64(0);
    if (kp->reg[1].type == DK_I64) { /* we hopped to the chosen shard */
        shard *s = shard_get(kp->reg[1].v.i);
        kp->reg[1] = dk_null();
        dk_table *t = space_table(p, s);
        dk_ref r = t ? dk_table_random(t, thr_random(p->cur)) : DK_REF_NONE;
        if (r != DK_REF_NONE) {
            dk_entry e;
            dk_table_view(t, r, &e);
            if (e.expire_ms == DK_NO_EXPIRY || e.expire_ms > p->cur->now_ms) {
                keel_reply_bulk(kp, e.key, e.klen);
                return KEEL_NEXT;
            }
        }
    }
    while (kp->reg[0].v.i++ < 16) {
        uint64_t total = 0;
        for (uint32_t i = 0; i < srv->nshards; i++)
            total += atomic_load_explicit(&shard_get(i)->dbs[p->db].nkeys, memory_order_relaxed);
        if (total == 0) break;
        uint64_t pick = thr_random(p->cur) % total;
        uint32_t sid = 0;
        if (p->ns && p->ns->n > 0 && p->ns->coloc == NS_COLOC_FIRST) {
            /* the client's namespace lives on one shard */
            sid = shard_of_hash(ks_hash(p->ns->comp[0].ptr, p->ns->comp[0].len), srv->nshards);
        } else {
            for (; sid < srv->nshards; sid++) {
                const shard_db *d = &shard_get(sid)->dbs[p->db];
                uint64_t n = atomic_load_explicit(&d->nkeys, memory_order_relaxed);
                if (pick < n) break;
                pick -= n;
            }
        }
        if (sid >= srv->nshards) continue;
        kp->reg[1] = dk_i64(sid);
        if (shard_get(sid)->owner != p->cur) {
            p->target_shard = sid;
            return KEEL_HOP;
        }
        return op_keys_random(kp, in);
    }
    keel_reply_nil(kp);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def scan_ops[] = {
    OP("keys.collect", op_keys_collect,
       "add the walk's current shard's keys matching argv[1] to r0", KEEL_OP_MAY_YIELD),
    OP("keys.reply_list", op_keys_reply_list, "reply the keys collected in r0 (r2: progress)",
       KEEL_OP_MAY_YIELD),
    OP("keys.scan", op_keys_scan, "one SCAN step from cursor argv[1]", KEEL_OP_MAY_HOP),
    OP("keys.random", op_keys_random, "reply a random key", KEEL_OP_MAY_HOP),
};

static const keel_insn_def keys_prog[] = {
    {.op = "shard.reset"},
    {.op = "shard.enter"},
    {.op = "keys.collect"},
    {.op = "shard.next", .a = KEEL_R(1), .b = KEEL_NONE, .c = KEEL_NONE, .imm = 1},
    {.op = "keys.reply_list"},
    KEEL_END};
static const keel_insn_def scan_prog[] = {{.op = "keys.scan"}, KEEL_END};
static const keel_insn_def random_prog[] = {{.op = "keys.random"}, KEEL_END};

static const keel_cmd_def scan_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "KEYS",
     .arity = 2,
     .flags = KEEL_CMD_READONLY,
     .summary =
         "Returns every key matching a glob pattern (walks all shards, yielding between slices).",
     .syntax = "KEYS pattern",
     .group = "generic",
     .since = "0.1.0",
     .program = keys_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SCAN",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .summary = "Iterates over the keys with a cursor.",
     .syntax = "SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]",
     .group = "generic",
     .since = "0.1.0",
     .program = scan_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "RANDOMKEY",
     .arity = 1,
     .flags = KEEL_CMD_READONLY,
     .summary = "Returns a random key, or nil when there is none.",
     .syntax = "RANDOMKEY",
     .group = "generic",
     .since = "0.1.0",
     .program = random_prog},
};

const keel_family cmd_scan_family = KEEL_FAMILY(scan_ops, scan_cmds);

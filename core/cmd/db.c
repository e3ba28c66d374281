/* db.c -- commands between numbered databases: SWAPDB, MOVE, COPY, and db.gate, the first
 * half of the commands that change whole databases at one instant (SWAPDB, FLUSHDB, FLUSHALL). */
#include "config.h"
#include "cluster.h"
#include "block.h"
#include "builtin.h"
#include "db.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "notify.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

/* True for a client inside a namespace (its commands reach only that namespace's keys). */
static bool in_namespace(const zvm_proc *p) {
    return p->ns && p->ns->n;
}

/* Inside a namespace, waits for the processes holding the namespace's top entry on s and for
 * another process's gate there: true when p must wait (it now watches what it waits for). */
static bool namespace_busy(zvm_proc *p, shard *s) {
    if (s->gate && gate_blocks(s, p)) return true;
    if (!s->locks.count) return false;
    const keel_arg *top = &p->ns->comp[0];
    lock_ent *held = lock_find(&s->locks, top->ptr, top->len, ks_hash(top->ptr, top->len));
    if (!held || held->owner == p->serial) return false;
    lock_watch(held, p);
    return true;
}

/* Opcode: db.gate — the first walk of SWAPDB, FLUSHDB and FLUSHALL: raises the process's gate on
 * the walk's current shard and waits until no other process holds a key there (gate.h); the
 * second walk does the work and lowers each gate.  Inside a namespace it does nothing: the work
 * waits for the namespace's own holders, shard by shard.  Reductions 1.  May block. */
static keel_op_result op_db_gate(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (in_namespace(p)) return KEEL_NEXT;
    return gate_raise(shard_get(p->cur_shard), p) ? KEEL_NEXT : KEEL_BLOCK;
}

/* ---- SWAPDB ---- */

/* Opcode: swapdb.check — SWAPDB index1 index2: reads both indexes into r0 and r1 (Redis's order
 * of errors: each must be an int, then both must exist); swapping a database with itself
 * replies +OK at once.  Reductions 1. */
static keel_op_result op_swapdb_check(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (cluster_on) {
        keel_reply_error(p, "ERR SWAPDB is not allowed in cluster mode");
        return KEEL_FAIL;
    }
    uint32_t a = 0, b = 0;
    db_index_status sa = db_parse_index(&p->argv[1], &a), sb = db_parse_index(&p->argv[2], &b);
    if (sa == DB_INDEX_NOT_INT || sa == DB_INDEX_INT_RANGE) {
        db_reply_index_error(p, sa, "invalid first DB index");
        return KEEL_FAIL;
    }
    if (sb == DB_INDEX_NOT_INT || sb == DB_INDEX_INT_RANGE) {
        db_reply_index_error(p, sb, "invalid second DB index");
        return KEEL_FAIL;
    }
    if (sa != DB_INDEX_OK || sb != DB_INDEX_OK) {
        db_reply_index_error(p, DB_INDEX_OUT_OF_RANGE, NULL);
        return KEEL_FAIL;
    }
    if (a == b) {
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    p->reg[0] = dk_i64(a);
    p->reg[1] = dk_i64(b);
    return KEEL_NEXT;
}

/* Inside a namespace, SWAPDB swaps what the namespace holds in databases a and b on shard s: the
 * namespace's own table in each (made where one database lacks it, so the other's keys have
 * somewhere to go).  The namespace's entries on its path keep their TTLs.  Where a value that is
 * not a namespace sits on the path in either database, the shard is left as it is. */
static void swap_namespace(zvm_proc *p, shard *s, uint32_t a, uint32_t b) {
    ks_space sa, sb;
    keel_status ra = ns_resolve_on_db(p, s, a, &sa), rb = ns_resolve_on_db(p, s, b, &sb);
    if ((ra == KEEL_NOTFOUND && rb == KEEL_NOTFOUND) || ra == KEEL_EWRONGTYPE ||
        rb == KEEL_EWRONGTYPE)
        return;
    if (ra == KEEL_NOTFOUND) ra = ns_make_on_db(p, s, a, &sa);
    if (rb == KEEL_NOTFOUND) rb = ns_make_on_db(p, s, b, &sb);
    if (ra != KEEL_OK || rb != KEEL_OK) return;
    ns_obj *oa = sa.owner, *ob = sb.owner;
    dk_table *t = oa->t;
    oa->t = ob->t;
    ob->t = t;
    bool nested = oa->nested;
    oa->nested = ob->nested;
    ob->nested = nested;
    sa.t = oa->t;
    sb.t = ob->t;
    ns_note_expiring(&sa);
    ns_note_expiring(&sb);
    const keel_arg *top = &p->ns->comp[0];
    blk_signal(s, top->ptr, top->len, ks_hash(top->ptr, top->len));
}

/* Opcode: swapdb.shard — on the walk's current shard, swaps databases r0 and r1 (at the top:
 * their tables and counters, waking every client blocked on the shard's keys so each looks
 * again; inside a namespace: what the namespace holds in each), then lowers the gate.
 * Reductions 1.  May block (inside a namespace, behind its holders). */
static keel_op_result op_swapdb_shard(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    shard *s = shard_get(p->cur_shard);
    uint32_t a = (uint32_t)kp->reg[0].v.i, b = (uint32_t)kp->reg[1].v.i;
    if (!in_namespace(p)) {
        db_all_changed(s, a); /* WATCH: a key that exists before or after the swap has changed */
        db_all_changed(s, b);
        shard_swap_dbs(s, a, b);
        blk_signal_all(s);
    } else {
        if (namespace_busy(p, s)) return KEEL_BLOCK;
        swap_namespace(p, s, a, b);
    }
    db_all_changed(s, a);
    db_all_changed(s, b);
    gate_lower(s, p);
    return KEEL_NEXT;
}

/* ---- MOVE and COPY ---- */

/* The entry of key in p's namespace in database db on the key's shard: KEEL_OK with *sp, *ref
 * and *e; KEEL_NOTFOUND when absent; KEEL_EWRONGTYPE when a value that is not a namespace sits on
 * the path; KEEL_MOVED / KEEL_WAIT to propagate. */
static keel_status db_find(zvm_proc *p, uint32_t db, const keel_arg *key, ks_space *sp, dk_ref *ref,
                           dk_entry *e) {
    uint64_t h;
    keel_status st = ns_resolve_in(p, db, key->ptr, key->len, false, sp, &h);
    if (st != KEEL_OK) return st;
    return ks_find(sp, key->ptr, key->len, h, p->cur->now_ms, ref, e, false) ? KEEL_OK
                                                                             : KEEL_NOTFOUND;
}

/* True for a part of a namespace spread over shards (HS, CS): MOVE and COPY refuse it, as its
 * other parts live on other shards. */
static bool spread_part(const dk_entry *e) {
    return e->kind == DK_ENTRY_OBJ && e->obj_type == ns_type() && ((const ns_obj *)e->obj)->spread;
}

static keel_op_result refuse_spread(keel_proc *p, const char *command) {
    keel_reply_error(p, "ERR %s of a namespace spread over shards (HS, CS) is not supported",
                     command);
    return KEEL_FAIL;
}

static keel_op_result wrong_type(keel_proc *p) {
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return KEEL_FAIL;
}

/* Sets the expiry and aux words of e on key's entry in sp (just stored). */
static void db_restore_extras(zvm_proc *p, ks_space *sp, const keel_arg *key, uint64_t h,
                              int64_t expire_ms, const dk_entry *extras) {
    dk_ref r;
    if (!ks_find(sp, key->ptr, key->len, h, p->cur->now_ms, &r, NULL, false)) return;
    if (extras->has_aux32) r = dk_table_set_aux32(sp->t, r, true, extras->aux32);
    if (r != DK_REF_NONE && extras->has_aux64)
        r = dk_table_set_aux64(sp->t, r, true, extras->aux64);
    if (r != DK_REF_NONE && expire_ms != DK_NO_EXPIRY) ks_set_expiry(sp, r, expire_ms);
}

/* Opcode: db.move — MOVE key db: moves argv[1] (any type, with its TTL and aux words) from the
 * client's database to database argv[2], in the client's namespace: 1 when moved, 0 when it is
 * missing or the other database has it.  The key is on the same shard in both.  Reductions 1.
 * May hop, block. */
static keel_op_result op_db_move(keel_proc *kp, const keel_insn *in) {
    (void)in;
    if (cluster_on) {
        keel_reply_error(kp, "ERR MOVE is not allowed in cluster mode");
        return KEEL_FAIL;
    }
    zvm_proc *p = zvm_of(kp);
    const keel_arg *key = &kp->argv[1];
    uint32_t db;
    db_index_status ist = db_parse_index(&kp->argv[2], &db);
    if (ist != DB_INDEX_OK) {
        db_reply_index_error(kp, ist, NULL);
        return KEEL_FAIL;
    }
    if (db == p->db) {
        keel_reply_error(kp, "ERR source and destination objects are the same");
        return KEEL_FAIL;
    }
    ks_space src, dst;
    dk_ref r;
    dk_entry e;
    keel_status st = db_find(p, p->db, key, &src, &r, &e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) {
        keel_reply_int(kp, 0);
        return KEEL_DONE;
    }
    if (spread_part(&e)) return refuse_spread(kp, "MOVE");
    st = db_find(p, db, key, &dst, NULL, NULL);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return wrong_type(kp);
    if (st == KEEL_OK) {
        keel_reply_int(kp, 0);
        return KEEL_DONE;
    }
    uint64_t h;
    /* another database, so another table: src's view of the entry stays valid */
    st = ns_resolve_in(p, db, key->ptr, key->len, true, &dst, &h);
    if (st == KEEL_OK)
        st = e.kind == DK_ENTRY_BOX
                 ? ks_store_box(&dst, key->ptr, key->len, h, &e.box, false)
                 : ks_store_obj(&dst, key->ptr, key->len, h, e.obj_type, e.obj, false);
    if (st != KEEL_OK) {
        keel_reply_error(kp, "ERR out of memory");
        return KEEL_FAIL;
    }
    db_restore_extras(p, &dst, key, h, e.expire_ms, &e);
    void *obj;
    uint16_t type;
    ks_take_ref(&src, r, &obj, &type); /* the object now belongs to dst's entry */
    db_key_changed(src.s, p->db, p, key->ptr, key->len);
    db_key_changed(dst.s, db, p, key->ptr, key->len);
    if (notify_wanted(KEEL_NOTIFY_GENERIC | KEEL_NOTIFY_NEW)) {
        notify_proc_event_db(p, db, KEEL_NOTIFY_NEW, "new", key->ptr, key->len);
        notify_proc_event_db(p, p->db, KEEL_NOTIFY_GENERIC, "move_from", key->ptr, key->len);
        notify_proc_event_db(p, db, KEEL_NOTIFY_GENERIC, "move_to", key->ptr, key->len);
    }
    /* a list moved to where clients block is data for them */
    st = keel_key_signal(kp, key->ptr, key->len);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(kp, 1);
    return KEEL_DONE;
}

/* A value COPY carries from its source's shard to its destination's: a copy the process owns
 * until it is stored (freed with the process otherwise). */
typedef struct copied_value {
    dk_entry e; /* kind, box (bytes in the arena), obj, type, expiry, aux words */
    bool stored;
} copied_value;

static void copied_value_free(void *ptr) {
    copied_value *cv = ptr;
    if (!cv->stored && cv->e.kind == DK_ENTRY_OBJ && cv->e.obj)
        ks_free_obj(NULL, cv->e.obj_type, cv->e.obj);
}

enum { COPY_SOURCE = 1, COPY_STORE = 2 };

/* COPY's options into r2 (the destination database) and r3 (REPLACE); false with the error
 * replied. */
static bool copy_options(zvm_proc *p) {
    keel_proc *kp = &p->pub;
    uint32_t db = p->db;
    bool replace = false;
    for (uint32_t j = 3; j < kp->argc; j++) {
        if (keel_arg_is(&kp->argv[j], "REPLACE")) {
            replace = true;
        } else if (keel_arg_is(&kp->argv[j], "DB") && j + 1 < kp->argc) {
            db_index_status st = db_parse_index(&kp->argv[++j], &db);
            if (st != DB_INDEX_OK) {
                db_reply_index_error(kp, st, NULL);
                return false;
            }
            if (cluster_on && db != 0) {
                keel_reply_error(kp,
                                 "ERR Copying to another database is not allowed in cluster mode");
                return false;
            }
        } else {
            keel_reply_error(kp, "ERR syntax error");
            return false;
        }
    }
    const keel_arg *src = &kp->argv[1], *dst = &kp->argv[2];
    if (db == p->db && src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        keel_reply_error(kp, "ERR source and destination objects are the same");
        return false;
    }
    kp->reg[2] = dk_i64(db);
    kp->reg[3] = dk_i64(replace);
    return true;
}

/* COPY's first step, on the source's shard: a copy of its value (0 replied when it is missing). */
static keel_op_result copy_source(zvm_proc *p) {
    keel_proc *kp = &p->pub;
    ks_space sp;
    dk_ref r;
    copied_value *cv = zvm_alloc(p, sizeof *cv);
    memset(cv, 0, sizeof *cv);
    keel_status st = db_find(p, p->db, &kp->argv[1], &sp, &r, &cv->e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) {
        /* Redis reads the source as a read command would: a miss is a keymiss */
        NOTIFY_PROC(p, KEEL_NOTIFY_KEYMISS, "keymiss", kp->argv[1].ptr, kp->argv[1].len);
        keel_reply_int(kp, 0);
        return KEEL_DONE;
    }
    if (spread_part(&cv->e)) return refuse_spread(kp, "COPY");
    if (cv->e.kind == DK_ENTRY_BOX && cv->e.box.type == DK_BYTES) {
        void *bytes = zvm_alloc_try(p, cv->e.box.len ? cv->e.box.len : 1);
        if (!bytes) {
            keel_reply_error(kp, "ERR out of memory");
            return KEEL_FAIL;
        }
        memcpy(bytes, cv->e.box.v.ptr, cv->e.box.len);
        cv->e.box.v.ptr = bytes;
    } else if (cv->e.kind == DK_ENTRY_OBJ) {
        const type_entry *te = type_by_id(cv->e.obj_type);
        void *copy = te && te->def.copy ? te->def.copy(cv->e.obj) : NULL;
        if (!copy) {
            keel_reply_error(kp, "ERR a value of type %s cannot be copied",
                             keel_type_name(cv->e.obj_type));
            return KEEL_FAIL;
        }
        cv->e.obj = copy;
        keel_proc_defer_free(kp, copied_value_free, cv);
        keel_charge(kp, (int64_t)(te->def.memory_usage ? te->def.memory_usage(copy) / 64 : 1));
    }
    cv->e.key = NULL; /* a view of the source table: not used past here */
    kp->reg[1] = dk_ptr(cv);
    kp->reg[0] = dk_i64(COPY_STORE);
    return KEEL_NEXT;
}

/* COPY's second step, on the destination's shard: stores the copy there (0 when the destination
 * exists and REPLACE was not given). */
static keel_op_result copy_store(zvm_proc *p) {
    keel_proc *kp = &p->pub;
    const keel_arg *dst = &kp->argv[2];
    uint32_t db = (uint32_t)kp->reg[2].v.i;
    copied_value *cv = (copied_value *)kp->reg[1].v.ptr;
    ks_space sp;
    keel_status st = db_find(p, db, dst, &sp, NULL, NULL);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return wrong_type(kp);
    if (st == KEEL_OK && !kp->reg[3].v.i) {
        keel_reply_int(kp, 0);
        return KEEL_DONE;
    }
    uint64_t h;
    st = ns_resolve_in(p, db, dst->ptr, dst->len, true, &sp, &h);
    if (st == KEEL_OK && cv->e.kind == DK_ENTRY_OBJ) {
        if (cv->e.obj_type == ns_type()) ns_attach(cv->e.obj, sp.s->id);
        st = ks_store_obj(&sp, dst->ptr, dst->len, h, cv->e.obj_type, cv->e.obj, false);
        cv->stored = st == KEEL_OK;
    } else if (st == KEEL_OK) {
        st = ks_store_box(&sp, dst->ptr, dst->len, h, &cv->e.box, false);
    }
    if (st != KEEL_OK) {
        if (cv->e.kind == DK_ENTRY_OBJ && cv->e.obj_type == ns_type()) ns_detach(cv->e.obj);
        keel_reply_error(kp, "ERR out of memory");
        return KEEL_FAIL;
    }
    db_restore_extras(p, &sp, dst, h, cv->e.expire_ms, &cv->e);
    db_key_changed(sp.s, db, p, dst->ptr, dst->len);
    if (notify_wanted(KEEL_NOTIFY_GENERIC | KEEL_NOTIFY_NEW)) {
        notify_proc_event_db(p, db, KEEL_NOTIFY_NEW, "new", dst->ptr, dst->len);
        notify_proc_event_db(p, db, KEEL_NOTIFY_GENERIC, "copy_to", dst->ptr, dst->len);
    }
    kp->reg[0] = dk_i64(COPY_STORE + 1);
    return KEEL_NEXT;
}

/* Opcode: db.copy — COPY source destination [DB destination-db] [REPLACE]: a deep copy of any
 * type (namespaces whole, every key below with its TTL) with the source's TTL and aux words, in
 * the client's namespace: 1 when copied, 0 when the source is missing or the destination exists
 * (without REPLACE).  Registers: r0 = step (null: options; COPY_SOURCE; COPY_STORE; then waking
 * the clients blocked on the destination), r1 = the copied value, r2 = the destination database,
 * r3 = REPLACE.  Reductions 1, plus the copy's size in 64-byte units.  May hop, block. */
static keel_op_result op_db_copy(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (kp->reg[0].type == DK_NULL) {
        if (!copy_options(p)) return KEEL_FAIL;
        kp->reg[0] = dk_i64(COPY_SOURCE);
    }
    keel_op_result res = KEEL_NEXT;
    if (kp->reg[0].v.i == COPY_SOURCE && (res = copy_source(p)) != KEEL_NEXT) return res;
    if (kp->reg[0].v.i == COPY_STORE && (res = copy_store(p)) != KEEL_NEXT) return res;
    keel_status st = keel_key_signal(kp, kp->argv[2].ptr, kp->argv[2].len);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(kp, 1);
    return KEEL_DONE;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def db_ops[] = {
    OP("db.gate", op_db_gate,
       "raise the gate on the walk's shard (at the top): wait for its key holders",
       KEEL_OP_MAY_BLOCK),
    OP("swapdb.check", op_swapdb_check, "read SWAPDB's indexes into r0, r1", 0),
    OP("swapdb.shard", op_swapdb_shard, "swap databases r0 and r1 on the walk's shard",
       KEEL_OP_MAY_BLOCK),
    OP("db.move", op_db_move, "move argv[1] to database argv[2]",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("db.copy", op_db_copy, "copy argv[1] to argv[2] (DB n, REPLACE)",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
};

static const keel_insn_def swapdb_prog[] = {
    {.op = "swapdb.check"},
    {.op = "shard.reset"},
    {.op = "shard.enter"},
    {.op = "db.gate"},
    {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 2},
    {.op = "shard.reset"},
    {.op = "shard.enter"},
    {.op = "swapdb.shard"},
    {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 6},
    {.op = "reply.ok"},
    KEEL_END};
static const keel_insn_def move_prog[] = {{.op = "db.move"}, KEEL_END};
static const keel_insn_def copy_prog[] = {{.op = "db.copy"}, KEEL_END};

static const keel_cmd_def db_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "SWAPDB",
     .arity = 3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST | KEEL_CMD_WIDE,
     .summary = "Swaps two databases, at one instant for every client (inside a namespace: what "
                "the namespace "
                "holds in each).",
     .syntax = "SWAPDB index1 index2",
     .group = "server",
     .since = "0.1.0",
     .program = swapdb_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "MOVE",
     .arity = 3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Moves a key (any type, with its TTL) to another database, unless it exists there.",
     .syntax = "MOVE key db",
     .group = "generic",
     .since = "0.1.0",
     .program = move_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "COPY",
     .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .summary = "Copies a key's value (any type, namespaces whole) with its TTL, in this or "
                "another database.",
     .syntax = "COPY source destination [DB destination-db] [REPLACE]",
     .group = "generic",
     .since = "0.1.0",
     .program = copy_prog},
};

const keel_family cmd_db_family = KEEL_FAMILY(db_ops, db_cmds);

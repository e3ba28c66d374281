/* op.c -- SBITOP AND|OR|XOR|ANDNOT|NOT destkey key [key ...]: bitwise operations stored at a
 * destination, over keys on any shard, atomically.
 *
 * One opcode walks the keys in shard order (keel_key_nth), folding each source into a result
 * the process owns while it hops; every key stays locked from the first hop to the store, so
 * nobody sees the destination half-written or a source change under the computation.  Each
 * fold runs a 2^16-bit container at a time (dk_sbitset_combine_step), charging reductions per
 * container and yielding when the budget is spent, so a SBITOP over huge sets never holds its
 * thread.  ANDNOT keeps the first source and the union of the others apart and subtracts at the
 * end; NOT complements its one source between its lowest and highest set bits.
 */
#include "family.h"
#include "sbobj.h"

#include <string.h>

enum { OP_AND = 0, OP_OR, OP_XOR, OP_ANDNOT, OP_NOT };
enum { PH_WALK = 0, PH_FINISH, PH_STORE };

/* The opcode's state (arena; r0 points to it).  The bitsets are malloc'd, freed by cleanup
 * however the process ends, or handed to the keyspace. */
typedef struct sbop {
    uint8_t op;        /* OP_* */
    uint8_t phase;     /* PH_* */
    bool seeded;       /* AND: acc holds the first source read */
    bool empty;        /* AND: a source is missing, so the result is empty */
    bool started;      /* a fold of key `next` (or ANDNOT's final subtraction) is under way */
    uint32_t next;     /* PH_WALK: the next key index (shard order) */
    uint32_t dest;     /* the key index of the destination (argv[2]) */
    uint32_t err_argi; /* the first source of another type, in argument order (0: none) */
    dk_sbitset *acc;   /* the result so far; ANDNOT: the union of the sources after the first */
    dk_sbitset *first; /* ANDNOT: the first source */
    dk_sbitset *out;   /* the fold under way */
    uint64_t bkey;     /* ... the container key where it resumes */
    uint64_t lo, hi;   /* NOT: the source's lowest and highest set bits */
    uint64_t *words;   /* NOT: one block of bits (arena) */
    bool *missing;     /* missing[argi]: no key there (argv-indexed, arena) */
} sbop;

static void sbop_cleanup(void *ptr) {
    sbop *a = ptr;
    dk_sbitset_free(a->acc);
    dk_sbitset_free(a->first);
    dk_sbitset_free(a->out);
    a->acc = a->first = a->out = NULL;
}

/* The operation named by argv[1], or -1. */
static int op_named(const keel_arg *a) {
    static const char *const names[] = {"AND", "OR", "XOR", "ANDNOT", "NOT"};
    for (int i = 0; i < 5; i++)
        if (keel_arg_is(a, names[i])) return i;
    return -1;
}

/* Runs one fold out = left OP right a container at a time, from where it stopped.  KEEL_NEXT
 * when done (out then holds the whole result), KEEL_YIELD when the budget ran out, KEEL_FAIL
 * after replying "out of memory". */
static keel_op_result fold(keel_proc *p, sbop *a, dk_sbitset_op op, const dk_sbitset *left,
                           const dk_sbitset *right) {
    if (!a->started) {
        if (!(a->out = dk_sbitset_new())) return sbs_fail(p, KEEL_ENOMEM);
        a->bkey = 0;
        a->started = true;
    }
    for (;;) {
        int r = dk_sbitset_combine_step(a->out, op, left, right, &a->bkey, 1);
        if (r < 0) return sbs_fail(p, KEEL_ENOMEM);
        keel_charge(p, SBS_COST_BLOCK);
        if (r == 1) break;
        if (p->budget <= 0) return KEEL_YIELD;
    }
    a->started = false;
    return KEEL_NEXT;
}

/* NOT: out = the complement of s between its lowest and highest set bits, a block at a time.
 * KEEL_NEXT, KEEL_YIELD, or KEEL_FAIL after replying (a span over SBS_NOT_MAX_SPAN, or out of
 * memory). */
static keel_op_result fold_not(keel_proc *p, sbop *a, const dk_sbitset *s) {
    if (!a->started) {
        dk_sbitset_select(s, 0, &a->lo);
        dk_sbitset_select(s, dk_sbitset_count(s) - 1, &a->hi);
        if (a->hi - a->lo >= SBS_NOT_MAX_SPAN) return sbs_fail(p, SBS_ETOOWIDE);
        if (!(a->out = dk_sbitset_new())) return sbs_fail(p, KEEL_ENOMEM);
        if (!a->words) a->words = keel_proc_alloc(p, DK_SBITSET_BLOCK_WORDS * sizeof(uint64_t));
        a->bkey = a->lo >> 16;
        a->started = true;
    }
    uint64_t *w = a->words;
    while (a->bkey <= a->hi >> 16) {
        dk_sbitset_block_words(s, a->bkey, w);
        for (uint32_t j = 0; j < DK_SBITSET_BLOCK_WORDS; j++)
            w[j] = ~w[j];
        if (a->bkey == a->lo >> 16)
            for (uint32_t o = 0; o < (a->lo & 0xffff); o++)
                w[o >> 6] &= ~(1ULL << (o & 63));
        if (a->bkey == a->hi >> 16)
            for (uint32_t o = (uint32_t)(a->hi & 0xffff) + 1; o < 65536; o++)
                w[o >> 6] &= ~(1ULL << (o & 63));
        if (!dk_sbitset_append_block(a->out, a->bkey, w)) return sbs_fail(p, KEEL_ENOMEM);
        a->bkey++;
        if (keel_charge(p, SBS_COST_BLOCK) && a->bkey <= a->hi >> 16) return KEEL_YIELD;
    }
    a->started = false;
    return KEEL_NEXT;
}

/* Folds source s (at argv index argi) into the state. */
static keel_op_result fold_source(keel_proc *p, sbop *a, const dk_sbitset *s, uint32_t argi) {
    keel_op_result r;
    dk_sbitset **into = &a->acc;
    if (a->op == OP_NOT) {
        r = fold_not(p, a, s);
    } else if (a->op == OP_ANDNOT && argi == 3) {
        into = &a->first;
        r = fold(p, a, DK_SBITSET_OR, NULL, s);
    } else if (a->op == OP_AND && !a->seeded) {
        r = fold(p, a, DK_SBITSET_OR, NULL, s);
    } else {
        static const dk_sbitset_op ops[] = {DK_SBITSET_AND, DK_SBITSET_OR, DK_SBITSET_XOR,
                                            DK_SBITSET_OR};
        r = fold(p, a, ops[a->op], a->acc, s);
    }
    if (r != KEEL_NEXT) return r;
    dk_sbitset_free(*into);
    *into = a->out;
    a->out = NULL;
    a->seeded = true;
    return KEEL_NEXT;
}

/* PH_WALK: reads every source, one hop per shard. */
static keel_op_result walk(keel_proc *p, sbop *a) {
    uint32_t n = keel_key_count(p);
    while (a->next < n) {
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, a->next, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        if (argi == 2) {
            a->dest = a->next++;
            continue;
        }
        dk_sbitset *s;
        st = sbs_find(p, k.ptr, k.len, &s);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_NOTFOUND) {
            a->missing[argi] = true;
            if (a->op == OP_AND) a->empty = true;
        } else if (st != KEEL_OK) {
            if (a->err_argi == 0 || argi < a->err_argi) a->err_argi = argi;
        } else if (!a->err_argi && !a->empty) {
            keel_op_result r = fold_source(p, a, s, argi);
            if (r != KEEL_NEXT) return r;
        }
        a->next++;
        if (keel_charge(p, SBS_COST_BIT) && a->next < n) return KEEL_YIELD;
    }
    if (a->err_argi) return sbs_fail(p, KEEL_EWRONGTYPE);
    return KEEL_NEXT;
}

/* PH_FINISH: ANDNOT's first source minus the union of the others (in acc). */
static keel_op_result finish(keel_proc *p, sbop *a) {
    if (a->op != OP_ANDNOT) return KEEL_NEXT;
    if (!a->first || !a->acc) {
        dk_sbitset_free(a->acc);
        a->acc = a->first;
        a->first = NULL;
        return KEEL_NEXT;
    }
    keel_op_result r = fold(p, a, DK_SBITSET_ANDNOT, a->first, a->acc);
    if (r != KEEL_NEXT) return r;
    dk_sbitset_free(a->acc);
    a->acc = a->out;
    a->out = NULL;
    return KEEL_NEXT;
}

/* PH_STORE: on the destination's thread, stores the result (or deletes the destination when it
 * is empty, as BITOP and SINTERSTORE do) and replies its number of set bits. */
static keel_op_result store(keel_proc *p, sbop *a) {
    keel_arg k;
    keel_status st = keel_key_nth(p, a->dest, &k, NULL);
    KEEL_OP_PROPAGATE(st);
    uint64_t n = a->acc && !a->empty ? dk_sbitset_count(a->acc) : 0;
    for (uint32_t argi = 3; argi < p->argc; argi++)
        if (a->missing[argi])
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", p->argv[argi].ptr, p->argv[argi].len);
    if (n == 0) {
        st = keel_key_delete(p, k.ptr, k.len);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", k.ptr, k.len);
    } else {
        st = keel_key_store_object(p, k.ptr, k.len, sbs_type, a->acc, 0);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return sbs_fail(p, KEEL_ENOMEM);
        a->acc = NULL; /* the keyspace's now */
        keel_notify(p, KEEL_NOTIFY_MODULE, "sbitop", k.ptr, k.len);
    }
    keel_reply_uint(p, n);
    return KEEL_NEXT;
}

/* The first run: checks the operation and the keys' number, then sets the state up. */
static sbop *sbop_start(keel_proc *p) {
    int op = op_named(&p->argv[1]);
    if (op < 0) {
        sbs_error(p, "ERR syntax error");
        return NULL;
    }
    if (op == OP_NOT && p->argc != 4) {
        sbs_error(p, "ERR SBITOP NOT must be called with a single source key.");
        return NULL;
    }
    sbop *a = keel_proc_alloc(p, sizeof *a);
    memset(a, 0, sizeof *a);
    a->op = (uint8_t)op;
    a->missing = keel_proc_alloc(p, p->argc);
    memset(a->missing, 0, p->argc);
    if (keel_proc_defer_free(p, sbop_cleanup, a) != KEEL_OK) {
        sbs_fail(p, KEEL_ENOMEM);
        return NULL;
    }
    p->reg[0] = dk_ptr(a);
    return a;
}

/* Opcode: sbitset.op
 * SBITOP AND|OR|XOR|ANDNOT|NOT destkey key [key ...]: stores the bitwise operation of the
 * source keys at destkey (ANDNOT: the first source minus every other; NOT: the complement of
 * its single source between that source's lowest and highest set bits, a span of at most
 * 2^32 positions) and replies the result's number of set bits; an empty result deletes destkey.
 * Missing sources are empty; a source of another type fails the command with WRONGTYPE before
 * anything changes.  Registers: r0 = the state (arena; its bitsets are malloc'd, freed by a
 * process cleanup).  Reductions SBS_COST_BLOCK per container folded.  May yield, hop and
 * block. */
static keel_op_result op_bitop(keel_proc *p, const keel_insn *in) {
    (void)in;
    sbop *a = p->reg[0].type == DK_PTR ? (sbop *)p->reg[0].v.ptr : sbop_start(p);
    if (!a) return KEEL_FAIL;
    keel_op_result r = KEEL_NEXT;
    if (a->phase == PH_WALK) {
        r = walk(p, a);
        if (r != KEEL_NEXT) return r;
        a->phase = PH_FINISH;
    }
    if (a->phase == PH_FINISH) {
        r = finish(p, a);
        if (r != KEEL_NEXT) return r;
        a->phase = PH_STORE;
    }
    return store(p, a);
}

static const keel_opcode_def op_ops[] = {
    SBS_OP("sbitset.op", op_bitop, "store AND/OR/XOR/ANDNOT/NOT of the sources at argv[2]"),
};

static const keel_insn_def bitop_prog[] = {{.op = "sbitset.op"}, KEEL_END};

/* The keys: argv[2] (the destination) to the last argument. */
static const keel_cmd_def op_cmds[] = {
    {SBS_CMD, .name = "SBITOP", .arity = -4,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY, .first_key = 2, .last_key = -1,
     .key_step = 1,
     .summary = "Stores AND, OR, XOR, ANDNOT (the first minus the others) or NOT (within the "
                "source's lowest..highest set bit) of sparse bitsets at destkey, atomically "
                "across shards; replies the result's set bits (an empty result deletes destkey).",
     .syntax = "SBITOP AND|OR|XOR|ANDNOT|NOT destkey key [key ...]", .program = bitop_prog},
};

const keel_family sbs_op_family = KEEL_FAMILY(op_ops, op_cmds);

/* cmd_store.c -- memcached's storage commands on the keyspace: MC.SET MC.ADD MC.REPLACE
 * MC.APPEND MC.PREPEND MC.CAS, and MC.REFUSE for a store refused as too large. */
#include <string.h>
#include "counters.h"
#include "family.h"
#include "item.h"
#include "item_size.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

/* Which command runs memcache.store (its imm). */
enum { MODE_SET = 0, MODE_ADD, MODE_REPLACE, MODE_APPEND, MODE_PREPEND, MODE_CAS };

static keel_op_result bad_format(keel_proc *p) {
    keel_reply_error(p, "CLIENT_ERROR bad command line format");
    return KEEL_FAIL;
}

static keel_op_result too_large(keel_proc *p) {
    mc_count(MC_STORE_TOO_LARGE);
    keel_reply_error(p, "SERVER_ERROR object too large for cache");
    return KEEL_FAIL;
}

/* The length of a found item's text. */
static size_t text_len(const keel_value *v) {
    char buf[MC_BOX_TEXT];
    const char *s;
    return mc_item_text(v, buf, &s);
}

/* The value append or prepend stores: the old text and the new bytes, in arena memory. */
static dk_val joined(keel_proc *p, const keel_value *old, const keel_arg *add, bool append) {
    char buf[MC_BOX_TEXT];
    const char *s;
    size_t n = mc_item_text(old, buf, &s);
    char *j = keel_proc_alloc(p, n + add->len + 1);
    if (append) {
        memcpy(j, s, n);
        memcpy(j + n, add->ptr, add->len);
    } else {
        memcpy(j, add->ptr, add->len);
        memcpy(j + add->len, s, n);
    }
    return mc_box(j, n + add->len);
}

/* Decides what a storage command does with the key's current state (looked up in *v when the
 * mode needs it, found = its status).  Returns the status to reply; *store says whether to
 * write, *box what, *at which expiry and *flags which client flags. */
static mc_status decide(keel_proc *p, int64_t mode, keel_status found, const keel_value *v,
                        bool *store, dk_val *box, int64_t *at, uint32_t *flags) {
    const keel_arg *value = &p->argv[2];
    *store = false;
    switch (mode) {
    case MODE_ADD:
        if (found != KEEL_NOTFOUND) return MC_NOT_STORED;
        break;
    case MODE_REPLACE:
        if (found == KEEL_NOTFOUND) return MC_NOT_STORED;
        break;
    case MODE_APPEND:
    case MODE_PREPEND:
        if (found != KEEL_OK) return MC_NOT_STORED;
        if (text_len(v) + value->len > mc_item_size_max(p)) return MC_STATUS_COUNT; /* too big */
        *box = joined(p, v, value, mode == MODE_APPEND);
        *at = MC_AT_KEEP;
        *flags = mc_item_flags(v);
        *store = true;
        return MC_STORED;
    case MODE_CAS: {
        uint64_t want = 0;
        dk_dec_u64(p->argv[5].ptr, p->argv[5].len, &want);
        if (found == KEEL_NOTFOUND) {
            mc_count(MC_CAS_MISSES);
            return MC_NOT_FOUND;
        }
        if (found != KEEL_OK || mc_item_cas(v) == 0 || mc_item_cas(v) != want) {
            mc_count(MC_CAS_BADVAL);
            return MC_EXISTS;
        }
        mc_count(MC_CAS_HITS);
        break;
    }
    default:
        break;
    }
    *box = mc_box(value->ptr, value->len);
    *store = true;
    return MC_STORED;
}

/* Opcode: memcache.store
 * MC.SET / ADD / REPLACE / APPEND / PREPEND (imm MODE_*) key value flags exptime, and MC.CAS
 * key value flags exptime unique.  Registers: the write registers of item.h.  Reductions 1.
 * May hop and block.  Replies an mc_status (STORED, NOT_STORED, EXISTS, NOT_FOUND). */
static keel_op_result op_store(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    if (!mc_item_begun(p)) {
        uint32_t flags;
        int64_t exptime;
        if (!dk_dec_u32(p->argv[3].ptr, p->argv[3].len, &flags) ||
            !dk_dec_i64(p->argv[4].ptr, p->argv[4].len, &exptime))
            return bad_format(p);
        uint64_t unique;
        if (in->imm == MODE_CAS && !dk_dec_u64(p->argv[5].ptr, p->argv[5].len, &unique))
            return bad_format(p);
        if (p->argv[2].len > mc_item_size_max(p)) return too_large(p);
        keel_value v = {.size = sizeof v};
        keel_status found = KEEL_NOTFOUND;
        if (in->imm != MODE_SET) {
            found = mc_item_lookup(p, key, &v);
            KEEL_OP_PROPAGATE(found);
        }
        bool store;
        dk_val box;
        int64_t at = mc_expiry_at(exptime, keel_now_ms(p));
        mc_status status = decide(p, in->imm, found, &v, &store, &box, &at, &flags);
        if (status == MC_STATUS_COUNT) return too_large(p);
        mc_count(MC_CMD_SET);
        if (!store) {
            keel_reply_int(p, status);
            return KEEL_NEXT;
        }
        keel_status st = mc_item_begin(p, key, &box, at, flags, 0, status);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
        mc_count(MC_TOTAL_ITEMS);
    }
    keel_status st = mc_item_finish(p, key);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, p->reg[MC_R_STATUS].v.i);
    return KEEL_NEXT;
}

/* Opcode: memcache.refuse
 * MC.REFUSE key verb: a store the parser refused as too large (its data was skipped).  Counts
 * it; a refused "set" or "ms" also deletes the key, as memcached does, so that no stale value
 * outlives a failed set.  Reductions 1.  May hop and block.  Replies nil. */
static keel_op_result op_refuse(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *verb = &p->argv[2];
    bool set = (verb->len == 3 && !memcmp(verb->ptr, "set", 3)) ||
               (verb->len == 2 && !memcmp(verb->ptr, "ms", 2));
    if (set) {
        keel_status st = keel_key_delete(p, p->argv[1].ptr, p->argv[1].len);
        KEEL_OP_PROPAGATE(st);
    }
    mc_count(MC_CMD_SET);
    mc_count(MC_STORE_TOO_LARGE);
    keel_reply_nil(p);
    return KEEL_NEXT;
}

static const keel_opcode_def store_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.store",
     .fn = op_store,
     .synopsis = "store argv[2] at argv[1] as set/add/replace/append/prepend/cas (imm) say",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.refuse",
     .fn = op_refuse,
     .synopsis = "count a store refused as too large; a refused set deletes argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "memcache.store", .imm = IMM}, KEEL_END}
PROG(set_prog, MODE_SET);
PROG(add_prog, MODE_ADD);
PROG(replace_prog, MODE_REPLACE);
PROG(append_prog, MODE_APPEND);
PROG(prepend_prog, MODE_PREPEND);
PROG(cas_prog, MODE_CAS);
static const keel_insn_def refuse_prog[] = {{.op = "memcache.refuse"}, KEEL_END};

#define STORE_FLAGS (KEEL_CMD_WRITE | KEEL_CMD_FAST | KEEL_CMD_DENYOOM)
static const keel_cmd_def store_cmds[] = {
    {MC_KEY1, .name = "MC.SET", .arity = 5, .flags = STORE_FLAGS,
     .summary = "memcached set: stores a value with client flags and an exptime.",
     .syntax = "MC.SET key value flags exptime", .program = set_prog},
    {MC_KEY1, .name = "MC.ADD", .arity = 5, .flags = STORE_FLAGS,
     .summary = "memcached add: stores only if the key does not exist.",
     .syntax = "MC.ADD key value flags exptime", .program = add_prog},
    {MC_KEY1, .name = "MC.REPLACE", .arity = 5, .flags = STORE_FLAGS,
     .summary = "memcached replace: stores only if the key exists.",
     .syntax = "MC.REPLACE key value flags exptime", .program = replace_prog},
    {MC_KEY1, .name = "MC.APPEND", .arity = 5, .flags = STORE_FLAGS,
     .summary = "memcached append: adds bytes after an existing value (flags and exptime kept).",
     .syntax = "MC.APPEND key value flags exptime", .program = append_prog},
    {MC_KEY1, .name = "MC.PREPEND", .arity = 5, .flags = STORE_FLAGS,
     .summary = "memcached prepend: adds bytes before an existing value (flags and exptime "
                "kept).",
     .syntax = "MC.PREPEND key value flags exptime", .program = prepend_prog},
    {MC_KEY1, .name = "MC.CAS", .arity = 6, .flags = STORE_FLAGS,
     .summary = "memcached cas: stores only if the item's CAS unique is still the given one.",
     .syntax = "MC.CAS key value flags exptime unique", .program = cas_prog},
    {MC_KEY1, .name = "MC.REFUSE", .arity = 3, .flags = STORE_FLAGS,
     .summary = "memcached protocol internal: a store refused as too large (set deletes the "
                "key).",
     .syntax = "MC.REFUSE key verb", .program = refuse_prog},
};

const keel_family mc_store_family = KEEL_FAMILY(store_ops, store_cmds);

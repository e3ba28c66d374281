/* cmd_get.c -- memcached's retrieval commands, one key each: MC.GET MC.GETS MC.GAT MC.GATS, the
 * binary protocol's MC.GETK MC.GATK, and MC.TOUCH.  A "get k1 k2 ..." line is one of these per
 * key (see parse_text.c). */
#include "counters.h"
#include "family.h"
#include "item.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

#define GET_CAS 1u      /* imm: the reply's CAS unique matters: assign one if the item has none */
#define GET_TOUCH 2u    /* imm: argv[2] is a new exptime (gat, gats) */
#define GET_MISS_KEY 4u /* imm: a miss replies the key (binary getk, gatk) instead of nil */

/* Replies a hit the way the encoder expects: [key, flags, value, cas]. */
static void reply_item(keel_proc *p, const keel_arg *key, const keel_value *v, uint64_t cas) {
    char buf[MC_BOX_TEXT];
    const char *s;
    size_t n = mc_item_text(v, buf, &s);
    keel_reply_array(p, 4);
    keel_reply_bulk(p, key->ptr, key->len);
    keel_reply_int(p, mc_item_flags(v));
    keel_reply_bulk(p, s, n);
    keel_reply_uint(p, cas);
}

/* Opcode: memcache.get
 * MC.GET / MC.GETS / MC.GETK key, MC.GAT / MC.GATS / MC.GATK key exptime (imm GET_CAS |
 * GET_TOUCH | GET_MISS_KEY).  No registers: writes (a CAS unique, a new expiry) come before the
 * reply, and a re-run starts afresh.  Reductions 1.  May hop and block.  Replies [key, flags,
 * value, cas] on a hit; on a miss nil, or the key with GET_MISS_KEY (a key holding another type
 * is a miss). */
static keel_op_result op_get(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    int64_t at = MC_AT_KEEP;
    if (in->imm & GET_TOUCH) {
        int64_t exptime;
        if (!dk_dec_i64(p->argv[2].ptr, p->argv[2].len, &exptime)) {
            keel_reply_error(p, "CLIENT_ERROR invalid exptime argument");
            return KEEL_FAIL;
        }
        at = mc_expiry_at(exptime, keel_now_ms(p));
    }
    keel_value v = {.size = sizeof v};
    keel_status st = mc_item_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) {
        mc_count(MC_CMD_GET);
        mc_count(MC_GET_MISSES);
        if (in->imm & GET_TOUCH) {
            mc_count(MC_CMD_TOUCH);
            mc_count(MC_TOUCH_MISSES);
        }
        if (in->imm & GET_MISS_KEY)
            keel_reply_bulk(p, key->ptr, key->len);
        else
            keel_reply_nil(p);
        return KEEL_NEXT;
    }
    uint64_t cas = mc_item_cas(&v);
    bool changed = false;
    if ((in->imm & GET_CAS) && cas == 0) {
        st = mc_item_ensure_cas(p, key, &v, &cas);
        KEEL_OP_PROPAGATE(st);
        changed = true;
    }
    if (at != MC_AT_KEEP && at != MC_AT_EXPIRED) {
        st = keel_key_expire(p, key->ptr, key->len, at);
        KEEL_OP_PROPAGATE(st);
        changed = true;
    }
    if (changed) { /* the keyspace changed: look again for a valid view */
        st = mc_item_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
    }
    mc_count(MC_CMD_GET);
    mc_count(MC_GET_HITS);
    if (in->imm & GET_TOUCH) {
        mc_count(MC_CMD_TOUCH);
        mc_count(MC_TOUCH_HITS);
    }
    reply_item(p, key, &v, cas);
    if (at == MC_AT_EXPIRED) { /* gat with a negative exptime: this read is the last */
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
    }
    return KEEL_NEXT;
}

/* Opcode: memcache.touch
 * MC.TOUCH key exptime: sets a key's expiry as memcached's touch does (0 = never, negative =
 * now).  Reductions 1.  May hop and block.  Replies TOUCHED or NOT_FOUND (an mc_status). */
static keel_op_result op_touch(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t exptime;
    if (!dk_dec_i64(p->argv[2].ptr, p->argv[2].len, &exptime)) {
        keel_reply_error(p, "CLIENT_ERROR invalid exptime argument");
        return KEEL_FAIL;
    }
    int64_t at = mc_expiry_at(exptime, keel_now_ms(p));
    keel_status st = keel_key_expire(p, p->argv[1].ptr, p->argv[1].len, at);
    KEEL_OP_PROPAGATE(st);
    mc_count(MC_CMD_TOUCH);
    mc_count(st == KEEL_OK ? MC_TOUCH_HITS : MC_TOUCH_MISSES);
    keel_reply_int(p, st == KEEL_OK ? MC_TOUCHED : MC_NOT_FOUND);
    return KEEL_NEXT;
}

static const keel_opcode_def get_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.get",
     .fn = op_get,
     .synopsis = "reply argv[1] as an item (imm 1: with a CAS unique, 2: touch with argv[2])",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.touch",
     .fn = op_touch,
     .synopsis = "set argv[1]'s expiry from the memcached exptime argv[2]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "memcache.get", .imm = IMM}, KEEL_END}
PROG(get_prog, 0);
PROG(gets_prog, GET_CAS);
PROG(gat_prog, GET_TOUCH);
PROG(gats_prog, GET_CAS | GET_TOUCH);
PROG(getk_prog, GET_CAS | GET_MISS_KEY);
PROG(gatk_prog, GET_CAS | GET_TOUCH | GET_MISS_KEY);
static const keel_insn_def touch_prog[] = {{.op = "memcache.touch"}, KEEL_END};

static const keel_cmd_def get_cmds[] = {
    {MC_KEY1, .name = "MC.GET", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "memcached get of one key: [key, flags, value, cas] or nil.",
     .syntax = "MC.GET key", .program = get_prog},
    {MC_KEY1, .name = "MC.GETS", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "memcached gets of one key: as MC.GET, giving the item a CAS unique if it has "
                "none.",
     .syntax = "MC.GETS key", .program = gets_prog},
    {MC_KEY1, .name = "MC.GAT", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached gat of one key: get and set a new exptime.",
     .syntax = "MC.GAT key exptime", .program = gat_prog},
    {MC_KEY1, .name = "MC.GATS", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached gats of one key: gat with a CAS unique.",
     .syntax = "MC.GATS key exptime", .program = gats_prog},
    {MC_KEY1, .name = "MC.GETK", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "memcached binary getk of one key: as MC.GETS; a miss replies the key.",
     .syntax = "MC.GETK key", .program = getk_prog},
    {MC_KEY1, .name = "MC.GATK", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached binary gatk of one key: as MC.GATS; a miss replies the key.",
     .syntax = "MC.GATK key exptime", .program = gatk_prog},
    {MC_KEY1, .name = "MC.TOUCH", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached touch: sets a key's exptime; TOUCHED or NOT_FOUND.",
     .syntax = "MC.TOUCH key exptime", .program = touch_prog},
};

const keel_family mc_get_family = KEEL_FAMILY(get_ops, get_cmds);

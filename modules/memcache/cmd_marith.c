/* cmd_marith.c -- the meta protocol's arithmetic: MC.MA increments or decrements an unsigned
 * 64-bit number, optionally creating it on a miss (N, J). */
#include "counters.h"
#include "family.h"
#include "item.h"
#include "meta.h"
#include <keel/memcache.h>

#define MA_FLAGS "bCENJDTMqtcvkO"
#define MC_R_VALUE 5 /* register: the number the reply shows */

/* +1 for increment, -1 for decrement, 0 for a mode letter ma does not know. */
static int ma_direction(const mc_meta *m) {
    switch (m->mode) {
    case 0:
    case 'I':
    case 'i':
    case '+':
        return 1;
    case 'D':
    case 'd':
    case '-':
        return -1;
    default:
        return 0;
    }
}

static keel_op_result fail(keel_proc *p, const char *msg) {
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

/* Decides and starts the write (see op_ma).  Returns KEEL_NEXT once the write has begun,
 * KEEL_DONE after replying without a write, or what the opcode must return. */
static keel_op_result ma_begin(keel_proc *p, const mc_meta *m, int dir) {
    const keel_arg *key = &p->argv[1];
    keel_value v = {.size = sizeof v};
    keel_status st = mc_item_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    mc_count(MC_CMD_META);
    mc_counter hit = dir > 0 ? MC_INCR_HITS : MC_DECR_HITS;
    mc_counter miss = dir > 0 ? MC_INCR_MISSES : MC_DECR_MISSES;
    uint64_t n;
    int64_t at = MC_AT_KEEP;
    uint32_t flags = 0;
    if (st == KEEL_NOTFOUND) {
        mc_count(miss);
        if (!mc_meta_has(m, 'N')) {
            char text[MC_META_TEXT];
            mc_meta_item it = {.key = key};
            size_t len = mc_meta_text(m, "Ok", &it, text);
            mc_meta_reply(p, MC_NOT_FOUND, text, len, NULL, 0, false);
            return KEEL_DONE;
        }
        n = m->initial;
        at = mc_expiry_at(m->vivify, keel_now_ms(p));
    } else {
        /* as memcached: a CAS that does not match says so before the value is read */
        if (st == KEEL_OK && mc_meta_has(m, 'C') &&
            (mc_item_cas(&v) == 0 || mc_item_cas(&v) != m->compare)) {
            char text[MC_META_TEXT];
            mc_meta_item it = {.key = key};
            size_t len = mc_meta_text(m, "Ok", &it, text);
            mc_meta_reply(p, MC_EXISTS, text, len, NULL, 0, false);
            return KEEL_DONE;
        }
        if (st != KEEL_OK || !mc_item_number(&v, &n))
            return fail(p, "CLIENT_ERROR cannot increment or decrement non-numeric value");
        mc_count(hit);
        n = dir > 0 ? n + m->delta : (m->delta > n ? 0 : n - m->delta);
        flags = mc_item_flags(&v);
        if (mc_meta_has(m, 'T')) at = mc_expiry_at(m->ttl, keel_now_ms(p));
    }
    uint64_t word = 0;
    if (mc_meta_has(m, 'c') || mc_meta_has(m, 'E'))
        word = mc_meta_has(m, 'E') && (m->explicit_cas & MC_CAS_MASK)
                   ? m->explicit_cas & MC_CAS_MASK
                   : mc_cas_new();
    dk_val box = mc_number_box(n);
    st = mc_item_begin(p, key, &box, at, flags, word, MC_HIT);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return mc_item_store_failed(p);
    p->reg[MC_R_VALUE] = dk_u64(n);
    return KEEL_NEXT;
}

/* Opcode: memcache.ma
 * MC.MA key flag...: meta arithmetic.  Flags b C E N J D T M q t c v k O.  Registers: the
 * write registers of item.h, r5 = the new number.  Reductions 1.  May hop and block.
 * Replies [status, flags text, number?] (MC_HIT, MC_NOT_FOUND, MC_EXISTS) or a CLIENT_ERROR. */
static keel_op_result op_ma(keel_proc *p, const keel_insn *in) {
    (void)in;
    mc_meta m;
    if (!mc_meta_read(p, 2, MA_FLAGS, &m)) return KEEL_FAIL;
    int dir = ma_direction(&m);
    if (!dir) return fail(p, "CLIENT_ERROR invalid mode for ma M token");
    const keel_arg *key = &p->argv[1];
    if (!mc_item_begun(p)) {
        keel_op_result r = ma_begin(p, &m, dir);
        if (r == KEEL_DONE) return KEEL_NEXT;
        if (r != KEEL_NEXT) return r;
    }
    keel_status st = mc_item_finish(p, key);
    KEEL_OP_PROPAGATE(st);
    mc_meta_item it = {.key = key, .ttl = -1};
    uint64_t word = p->reg[MC_R_AUX64].type == DK_NULL ? 0 : p->reg[MC_R_AUX64].v.u;
    it.cas = word & MC_CAS_MASK;
    if (mc_meta_has(&m, 't')) {
        keel_value v = {.size = sizeof v};
        st = mc_item_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
        int64_t now = keel_now_ms(p);
        if (st == KEEL_OK && v.expire_at_ms >= 0)
            it.ttl = v.expire_at_ms <= now ? 0 : (v.expire_at_ms - now + 999) / 1000;
    }
    char text[MC_META_TEXT], num[MC_BOX_TEXT];
    size_t n = mc_meta_text(&m, "Otck", &it, text);
    dk_val box = mc_number_box(p->reg[MC_R_VALUE].v.u);
    const char *s;
    size_t len = mc_box_text(&box, num, &s);
    mc_meta_reply(p, MC_HIT, text, n, s, len, mc_meta_has(&m, 'v'));
    return KEEL_NEXT;
}

static const keel_opcode_def marith_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.ma",
     .fn = op_ma,
     .synopsis = "meta arithmetic on argv[1] with the flags argv[2..]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def ma_prog[] = {{.op = "memcache.ma"}, KEEL_END};

static const keel_cmd_def marith_cmds[] = {
    {MC_KEY1, .name = "MC.MA", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached meta arithmetic: flags b C E N J D T M q t c v k O.",
     .syntax = "MC.MA key [flag ...]", .program = ma_prog},
};

const keel_family mc_marith_family = KEEL_FAMILY(marith_ops, marith_cmds);

/* cmd_mdel.c -- the meta protocol's delete: MC.MD removes an item, or with I marks it stale
 * (a new CAS unique, the next reader wins the recache token). */
#include "counters.h"
#include "family.h"
#include "item.h"
#include "meta.h"
#include <keel/memcache.h>

/* Opcode: memcache.md
 * MC.MD key flag...: meta delete.  Flags b C E I k O q T.  The write comes last, after every
 * check, so a re-run after a hop or a wait decides again on the same state.  Reductions 1.
 * May hop and block.  Replies [status, flags text] (MC_DELETED, MC_NOT_FOUND, MC_EXISTS). */
static keel_op_result op_md(keel_proc *p, const keel_insn *in) {
    (void)in;
    mc_meta m;
    if (!mc_meta_read(p, 2, "bCEIkOqT", &m)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    keel_value v = {.size = sizeof v};
    keel_status st = mc_item_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    mc_status status = MC_DELETED;
    if (st == KEEL_NOTFOUND) {
        status = MC_NOT_FOUND;
    } else if (mc_meta_has(&m, 'C') &&
               (st != KEEL_OK || mc_item_cas(&v) == 0 || mc_item_cas(&v) != m.compare)) {
        status = MC_EXISTS;
    } else if (mc_meta_has(&m, 'I') && st == KEEL_OK) {
        uint64_t cas = mc_meta_has(&m, 'E') && (m.explicit_cas & MC_CAS_MASK)
                           ? m.explicit_cas & MC_CAS_MASK
                           : mc_cas_new();
        st = keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX64, true, cas | MC_AUX_STALE);
        KEEL_OP_PROPAGATE(st);
        if (mc_meta_has(&m, 'T')) {
            int64_t at = mc_expiry_at(m.ttl, keel_now_ms(p));
            st = keel_key_expire(p, key->ptr, key->len, at);
            KEEL_OP_PROPAGATE(st);
        }
    } else {
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
    }
    mc_count(MC_CMD_META);
    mc_count(status == MC_DELETED ? MC_DELETE_HITS : MC_DELETE_MISSES);
    char text[MC_META_TEXT];
    mc_meta_item it = {.key = key};
    size_t n = mc_meta_text(&m, "Ok", &it, text);
    mc_meta_reply(p, status, text, n, NULL, 0, false);
    return KEEL_NEXT;
}

static const keel_opcode_def mdel_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.md",
     .fn = op_md,
     .synopsis = "meta delete of argv[1] with the flags argv[2..]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def md_prog[] = {{.op = "memcache.md"}, KEEL_END};

static const keel_cmd_def mdel_cmds[] = {
    {MC_KEY1, .name = "MC.MD", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached meta delete: flags b C E I k O q T.", .syntax = "MC.MD key [flag ...]",
     .program = md_prog},
};

const keel_family mc_mdel_family = KEEL_FAMILY(mdel_ops, mdel_cmds);

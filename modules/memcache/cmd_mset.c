/* cmd_mset.c -- the meta protocol's store: MC.MS (meta set) with its modes (set, add, replace,
 * append, prepend), compare-and-set (C), invalidation (I) and explicit CAS uniques (E). */
#include <string.h>
#include "counters.h"
#include "family.h"
#include "item.h"
#include "item_size.h"
#include "meta.h"
#include <keel/memcache.h>

#define MS_FLAGS "bcCEFIkOqSsTMN"

/* The mode letter of M, upper-cased; 0 when it is not one of E A P R S. */
static char ms_mode(const mc_meta *m) {
    char c = m->mode ? m->mode : 'S';
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    return strchr("EAPRS", c) ? c : 0;
}

/* The value append (A) or prepend (P) stores, in arena memory. */
static dk_val joined(keel_proc *p, const keel_value *old, const keel_arg *add, char mode) {
    char buf[MC_BOX_TEXT];
    const char *s;
    size_t n = mc_item_text(old, buf, &s);
    char *j = keel_proc_alloc(p, n + add->len + 1);
    const keel_arg first = mode == 'A' ? (keel_arg){s, n} : *add;
    const keel_arg second = mode == 'A' ? *add : (keel_arg){s, n};
    memcpy(j, first.ptr, first.len);
    memcpy(j + first.len, second.ptr, second.len);
    return mc_box(j, n + add->len);
}

/* What a meta set decides: a status, and when storing, what. */
typedef struct ms_plan {
    mc_status status;
    bool store;
    dk_val box;
    int64_t at;
    uint32_t flags;
    bool stale;
} ms_plan;

static void ms_decide(keel_proc *p, const mc_meta *m, char mode, keel_status found,
                      const keel_value *v, ms_plan *pl) {
    const keel_arg *value = &p->argv[2];
    memset(pl, 0, sizeof *pl);
    pl->status = MC_NOT_STORED;
    if (mc_meta_has(m, 'C')) {
        if (found != KEEL_OK) {
            pl->status = found == KEEL_NOTFOUND ? MC_NOT_FOUND : MC_EXISTS;
            mc_count(found == KEEL_NOTFOUND ? MC_CAS_MISSES : MC_CAS_BADVAL);
            return;
        }
        uint64_t cas = mc_item_cas(v);
        if (cas != m->compare || cas == 0) {
            if (!(mc_meta_has(m, 'I') && cas && m->compare < cas)) {
                pl->status = MC_EXISTS;
                mc_count(MC_CAS_BADVAL);
                return;
            }
            pl->stale = true;
        }
        mc_count(MC_CAS_HITS);
    }
    if ((mode == 'E' && found != KEEL_NOTFOUND) || (mode == 'R' && found == KEEL_NOTFOUND) ||
        ((mode == 'A' || mode == 'P') && found != KEEL_OK))
        return;
    pl->at = mc_meta_has(m, 'T') ? mc_expiry_at(m->ttl, keel_now_ms(p)) : MC_AT_NEVER;
    pl->flags = m->client_flags;
    if (mode == 'A' || mode == 'P') {
        pl->box = joined(p, v, value, mode);
        pl->at = MC_AT_KEEP;
        pl->flags = mc_item_flags(v);
    } else {
        pl->box = mc_box(value->ptr, value->len);
    }
    pl->status = MC_STORED;
    pl->store = true;
}

static keel_op_result ms_reply(keel_proc *p, const mc_meta *m, mc_status status, uint64_t cas) {
    char text[MC_META_TEXT];
    mc_meta_item it = {.key = &p->argv[1], .cas = cas};
    size_t n = mc_meta_text(m, status == MC_STORED ? "Okc" : "Ok", &it, text);
    mc_meta_reply(p, status, text, n, NULL, 0, false);
    return KEEL_NEXT;
}

/* Opcode: memcache.ms
 * MC.MS key value flag...: meta set.  Flags b c C E F I k O q T M N (S s accepted and
 * ignored).  Registers: the write registers of item.h.  Reductions 1.  May hop and block.
 * Replies [status, flags text] (MC_STORED, MC_NOT_STORED, MC_EXISTS, MC_NOT_FOUND). */
static keel_op_result op_ms(keel_proc *p, const keel_insn *in) {
    (void)in;
    mc_meta m;
    if (!mc_meta_read(p, 3, MS_FLAGS, &m)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    if (!mc_item_begun(p)) {
        char mode = ms_mode(&m);
        if (!mode) {
            keel_reply_error(p, "CLIENT_ERROR invalid mode for ms M token");
            return KEEL_FAIL;
        }
        uint64_t limit = mc_item_size_max(p);
        if (p->argv[2].len > limit) {
            mc_count(MC_STORE_TOO_LARGE);
            keel_reply_error(p, "SERVER_ERROR object too large for cache");
            return KEEL_FAIL;
        }
        keel_value v = {.size = sizeof v};
        keel_status found = KEEL_NOTFOUND;
        if (mode != 'S' || mc_meta_has(&m, 'C')) {
            found = mc_item_lookup(p, key, &v);
            KEEL_OP_PROPAGATE(found);
        }
        mc_count(MC_CMD_META);
        mc_count(MC_CMD_SET);
        ms_plan pl;
        ms_decide(p, &m, mode, found, &v, &pl);
        if (!pl.store) return ms_reply(p, &m, pl.status, 0);
        if ((mode == 'A' || mode == 'P') && pl.box.type == DK_BYTES && pl.box.len > limit) {
            mc_count(MC_STORE_TOO_LARGE);
            keel_reply_error(p, "SERVER_ERROR object too large for cache");
            return KEEL_FAIL;
        }
        uint64_t word = 0;
        if (mc_meta_has(&m, 'c') || mc_meta_has(&m, 'E') || pl.stale) {
            uint64_t cas = mc_meta_has(&m, 'E') && (m.explicit_cas & MC_CAS_MASK)
                               ? m.explicit_cas & MC_CAS_MASK
                               : mc_cas_new();
            word = cas | (pl.stale ? MC_AUX_STALE : 0);
        }
        keel_status st = mc_item_begin(p, key, &pl.box, pl.at, pl.flags, word, pl.status);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
        mc_count(MC_TOTAL_ITEMS);
    }
    keel_status st = mc_item_finish(p, key);
    KEEL_OP_PROPAGATE(st);
    uint64_t word = p->reg[MC_R_AUX64].type == DK_NULL ? 0 : p->reg[MC_R_AUX64].v.u;
    return ms_reply(p, &m, (mc_status)p->reg[MC_R_STATUS].v.i, word & MC_CAS_MASK);
}

static const keel_opcode_def mset_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.ms",
     .fn = op_ms,
     .synopsis = "meta set of argv[1] to argv[2] with the flags argv[3..]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def ms_prog[] = {{.op = "memcache.ms"}, KEEL_END};

static const keel_cmd_def mset_cmds[] = {
    {MC_KEY1, .name = "MC.MS", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "memcached meta set: flags b c C E F I k O q T M (modes E A P R S).",
     .syntax = "MC.MS key value [flag ...]", .program = ms_prog},
};

const keel_family mc_mset_family = KEEL_FAMILY(mset_ops, mset_cmds);

/* cmd_mget.c -- the meta protocol's reads: MC.MG (meta get, with touch, vivify-on-miss and
 * recache tokens) and MC.ME (meta debug). */
#include <stdio.h>
#include <datakit/base64.h>
#include "counters.h"
#include "family.h"
#include "item.h"
#include "meta.h"
#include <keel/memcache.h>

/* Seconds of life an item has left (rounded up), -1 when it never expires. */
static int64_t ttl_left(const keel_value *v, int64_t now_ms) {
    if (v->expire_at_ms < 0) return -1;
    int64_t ms = v->expire_at_ms - now_ms;
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

/* mg N on a miss: creates an empty item living N seconds whose recache token goes to this
 * client.  Returns a keyspace status. */
static keel_status vivify(keel_proc *p, const keel_arg *key, const mc_meta *m, int64_t now) {
    dk_val empty = dk_bytes("", 0);
    int64_t at = mc_expiry_at(m->vivify, now);
    keel_status st = keel_key_store(p, key->ptr, key->len, &empty, 0);
    if (st != KEEL_OK) return st;
    if (at != MC_AT_NEVER) {
        st = keel_key_expire(p, key->ptr, key->len, at);
        if (st != KEEL_OK) return st;
    }
    uint64_t cas =
        mc_meta_has(m, 'E') && m->explicit_cas ? m->explicit_cas & MC_CAS_MASK : mc_cas_new();
    return keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX64, true, cas | MC_AUX_TOKEN);
}

/* Opcode: memcache.mg
 * MC.MG key flag...: meta get.  Flags b c f k O q s t u v N R T E.  Writes (a CAS unique, a
 * token, a new expiry, a vivified item) come before the reply; a re-run starts afresh.
 * Reductions 1.  May hop and block.  Replies [status, flags text, value?] (MC_HIT or
 * MC_NOT_FOUND). */
static keel_op_result op_mg(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_reset(p);
    mc_meta m;
    if (!mc_meta_read(p, 2, "bcfkOqstuvNRTE", &m)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    int64_t now = keel_now_ms(p);
    char text[MC_META_TEXT];
    keel_value v = {.size = sizeof v};
    keel_status st = mc_item_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    mc_count(MC_CMD_META);
    mc_count(MC_CMD_GET);
    mc_count(st == KEEL_OK ? MC_GET_HITS : MC_GET_MISSES);
    bool won = false, vivified = false;
    if (st != KEEL_OK) {
        mc_meta_item it = {.key = key};
        if (!mc_meta_has(&m, 'N')) {
            size_t n = mc_meta_text(&m, "Ok", &it, text);
            mc_meta_reply(p, MC_NOT_FOUND, text, n, NULL, 0, false);
            return KEEL_NEXT;
        }
        st = vivify(p, key, &m, now);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
        won = vivified = true;
        st = mc_item_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
    }
    uint64_t state = vivified ? 0 : mc_item_state(&v);
    bool token_before = state & MC_AUX_TOKEN, stale = state & MC_AUX_STALE;
    bool recache = mc_meta_has(&m, 'R') && v.expire_at_ms >= 0 && ttl_left(&v, now) < m.recache;
    if (!vivified && !token_before && (stale || recache)) won = true;
    bool changed = false;
    uint64_t cas = mc_item_cas(&v);
    if ((won && !vivified) || (mc_meta_has(&m, 'c') && cas == 0)) {
        if (cas == 0) cas = mc_cas_new();
        uint64_t word = cas | mc_item_state(&v) | (won ? MC_AUX_TOKEN : 0);
        st = keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX64, true, word);
        KEEL_OP_PROPAGATE(st);
        changed = true;
    }
    int64_t at = MC_AT_KEEP;
    if (mc_meta_has(&m, 'T')) {
        at = mc_expiry_at(m.ttl, now);
        mc_count(MC_CMD_TOUCH);
        mc_count(MC_TOUCH_HITS);
        if (at != MC_AT_EXPIRED) {
            st = keel_key_expire(p, key->ptr, key->len, at);
            KEEL_OP_PROPAGATE(st);
            changed = true;
        }
    }
    if (changed) {
        st = mc_item_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
    }
    char buf[MC_BOX_TEXT];
    const char *s;
    size_t vlen = mc_item_text(&v, buf, &s);
    mc_meta_item it = {.key = key,
                       .cas = mc_item_cas(&v),
                       .client_flags = mc_item_flags(&v),
                       .ttl = ttl_left(&v, now),
                       .size = vlen};
    size_t n = mc_meta_text(&m, "Okcfst", &it, text);
    if (token_before) n = mc_meta_append(text, n, 'Z');
    if (stale) n = mc_meta_append(text, n, 'X');
    if (won) n = mc_meta_append(text, n, 'W');
    mc_meta_reply(p, MC_HIT, text, n, s, vlen, mc_meta_has(&m, 'v'));
    if (at == MC_AT_EXPIRED) {
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
    }
    return KEEL_NEXT;
}

/* Opcode: memcache.me
 * MC.ME key [b]: meta debug, a line of what Keel knows about the item.  Reductions 1.  May hop
 * and block.  Replies the line after "ME " as a bulk string, or nil on a miss. */
static keel_op_result op_me(keel_proc *p, const keel_insn *in) {
    (void)in;
    mc_meta m;
    if (!mc_meta_read(p, 2, "b", &m)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    keel_value v = {.size = sizeof v};
    keel_status st = mc_item_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) {
        keel_reply_nil(p);
        return KEEL_NEXT;
    }
    char buf[MC_BOX_TEXT], line[DK_BASE64_LEN(MC_KEY_MAX) + 160];
    const char *s;
    size_t vlen = mc_item_text(&v, buf, &s), klen = key->len;
    int n;
    char enc[DK_BASE64_LEN(MC_KEY_MAX)];
    const char *k = key->ptr;
    if (klen > MC_KEY_MAX) klen = MC_KEY_MAX;
    if (mc_meta_has(&m, 'b')) {
        klen = dk_base64_encode(key->ptr, klen, enc);
        k = enc;
    }
    n = snprintf(line, sizeof line, "%.*s exp=%lld la=0 cas=%llu fetch=no cls=1 size=%zu",
                 (int)klen, k, (long long)ttl_left(&v, keel_now_ms(p)),
                 (unsigned long long)mc_item_cas(&v), key->len + vlen);
    keel_reply_bulk(p, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
    return KEEL_NEXT;
}

/* The access one meta get needs: a touch (T), an item created on a miss (N) or a recache token
 * (R) write; anything else reads.  Looks only at the flags' letters (argv[2..]). */
static uint64_t mg_access(uint32_t argc, const keel_arg *argv) {
    for (uint32_t i = 2; i < argc; i++) {
        char c = argv[i].len ? argv[i].ptr[0] : 0;
        if (c == 'T' || c == 'N' || c == 'R') return KEEL_CMD_WRITE;
    }
    return KEEL_CMD_READONLY;
}

static const keel_opcode_def mget_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.mg",
     .fn = op_mg,
     .synopsis = "meta get of argv[1] with the flags argv[2..]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.me",
     .fn = op_me,
     .synopsis = "meta debug line of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def mg_prog[] = {{.op = "memcache.mg"}, KEEL_END};
static const keel_insn_def me_prog[] = {{.op = "memcache.me"}, KEEL_END};

static const keel_cmd_def mget_cmds[] = {
    {MC_KEY1, .name = "MC.MG", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached meta get: flags b c f k O q s t u v N R T E (T N R write).",
     .syntax = "MC.MG key [flag ...]", .program = mg_prog, .access = mg_access},
    {MC_KEY1, .name = "MC.ME", .arity = -2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "memcached meta debug: what is known about an item.", .syntax = "MC.ME key [b]",
     .program = me_prog},
};

const keel_family mc_mget_family = KEEL_FAMILY(mget_ops, mget_cmds);

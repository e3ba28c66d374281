/* item.c -- items: expiry times, CAS uniques, and writes in resumable steps. */
#include <stdatomic.h>
#include "item.h"
#include <keel/memcache.h>

int64_t mc_expiry_at(int64_t exptime, int64_t now_ms) {
    if (exptime == 0) return MC_AT_NEVER;
    if (exptime < 0) return MC_AT_EXPIRED;
    if (exptime > MC_REALTIME_MAXDELTA) {
        if (exptime > INT64_MAX / 1000) return INT64_MAX;
        int64_t at = exptime * 1000;
        return at <= now_ms ? MC_AT_EXPIRED : at;
    }
    return now_ms + exptime * 1000;
}

static _Atomic uint64_t cas_counter;

uint64_t mc_cas_new(void) {
    uint64_t c = atomic_fetch_add_explicit(&cas_counter, 1, memory_order_relaxed) + 1;
    return (c & MC_CAS_MASK) ? c & MC_CAS_MASK : 1;
}

keel_status mc_item_lookup(keel_proc *p, const keel_arg *key, keel_value *v) {
    v->size = sizeof *v;
    keel_status st = keel_key_lookup(p, key->ptr, key->len, v);
    if (st == KEEL_OK && v->type != KEEL_TYPE_BOX) return KEEL_EWRONGTYPE;
    return st;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool mc_item_number(const keel_value *v, uint64_t *out) {
    if (v->box.type == DK_I64 && v->box.v.i >= 0) {
        *out = (uint64_t)v->box.v.i;
        return true;
    }
    if (v->box.type == DK_U64) {
        *out = v->box.v.u;
        return true;
    }
    if (v->box.type != DK_BYTES) return false;
    const char *s = v->box.v.ptr;
    size_t n = v->box.len, i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i < n && s[i] == '+') i++;
    size_t start = i;
    uint64_t x = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
    }
    if (i == start || (i < n && !is_space(s[i]))) return false;
    *out = x;
    return true;
}

keel_status mc_item_ensure_cas(keel_proc *p, const keel_arg *key, keel_value *v, uint64_t *cas) {
    *cas = mc_item_cas(v);
    if (*cas) return KEEL_OK;
    uint64_t c = mc_cas_new();
    uint64_t word = c | mc_item_state(v);
    keel_status st = keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX64, true, word);
    if (st != KEEL_OK) return st;
    v->has_aux64 = true;
    v->aux64 = word;
    *cas = c;
    return KEEL_OK;
}

keel_status mc_item_begin(keel_proc *p, const keel_arg *key, const dk_val *box, int64_t at,
                          uint32_t flags, uint64_t aux64, int status) {
    unsigned sf = at == MC_AT_KEEP ? KEEL_STORE_KEEPTTL : 0;
    keel_status st = keel_key_store(p, key->ptr, key->len, box, sf);
    if (st != KEEL_OK) return st;
    p->reg[MC_R_STEP] = dk_i64(1);
    p->reg[MC_R_AT] = dk_i64(at);
    p->reg[MC_R_FLAGS] = flags ? dk_u64(flags) : dk_null();
    p->reg[MC_R_AUX64] = aux64 ? dk_u64(aux64) : dk_null();
    p->reg[MC_R_STATUS] = dk_i64(status);
    return KEEL_OK;
}

keel_status mc_item_finish(keel_proc *p, const keel_arg *key) {
    dk_val *r = p->reg;
    for (;;) {
        keel_status st = KEEL_OK;
        switch (r[MC_R_STEP].v.i) {
        case 1:
            if (r[MC_R_AT].v.i != MC_AT_KEEP && r[MC_R_AT].v.i != MC_AT_NEVER)
                st = keel_key_expire(p, key->ptr, key->len, r[MC_R_AT].v.i);
            if (st == KEEL_OK && r[MC_R_AT].v.i == MC_AT_EXPIRED) r[MC_R_STEP].v.i = 4;
            break;
        case 2:
            if (r[MC_R_FLAGS].type != DK_NULL)
                st = keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX32, true, r[MC_R_FLAGS].v.u);
            break;
        case 3:
            if (r[MC_R_AUX64].type != DK_NULL)
                st = keel_key_aux_set(p, key->ptr, key->len, KEEL_AUX64, true, r[MC_R_AUX64].v.u);
            break;
        default:
            return KEEL_OK;
        }
        if (st == KEEL_MOVED || st == KEEL_WAIT) return st;
        if (r[MC_R_STEP].v.i < 4) r[MC_R_STEP].v.i++;
    }
}

keel_op_result mc_item_store_failed(keel_proc *p) {
    keel_reply_error(p, "SERVER_ERROR out of memory storing object");
    return KEEL_FAIL;
}

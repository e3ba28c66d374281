/* evict_policy.c -- maxmemory-policy names and the per-key recency/frequency word. */
#include "config.h"
#include "evict_policy.h"
#include "limit.h"
#include "server.h"
#include "thread.h"

#include <strings.h>

static const char *const policy_names[EVICT_POLICIES] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction",
};

int evict_policy_parse(const char *name) {
    for (int i = 0; i < EVICT_POLICIES; i++)
        if (!strcasecmp(name, policy_names[i])) return i;
    return -1;
}

const char *evict_policy_name(int policy) {
    return policy >= 0 && policy < EVICT_POLICIES ? policy_names[policy] : "noeviction";
}

int evict_net_mode_parse(const char *name) {
    if (!strcasecmp(name, "policy")) return EVICT_NET_POLICY;
    if (!strcasecmp(name, "evict")) return EVICT_NET_EVICT;
    if (!strcasecmp(name, "refuse")) return EVICT_NET_REFUSE;
    return -1;
}

static uint16_t lru_clock(int64_t now_ms) {
    return (uint16_t)(now_ms / 1000);
}
static uint8_t lfu_minutes(int64_t now_ms) {
    return (uint8_t)(now_ms / 60000);
}

uint16_t evict_meta_new(int policy, int64_t now_ms) {
    if (evict_policy_lfu(policy)) return (uint16_t)(lfu_minutes(now_ms) << 8 | EVICT_LFU_INIT);
    return lru_clock(now_ms);
}

uint16_t evict_meta_idle(int64_t idle_s, int64_t now_ms) {
    return (uint16_t)(lru_clock(now_ms) -
                      (uint16_t)(idle_s > EVICT_IDLE_MAX ? EVICT_IDLE_MAX : idle_s));
}

uint16_t evict_meta_lfu(unsigned freq, int64_t now_ms) {
    return (uint16_t)(lfu_minutes(now_ms) << 8 | (freq > 255 ? 255 : freq));
}

int64_t evict_meta_idle_s(uint16_t meta, int64_t now_ms) {
    return (uint16_t)(lru_clock(now_ms) - meta);
}

unsigned evict_meta_freq(uint16_t meta, int64_t now_ms) {
    unsigned counter = meta & 0xff, elapsed = (uint8_t)(lfu_minutes(now_ms) - (meta >> 8));
    int decay = limit_get(srv->cf.lfu_decay_time);
    unsigned periods = decay > 0 ? elapsed / (unsigned)decay : 0;
    return periods > counter ? 0 : counter - periods;
}

uint16_t evict_meta_access(int policy, uint16_t meta, int64_t now_ms, uint64_t rnd) {
    if (!evict_policy_lfu(policy)) return lru_clock(now_ms);
    unsigned counter = evict_meta_freq(meta, now_ms);
    if (counter < 255) {
        unsigned base = counter > EVICT_LFU_INIT ? counter - EVICT_LFU_INIT : 0;
        double p = 1.0 / ((double)base * limit_get(srv->cf.lfu_log_factor) + 1);
        double r = (double)(rnd >> 11) / (double)(1ull << 53);
        if (r < p) counter++;
    }
    return (uint16_t)(lfu_minutes(now_ms) << 8 | counter);
}

void evict_touch(dk_table *t, dk_ref r, int64_t now_ms) {
    int policy = limit_get(srv->cf.maxmemory_policy);
    uint16_t old = dk_table_meta(t, r);
    thr *self = evict_policy_lfu(policy) ? thr_self() : NULL;
    uint64_t rnd = self ? thr_random(self) : 0;
    uint16_t meta = evict_meta_access(policy, old, now_ms, rnd);
    if (meta != old) dk_table_set_meta(t, r, meta);
}

void evict_stamp(dk_table *t, dk_ref r, int64_t now_ms) {
    dk_table_set_meta(t, r, evict_meta_new(limit_get(srv->cf.maxmemory_policy), now_ms));
}

/* evict_policy.h -- maxmemory-policy names and the 16-bit recency/frequency word each key keeps
 * in its table entry (dk_table_meta): an LRU clock under the LRU policies, Redis's LFU counter
 * and decay time under the LFU ones. */
#ifndef KEEL_CORE_EVICT_POLICY_H
#define KEEL_CORE_EVICT_POLICY_H

#include <datakit/table.h>
#include <stdbool.h>
#include <stdint.h>

/* Redis 7.0's maxmemory-policy values, in its order. */
enum evict_policy {
    EVICT_VOLATILE_LRU,
    EVICT_VOLATILE_LFU,
    EVICT_VOLATILE_RANDOM,
    EVICT_VOLATILE_TTL,
    EVICT_ALLKEYS_LRU,
    EVICT_ALLKEYS_LFU,
    EVICT_ALLKEYS_RANDOM,
    EVICT_NOEVICTION,
    EVICT_POLICIES
};

/* What a write over maxmemory does on one network (its "eviction" field). */
enum evict_net_mode {
    EVICT_NET_DEFAULT, /* unset: "evict" for memcached networks, "policy" for the others */
    EVICT_NET_POLICY,  /* as maxmemory-policy says: noeviction refuses, the others evict */
    EVICT_NET_EVICT,   /* always evicts (allkeys-lru when the policy is noeviction): memcached */
    EVICT_NET_REFUSE,  /* never evicts for this network's writes: memcached's -M */
};

/* Redis's defaults. */
#define EVICT_DEFAULT_SAMPLES 5
#define EVICT_DEFAULT_LFU_LOG_FACTOR 10
#define EVICT_DEFAULT_LFU_DECAY_TIME 1
#define EVICT_LFU_INIT 5 /* a new key's LFU counter */

/* The policy named (case-insensitive), or -1. */
int evict_policy_parse(const char *name);
const char *evict_policy_name(int policy);
/* The network mode named "policy", "evict" or "refuse", or -1. */
int evict_net_mode_parse(const char *name);

static inline bool evict_policy_lfu(int policy) {
    return policy == EVICT_ALLKEYS_LFU || policy == EVICT_VOLATILE_LFU;
}
static inline bool evict_policy_volatile(int policy) {
    return policy <= EVICT_VOLATILE_TTL;
}

/* The word of a key just stored (LRU: now; LFU: the initial counter, now's minute). */
uint16_t evict_meta_new(int policy, int64_t now_ms);
/* The word after one access: LRU: now; LFU: decayed, then incremented with probability
 * 1 / ((counter - 5) * lfu-log-factor + 1); rnd is any random 64-bit number. */
uint16_t evict_meta_access(int policy, uint16_t meta, int64_t now_ms, uint64_t rnd);
/* Seconds since the key's last access, from an LRU word: the clock counts seconds modulo 2^16,
 * so an idle time is known modulo about 18.2 hours. */
int64_t evict_meta_idle_s(uint16_t meta, int64_t now_ms);
/* The LFU counter decayed to now (lfu-decay-time minutes a step; the word keeps minutes modulo
 * 256). */
unsigned evict_meta_freq(uint16_t meta, int64_t now_ms);

/* The longest idle time a word records: the clock wraps after 65536 s, so a longer idle time is
 * kept as 18 hours, which stays true for 12 minutes before the clock wraps. */
#define EVICT_IDLE_MAX 64800
/* The word of a key last accessed idle_s seconds ago (LRU policies; idle_s >= 0, at most
 * EVICT_IDLE_MAX counts) and of a key whose LFU counter is freq as of now (LFU policies): RESTORE's
 * IDLETIME and FREQ. */
uint16_t evict_meta_idle(int64_t idle_s, int64_t now_ms);
uint16_t evict_meta_lfu(unsigned freq, int64_t now_ms);

/* Touches entry r of t for an access (the policy in force read once per call). */
void evict_touch(dk_table *t, dk_ref r, int64_t now_ms);
/* Stamps a new entry r of t. */
void evict_stamp(dk_table *t, dk_ref r, int64_t now_ms);

#endif

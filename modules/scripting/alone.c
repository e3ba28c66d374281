/* alone.c -- the verdict per script: must it run alone (see alone.h).  An open-addressing table
 * of 64-bit hashes of the ids under a reader-writer lock; a lost verdict only costs a run alone. */
#include "alone.h"

#include <keel/sdk.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct slot {
    uint64_t hash; /* 0: empty */
    int verdict;
} slot;

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static slot *slots;
static size_t cap, used, nalone;

uint64_t alone_key(const char *id) {
    uint64_t h = XXH3_64bits(id, strlen(id));
    return h ? h : 1;
}

static slot *find(uint64_t h) {
    if (!cap) return NULL;
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (slots[i].hash == h || slots[i].hash == 0) return &slots[i];
}

/* The verdict on h (0: none yet), read-locked. */
static int verdict_of(uint64_t h) {
    pthread_rwlock_rdlock(&table_lock);
    slot *s = find(h);
    int verdict = s && s->hash == h ? s->verdict : 0;
    pthread_rwlock_unlock(&table_lock);
    return verdict;
}

enum alone_verdict alone_verdict(uint64_t key) {
    return (enum alone_verdict)verdict_of(key);
}

static bool grow(void) {
    size_t ncap = cap ? cap * 2 : 256;
    slot *n = keel_calloc(ncap, sizeof *n);
    if (!n) return false;
    for (size_t i = 0; i < cap; i++) {
        if (!slots[i].hash) continue;
        size_t j = slots[i].hash & (ncap - 1);
        while (n[j].hash)
            j = (j + 1) & (ncap - 1);
        n[j] = slots[i];
    }
    keel_free(slots);
    slots = n;
    cap = ncap;
    return true;
}

void alone_note(uint64_t h, bool undeclared) {
    int known = verdict_of(h); /* most runs confirm what is known: no write lock for those */
    if (known == ALONE_NEEDED || (known == ALONE_SAFE && !undeclared)) return;
    pthread_rwlock_wrlock(&table_lock);
    if ((used + 1) * 2 > cap && !grow()) {
        pthread_rwlock_unlock(&table_lock);
        return;
    }
    slot *s = find(h);
    if (!s->hash) {
        s->hash = h;
        used++;
    }
    if (s->verdict != ALONE_NEEDED) { /* once seen touching one, always alone */
        s->verdict = undeclared ? ALONE_NEEDED : ALONE_SAFE;
        nalone += undeclared;
    }
    pthread_rwlock_unlock(&table_lock);
}

unsigned long alone_count(void) {
    pthread_rwlock_rdlock(&table_lock);
    unsigned long n = (unsigned long)nalone;
    pthread_rwlock_unlock(&table_lock);
    return n;
}

void alone_forget(void) {
    pthread_rwlock_wrlock(&table_lock);
    keel_free(slots);
    slots = NULL;
    cap = used = nalone = 0;
    pthread_rwlock_unlock(&table_lock);
}

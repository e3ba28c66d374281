/* cache.c -- the script cache: an open-addressing table of SHA-1 -> body under one mutex. */
#include "cache.h"

#include <keel/sdk.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

typedef struct cache_ent {
    char sha[41];
    size_t len;
    char body[];
} cache_ent;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static cache_ent **slots;
static size_t nslots, nused;
static uint64_t body_bytes;
static _Atomic uint64_t generation;

static size_t slot_of(const char *sha) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 40; i++)
        h = (h ^ (uint8_t)sha[i]) * 1099511628211ull;
    return (size_t)h & (nslots - 1);
}

/* The slot holding sha, or the empty slot where it would go (nslots > 0). */
static size_t find_slot(const char *sha) {
    size_t i = slot_of(sha);
    while (slots[i] && memcmp(slots[i]->sha, sha, 40) != 0)
        i = (i + 1) & (nslots - 1);
    return i;
}

static void grow(void) {
    size_t old = nslots;
    cache_ent **was = slots;
    nslots = nslots ? nslots * 2 : 64;
    slots = keel_calloc(nslots, sizeof *slots);
    for (size_t i = 0; i < old; i++)
        if (was[i]) slots[find_slot(was[i]->sha)] = was[i];
    keel_free(was);
}

void cache_add(const char *sha, const char *body, size_t len) {
    pthread_mutex_lock(&cache_mu);
    if ((nused + 1) * 2 > nslots) grow();
    size_t i = find_slot(sha);
    if (!slots[i]) {
        cache_ent *e = keel_alloc(sizeof *e + len + 1);
        memcpy(e->sha, sha, 40);
        e->sha[40] = '\0';
        e->len = len;
        memcpy(e->body, body, len);
        e->body[len] = '\0';
        slots[i] = e;
        nused++;
        body_bytes += len;
    }
    pthread_mutex_unlock(&cache_mu);
}

bool cache_has(const char *sha) {
    pthread_mutex_lock(&cache_mu);
    bool has = nslots && slots[find_slot(sha)];
    pthread_mutex_unlock(&cache_mu);
    return has;
}

bool cache_get(const char *sha, char **body, size_t *len) {
    pthread_mutex_lock(&cache_mu);
    const cache_ent *e = nslots ? slots[find_slot(sha)] : NULL;
    if (e) {
        *body = keel_alloc(e->len + 1);
        memcpy(*body, e->body, e->len + 1);
        *len = e->len;
    }
    pthread_mutex_unlock(&cache_mu);
    return e != NULL;
}

static void drop_all(void) {
    for (size_t i = 0; i < nslots; i++)
        keel_free(slots[i]);
    keel_free(slots);
    slots = NULL;
    nslots = nused = 0;
    body_bytes = 0;
}

void cache_flush(void) {
    pthread_mutex_lock(&cache_mu);
    drop_all();
    atomic_fetch_add(&generation, 1);
    pthread_mutex_unlock(&cache_mu);
}

uint64_t cache_generation(void) {
    return atomic_load_explicit(&generation, memory_order_acquire);
}

void cache_stats(uint64_t *count, uint64_t *bytes) {
    pthread_mutex_lock(&cache_mu);
    *count = nused;
    *bytes = body_bytes;
    pthread_mutex_unlock(&cache_mu);
}

void cache_free(void) {
    pthread_mutex_lock(&cache_mu);
    drop_all();
    pthread_mutex_unlock(&cache_mu);
}

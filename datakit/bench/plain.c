/* plain.c -- a plain chained hash table (one malloc per entry) timed as the reference. */
#include "plain.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <datakit/table.h>

typedef struct plain_ent {
    struct plain_ent *next;
    uint64_t hash;
    int64_t value;
    size_t klen;
    char key[];
} plain_ent;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const plain_ent *find(plain_ent **b, size_t mask, const char *key, size_t klen) {
    uint64_t h = dk_table_default_hash(key, klen);
    const plain_ent *e = b[(h >> 32) & mask];
    while (e && !(e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0))
        e = e->next;
    return e;
}

plain_times plain_bench(const char *keys, size_t stride, size_t klen, const uint32_t *order,
                        size_t n) {
    plain_times pt = {0};
    size_t nb = 1;
    while (nb < n)
        nb *= 2;
    plain_ent **b = calloc(nb, sizeof *b);
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        plain_ent *e = malloc(sizeof *e + klen);
        memcpy(e->key, keys + i * stride, klen);
        e->klen = klen;
        e->hash = dk_table_default_hash(e->key, klen);
        e->value = (int64_t)i;
        size_t k = (e->hash >> 32) & (nb - 1);
        e->next = b[k];
        b[k] = e;
    }
    double t1 = now_ns();
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint64_t)find(b, nb - 1, keys + (size_t)order[i] * stride, klen)->value;
    double t2 = now_ns();
    for (size_t i = 0; i < n; i++)
        sum += (uint64_t)find(b, nb - 1, keys + (size_t)order[(i + (sum & 1)) % n] * stride, klen)
                   ->value;
    double t3 = now_ns();
    pt.insert_ns = (t1 - t0) / (double)n;
    pt.lookup_ns = (t2 - t1) / (double)n;
    pt.chained_ns = (t3 - t2) / (double)n;
    /* malloc chunk of a 32 + klen byte entry: rounded up to 16 with an 8-byte header */
    pt.bytes_per_key = (double)(((sizeof(plain_ent) + klen + 8 + 15) & ~(size_t)15)) +
                       (double)(nb * sizeof *b) / (double)n;
    for (size_t i = 0; i < nb; i++)
        for (plain_ent *e = b[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    free(b);
    if (sum == 1) pt.bytes_per_key += 0;
    return pt;
}

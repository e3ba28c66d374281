/* learn.c -- the ARGV positions known to hold keys, per script (see learn.h). */
#include "learn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

typedef struct learned {
    char id[128];
    uint64_t argv_bits[2]; /* bit i-1: ARGV[i] held a key (i <= 128) */
    struct learned *next;
} learned;

static pthread_mutex_t learn_mu = PTHREAD_MUTEX_INITIALIZER;
static learned *head;
static _Atomic uint64_t nlearned;

void learn_note(const char *id, uint32_t index) {
    if (index == 0 || index > 128 || strlen(id) >= sizeof head->id) return;
    pthread_mutex_lock(&learn_mu);
    learned *l = head;
    while (l && strcmp(l->id, id) != 0)
        l = l->next;
    if (!l) {
        l = keel_calloc(1, sizeof *l);
        strcpy(l->id, id);
        l->next = head;
        head = l;
        atomic_fetch_add(&nlearned, 1);
    }
    l->argv_bits[(index - 1) / 64] |= 1ull << ((index - 1) % 64);
    pthread_mutex_unlock(&learn_mu);
}

int learn_positions(const char *id, uint32_t *idx, int max) {
    if (!atomic_load_explicit(&nlearned, memory_order_acquire)) return 0;
    int n = 0;
    pthread_mutex_lock(&learn_mu);
    learned *l = head;
    while (l && strcmp(l->id, id) != 0)
        l = l->next;
    for (uint32_t i = 0; l && i < 128 && n < max && n < LEARN_MAX; i++)
        if (l->argv_bits[i / 64] >> (i % 64) & 1) idx[n++] = i + 1;
    pthread_mutex_unlock(&learn_mu);
    return n;
}

uint64_t learn_count(void) {
    return atomic_load(&nlearned);
}

void learn_free(void) {
    pthread_mutex_lock(&learn_mu);
    while (head) {
        learned *l = head;
        head = l->next;
        keel_free(l);
    }
    atomic_store(&nlearned, 0);
    pthread_mutex_unlock(&learn_mu);
}

/* quiesce.c -- parks every other worker thread (see quiesce.h).  The parking call is a
 * thr_call_on message, so it runs between two messages of a thread's inbox, where no process
 * is mid-step; the mutex and condition variable order the owner's table changes before the
 * parked threads' next reads. */
#include "config.h"
#include "quiesce.h"
#include "server.h"
#include "thread.h"

#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static atomic_bool q_owned;   /* one quiescer at a time */
static int q_parked;          /* threads parked now (under q_mu) */
static uint64_t q_round;      /* bumped by quiesce_end: parked threads wait for it to change */

static void park_here(void *arg) {
    (void)arg;
    pthread_mutex_lock(&q_mu);
    uint64_t round = q_round;
    q_parked++;
    pthread_cond_broadcast(&q_cv);
    while (q_round == round) pthread_cond_wait(&q_cv, &q_mu);
    q_parked--;
    pthread_cond_broadcast(&q_cv);
    pthread_mutex_unlock(&q_mu);
}

bool quiesce_begin(thr *self) {
    bool expected = false;
    if (!atomic_compare_exchange_strong(&q_owned, &expected, true)) return false;
    int others = 0;
    for (int i = 0; i < srv->nthreads; i++) {
        thr *t = srv->threads[i];
        if (t == self) continue;
        if (atomic_load(&t->stop)) {   /* stopping: it may never drain its inbox again */
            atomic_store(&q_owned, false);
            return false;
        }
        others++;
    }
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i] != self) thr_call_on(srv->threads[i], park_here, NULL);
    thr_wake_now(self);   /* the wake-ups a worker batches until its turn ends: this one waits */
    pthread_mutex_lock(&q_mu);
    while (q_parked < others) pthread_cond_wait(&q_cv, &q_mu);
    pthread_mutex_unlock(&q_mu);
    return true;
}

void quiesce_end(void) {
    pthread_mutex_lock(&q_mu);
    q_round++;
    pthread_cond_broadcast(&q_cv);
    while (q_parked > 0) pthread_cond_wait(&q_cv, &q_mu);
    pthread_mutex_unlock(&q_mu);
    atomic_store(&q_owned, false);
}

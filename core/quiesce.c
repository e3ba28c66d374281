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
#include <stdint.h>
#include <time.h>

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static atomic_bool q_owned; /* one quiescer at a time */
static int q_parked;        /* threads parked now (under q_mu) */
static uint64_t q_round;    /* bumped by quiesce_end: parked threads wait for it to change */

/* arg: the round the call was posted for; a call that arrives after its round ended (the
 * quiescer gave up) returns at once. */
static void park_here(void *arg) {
    uint64_t round = (uint64_t)(uintptr_t)arg;
    pthread_mutex_lock(&q_mu);
    if (q_round != round) {
        pthread_mutex_unlock(&q_mu);
        return;
    }
    q_parked++;
    pthread_cond_broadcast(&q_cv);
    while (q_round == round)
        pthread_cond_wait(&q_cv, &q_mu);
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
        if (atomic_load(&t->stop)) { /* stopping: it may never drain its inbox again */
            atomic_store(&q_owned, false);
            return false;
        }
        others++;
    }
    pthread_mutex_lock(&q_mu);
    void *round = (void *)(uintptr_t)q_round;
    pthread_mutex_unlock(&q_mu);
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i] != self) thr_call_on(srv->threads[i], park_here, round);
    thr_wake_now(self); /* the wake-ups a worker batches until its turn ends: this one waits */
    pthread_mutex_lock(&q_mu);
    while (q_parked < others) {
        if (atomic_load(&srv->shutting_down)) { /* a stopping thread may never drain its inbox */
            pthread_mutex_unlock(&q_mu);
            quiesce_end(); /* releases the parked ones; late calls find their round over */
            return false;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&q_cv, &q_mu, &until);
    }
    pthread_mutex_unlock(&q_mu);
    return true;
}

void quiesce_end(void) {
    pthread_mutex_lock(&q_mu);
    q_round++;
    pthread_cond_broadcast(&q_cv);
    while (q_parked > 0)
        pthread_cond_wait(&q_cv, &q_mu);
    pthread_mutex_unlock(&q_mu);
    atomic_store(&q_owned, false);
}

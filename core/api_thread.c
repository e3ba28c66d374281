/* api_thread.c -- the worker-thread calls of the SDK: how many threads, which one runs the
 * caller, where a connection lives, and running a function on a given thread. */
#include "config.h"
#include "conn.h"
#include "server.h"
#include "thread.h"

uint32_t keel_thread_count(void) {
    return (uint32_t)(srv->nthreads > 0 ? srv->nthreads : conf_threads(&srv->cf));
}

int keel_thread_self(void) {
    thr *t = thr_self();
    return t ? t->id : -1;
}

uint32_t keel_conn_thread(keel_conn *c) {
    return (uint32_t)c->t->id;
}

keel_status keel_thread_post(uint32_t thread, void (*fn)(void *arg), void *arg) {
    if (!fn || thread >= keel_thread_count()) return KEEL_EINVAL;
    if (!srv->threads || !srv->threads[thread]) return KEEL_ESTATE;
    thr_call_on(srv->threads[thread], fn, arg);
    return KEEL_OK;
}

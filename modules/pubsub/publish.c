/* publish.c -- routing a message to the threads with subscribers, one hand-off per thread (see
 * publish.h). */
#include "publish.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include "local.h"
#include "names.h"
#include "view.h"

/* A message handed to other threads: one copy, shared, freed by the last thread done with it. */
typedef struct ps_message {
    _Atomic uint32_t refs;
    ps_delivery d; /* its id and msg point into bytes */
    char bytes[];
} ps_message;

static void message_release(ps_message *m) {
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) keel_free(m);
}

/* On a thread the message was handed to. */
static void deliver_posted(void *arg) {
    ps_message *m = arg;
    int t = keel_thread_self();
    if (t >= 0) local_deliver((uint32_t)t, &m->d);
    message_release(m);
}

static ps_message *message_new(const ps_delivery *d, uint32_t refs) {
    ps_message *m = keel_alloc(sizeof *m + d->len + d->mlen);
    atomic_init(&m->refs, refs);
    m->d = *d;
    memcpy(m->bytes, d->id, d->len);
    if (d->mlen) memcpy(m->bytes + d->len, d->msg, d->mlen);
    m->d.id = m->bytes;
    m->d.msg = m->bytes + d->len;
    return m;
}

int64_t ps_publish(const keel_arg *path, uint32_t npath, unsigned flags, const void *channel,
                   size_t clen, const void *msg, size_t mlen) {
    if ((flags & ~KEEL_PUBLISH_FLAGS_ALL) || npath > KEEL_NS_DEPTH_MAX) return -1;
    for (uint32_t i = 0; i < npath; i++)
        if (path[i].len == 0 || path[i].len > PS_PATH_NAME_MAX) return -1; /* no namespace's */
    uint32_t nthreads = keel_thread_count();
    int self = keel_thread_self();
    ps_id id;
    ps_id_make(&id, (flags & KEEL_PUBLISH_SHARD) ? PS_SHARD : PS_CHANNEL, path, npath, channel,
               clen);
    uint8_t *dest = self >= 0 ? local_scratch((uint32_t)self) : keel_calloc(nthreads, 1);
    view_route r = {.receivers = 0, .dest = dest};
    view_route_publish(id.bytes, id.len, id.name_off, &r);
    ps_delivery d = {id.bytes, id.len, id.name_off, msg, mlen, r.chan_gen, r.pat_gen};
    uint32_t remote = 0;
    for (uint32_t t = 0; t < nthreads; t++)
        remote += dest[t] && (int)t != self;
    ps_message *m = remote ? message_new(&d, remote) : NULL;
    for (uint32_t t = 0; t < nthreads; t++) {
        if (!dest[t] || (int)t == self) continue;
        if (keel_thread_post(t, deliver_posted, m) != KEEL_OK)
            message_release(m); /* threads not started */
    }
    bool here = self >= 0 && dest[self];
    if (self >= 0)
        memset(dest, 0, nthreads); /* the scratch is free again before any delivery */
    else
        keel_free(dest);
    if (here) local_deliver((uint32_t)self, &d); /* now: before the PUBLISH's own reply, as Redis */
    ps_id_done(&id);
    return r.receivers;
}

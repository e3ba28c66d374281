/* reclaim.h -- freeing big streams a slice at a time: a deleted stream with more than
 * XS_FREE_SLICE chunks, consumers and groups is handed to its thread's queue of dead streams,
 * which a call posted to that thread (keel_thread_post) frees XS_FREE_SLICE of them per turn of
 * its loop, so DEL of a stream of ten million entries never holds the thread for more than about
 * a tenth of a millisecond at a time.  Smaller streams, and streams freed off the worker threads
 * (at load or shutdown), go at once. */
#ifndef KEEL_STREAMS_RECLAIM_H
#define KEEL_STREAMS_RECLAIM_H

#include <keel/sdk.h>

#include "sobj.h"

/* Chunks, consumers and groups freed per step (a chunk holds up to 100 entries). */
#define XS_FREE_SLICE 1024

/* Sets up one queue per worker thread and the INFO section "Streams" (streams_freeing: streams
 * waiting to be freed; streams_free_steps: steps run).  Only in init. */
keel_status xs_reclaim_init(keel_module *m, const char **err);
/* Frees what is still queued (fini: the threads have stopped). */
void xs_reclaim_fini(void);

/* Frees s, a stream no key holds any more: at once, or queued on the calling thread. */
void xs_reclaim(xs_stream *s);

#endif

/* aof_writer.h -- the append-only log's writer thread: takes the worker threads' staged records,
 * writes them in sequence order to the current generation's file, fsyncs by policy, switches
 * files at a snapshot's sequence number, and retries after a failed write. */
#ifndef KEEL_CORE_AOF_WRITER_H
#define KEEL_CORE_AOF_WRITER_H

#include "aof_rec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "<dir>/<appenddirname>/<appendfilename>.<generation>.incr.aof" */
void aofw_path(uint64_t generation, char *out, size_t cap);
/* "<dir>/<appenddirname>" */
void aofw_dir(char *out, size_t cap);

/* Starts the writer appending to generation's file (created with its preamble, carrying flags
 * (AOF_FLAG_*), when missing or empty), the next record being seq.  0, or -1 with err. */
int aofw_start(uint64_t generation, uint64_t seq, uint32_t flags, char *err, size_t errlen);
/* Hands over b's whole records (its buffer goes to the writer) and leaves b empty, holding a
 * buffer the writer is done with when it has one. */
void aofw_submit(aof_buf *b);
/* The same, written (and fsynced, as the policy asks) on the calling thread before it returns,
 * with whatever else was handed over: a lone worker under appendfsync always, as redis-server
 * does in its event loop, spares the two thread hand-offs per group commit. */
void aofw_submit_sync(aof_buf *b);
/* Records from seq on go to generation's file. */
void aofw_rotate(uint64_t seq, uint64_t generation);
/* Writes what it has, fsyncs, closes the file, stops the thread. */
void aofw_stop(void);
bool aofw_running(void);

/* Every record below this sequence number is written (fsynced with "always"). */
uint64_t aofw_durable(void);
/* False after a write or fsync failed, until one succeeds again; the errno. */
bool aofw_ok(void);
int aofw_errno(void);
/* The current file's size, the size it had when the writer started on it, its generation;
 * fsyncs done; records written. */
uint64_t aofw_size(void);
uint64_t aofw_base_size(void);
uint64_t aofw_generation(void);
uint64_t aofw_fsyncs(void);
bool aofw_fsync_pending(void);

/* Called by the writer after durable moved or a write failed (aof.c wakes waiting threads). */
void aof_durable_moved_hook(void);

#endif

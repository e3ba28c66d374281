/* snap_io.h -- the I/O thread of a background save: the worker threads hand it filled buffers of
 * their shards' files and go back to their clients, and it writes them, fsyncs each file and
 * closes it, so a disk that stalls a write(2) stalls no client.  Memory is bounded: a file whose
 * queue passes SNAP_IO_SOFT asks its walk to yield (snap_io_backlogged) until the thread says
 * there is room again (snap_io_when_room), and a hand-over that
 * would take the queue past SNAP_IO_HARD waits (only pre-images, written before a key changes,
 * can get there).  Knows files and bytes only. */
#ifndef KEEL_CORE_SNAP_IO_H
#define KEEL_CORE_SNAP_IO_H

#include <stdbool.h>
#include <stddef.h>

/* A file's queue past which its walk yields; all files' queues past which a hand-over waits. */
#define SNAP_IO_SOFT (1u << 20)
#define SNAP_IO_HARD (4u << 20)

typedef struct snap_io_group snap_io_group;
typedef struct snap_io_file snap_io_file;

/* A save's files and the thread writing them (started here).  NULL when no thread starts. */
snap_io_group *snap_io_group_new(void);
/* Waits until every file of the group is written, fsynced and closed, stops the thread and
 * frees the group: 0, or the first errno a write, fsync or close met. */
int snap_io_group_wait(snap_io_group *g);

/* fd, now the group's: written by its thread from here on.  NULL when out of memory (fd stays
 * the caller's). */
snap_io_file *snap_io_open(snap_io_group *g, int fd);
/* Hands over len bytes of buf (malloc'd: the thread frees it), to be written after what was
 * handed over before. */
void snap_io_write(snap_io_file *f, void *buf, size_t len);
/* The file's bytes handed over and not yet written is past SNAP_IO_SOFT. */
bool snap_io_backlogged(const snap_io_file *f);
/* True when more than half of SNAP_IO_SOFT is still queued: the thread calls fn(arg) (on the I/O
 * thread, once) when the queue drops to half.  False: there is room now, fn is not kept. */
bool snap_io_when_room(snap_io_file *f, void (*fn)(void *), void *arg);
/* The first errno the thread met on the file (0: none so far). */
int snap_io_error(const snap_io_file *f);
/* After what was handed over: fsync and close.  f is the group's from then on (freed by
 * snap_io_group_wait). */
void snap_io_close(snap_io_file *f);

#endif

/* persist.h -- snapshots of the whole keyspace: saving every shard in parallel on its owner
 * thread (SAVE, BGSAVE), on the main thread's helpers once the workers stopped (SHUTDOWN SAVE),
 * loading at start with one thread per shard file, and the state INFO persistence reports.
 * docs/persistence.md says what each gives. */
#ifndef KEEL_CORE_PERSIST_H
#define KEEL_CORE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zvm_proc;
struct info_buf;
struct shard;

/* SAVE: starts a save of every shard, each thread writing its own shards at once.  The caller
 * holds every shard's gate; `waiter` (blocked on its thread) is made ready again when every file
 * is on disk, and must then call persist_save_finish.  0, or -1 with a Redis-style error in err
 * ("ERR Background save already in progress"). */
int persist_save_start(struct zvm_proc *waiter, char *err, size_t errlen);
/* BGSAVE's instant, with every shard's gate up: claims the save and cuts the append-only log
 * (records from now on go into the new generation's file).  The save's generation, or 0 with a
 * Redis-style error in err.  Nothing is written yet: each shard is armed as its gate comes
 * down (persist_bgsave_arm), and the threads then write their shards between their other work,
 * each key as it was at this instant (snap_pit.h). */
uint64_t persist_bgsave_begin(char *err, size_t errlen);
/* On s's owner thread, its gate still up: starts s's part of BGSAVE `generation` (a no-op for
 * another).  Arming the last shard sets the threads writing. */
void persist_bgsave_arm(struct shard *s, uint64_t generation);

/* Starts BGSAVE as a process of its own on this worker thread, soon (save points; BGSAVE inside
 * EXEC or a script, which hold keys and cannot raise gates).  False off a worker thread. */
bool persist_bgsave_spawn(void);

/* After SAVE's waiter woke: commits the snapshot (the manifest) when every shard was written,
 * or cleans up.  0 on success, -1 with err. */
int persist_save_finish(char *err, size_t errlen);

/* Once the worker threads stopped: finishes a BGSAVE they left (on this thread). */
void persist_finish_stopped(void);

/* Saves every shard with the worker threads stopped (shutdown): one helper thread per worker's
 * shards.  0, or -1 (logged). */
int persist_save_stopped(void);

/* Loads the snapshot of the data directory, if any, into the shards (workers not started yet),
 * one helper thread per worker's shards.  0 (also with no snapshot), -1 (logged: the start
 * stops). */
int persist_load_at_start(void);
/* Before the shards are made: the shard count a snapshot in the data directory was written with
 * (0 when none or unreadable: the load reports that). */
uint32_t persist_snapshot_shards(void);

/* SHUTDOWN asks for a save once the workers stopped (main then calls persist_save_stopped). */
void persist_request_exit_save(void);
bool persist_exit_save_requested(void);
/* What INFO reports as rdb_last_load_keys_loaded/expired, for a load other than a snapshot's
 * (--load-rdb). */
void persist_note_loaded(uint64_t keys, uint64_t expired);
/* True when the data directory takes a new file (SHUTDOWN SAVE checks before stopping); false
 * with err. */
bool persist_dir_writable(char *err, size_t errlen);

/* Save points (savepoint.h): set from the config at start and by CONFIG SET save; read back as
 * text; whether any is set (SHUTDOWN and SIGTERM then save, as in Redis). */
struct savepoint;
void persist_set_save_points(const struct savepoint *p, int n);
void persist_save_points_text(char *out, size_t cap);
bool persist_has_save_points(void);
/* Called once a second (worker thread 0): starts a BGSAVE when a save point is reached (after a
 * failed save, not before 5 seconds passed, as Redis waits). */
void persist_cron(int64_t now_ms);

/* True while a save runs. */
bool persist_saving(void);
/* Unix seconds of the last successful save (or of the snapshot loaded at start, or of the
 * start when there is none). */
int64_t persist_last_save(void);
/* Whether the last save succeeded; successful saves since the start. */
bool persist_last_ok(void);
/* Keys the last BGSAVE wrote as pre-images (before their first change), and their bytes. */
uint64_t persist_last_preimages(void);
uint64_t persist_last_preimage_bytes(void);
uint64_t persist_saves(void);
/* Appends INFO's "# Persistence" section's fields. */
void persist_info(char *out, size_t cap, uint64_t writes_now);
/* The write counter's value the last successful save started at (INFO's
 * rdb_changes_since_last_save is the writes since). */
uint64_t persist_writes_at_save(void);

#endif

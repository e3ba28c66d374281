/* aof.h -- the append-only log: every write that succeeded is encoded, while its keys are still
 * held, with a server-wide sequence number into its thread's staging buffer; each loop turn hands
 * the buffer to the log writer thread, which writes records in sequence order to one file per
 * snapshot generation and fsyncs by appendfsync (group commit).  With "always" a write's reply
 * waits until its record is on disk.  docs/persistence.md says why one ordered log. */
#ifndef KEEL_CORE_AOF_H
#define KEEL_CORE_AOF_H

#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zvm_proc;
struct thr;

enum aof_fsync { AOF_FSYNC_NO = 0, AOF_FSYNC_EVERYSEC, AOF_FSYNC_ALWAYS };

/* 1 while writes are logged (read on every finished process: one relaxed load). */
extern _Atomic bool aof_logging;
/* While the log is replayed: the wall clock (ms) of the record being replayed, which every
 * worker's clock reads (thr_refresh_now), so expiries are judged as when it was applied; else 0. */
extern _Atomic int64_t aof_replay_now;
/* Nonzero while writes are refused or data commands answer -LOADING (conn.c checks it). */
extern _Atomic int aof_gate_state;

/* A finished process (zvm_step, before its keys are released; only while aof_logging): a write
 * that succeeded is logged (its own arguments, or what keel_proc_log_as said), a child's are
 * handed to its parent (EXEC, a script), which logs them all as one record. */
void aof_proc_done(struct zvm_proc *p);
/* A write that raised gates (FLUSHALL, SWAPDB) lowers its first one: its record's sequence
 * number is taken now, while every gate is still up, since writes on the shards it lowers run
 * before it ends (a child reserves its outermost caller's). */
void aof_reserve_seq(struct zvm_proc *p);
/* keel_call: p runs commands as children; its own arguments are never logged. */
void aof_note_call(struct zvm_proc *p);
/* p's children's writes were put back (undo.h): what they would have logged is dropped. */
void aof_forget_children(struct zvm_proc *p);
/* End of a loop turn: hands the thread's staged records to the writer (a lone worker under
 * appendfsync always writes them itself and lets the replies waiting for them go). */
void aof_thread_flush(struct thr *t);
/* Records staged that the next turn must hand over at once (appendfsync always): the loop must
 * not sleep on them. */
bool aof_thread_owes(const struct thr *t);

/* Whether a finished process's reply may leave (conn.c, with p's aof_seq): GO; WAIT (its record
 * is not on disk yet, appendfsync always: the thread is told when it is, and the caller stops
 * draining and calls aof_wait_conn); FAILED (the log could not be written: it answers MISCONF). */
enum aof_reply { AOF_REPLY_GO = 0, AOF_REPLY_WAIT, AOF_REPLY_FAILED };
enum aof_reply aof_reply_ready(uint64_t seq1);
/* The reply text for FAILED. */
void aof_misconf_text(char *out, size_t cap);
/* A connection of thread t waits for the log: t is told (conn_aof_resume on it) once the log
 * moves or fails. */
void aof_wait_on(struct thr *t);

/* Before a command runs (conn_prepare): NULL, or the error it gets instead: -LOADING while the
 * log is replayed at start (for commands reading or writing data), -MISCONF for writes while
 * the log cannot be written. */
const char *aof_refusal(uint64_t flags, char *buf, size_t cap);

/* At start, before the worker threads run: checks the log files past the snapshot of
 * `generation` (a torn tail is cut; corruption stops the start unless truncate_corrupt).
 * 0, or -1 (logged). */
int aof_prepare_load(uint64_t generation);
/* Once the worker threads run: replays the checked files on worker 0 (data commands get
 * -LOADING meanwhile), then starts the log when appendonly is on. */
void aof_start_after_load(void);
/* True while the log is replayed (or a --load-rdb import runs). */
bool aof_loading(void);
/* After aof_prepare_load: true when log files past the snapshot hold records to replay. */
bool aof_has_records(void);

/* A point-in-time snapshot of `generation` starts while every gate is up (SAVE, or the workers
 * stopped): records taken from now go to that generation's log file. */
void aof_rotate(uint64_t generation);
/* Every snapshot's instant (every gate up, or the workers stopped) instead of aof_rotate: cuts a
 * running log, or starts a log turned on at run time, this snapshot being its base (the file is
 * flagged: it replays only over that snapshot).  True in that second case: the caller then
 * calls aof_snapshot_done once the snapshot is committed or failed. */
bool aof_snapshot_instant(uint64_t generation);
/* The snapshot a log turned on at run time starts from is on disk (ok), or failed (the log goes:
 * appendonly is no again).  Replies held under "always" leave. */
void aof_snapshot_done(uint64_t generation, bool ok);
/* CONFIG SET appendonly yes waits for a snapshot to start the log (the cron starts one when no
 * save runs); true from that until the snapshot is on disk. */
bool aof_base_wanted(void);
bool aof_base_pending(void);
/* The snapshot of `generation` is on disk: older log files go. */
void aof_snapshot_committed(uint64_t generation);
/* Shutdown (workers stopped): writes and fsyncs what is left, stops the writer. */
void aof_shutdown(void);

/* Settings (config, CONFIG SET). */
bool aof_enabled(void);
/* Turns the log on or off at run time: on starts it at the instant of a snapshot (a BGSAVE is
 * spawned on this worker thread unless a save runs); NULL or an error text. */
const char *aof_set_enabled(bool on);
int aof_fsync_policy(void);
void aof_set_fsync_policy(int policy);
int aof_fsync_parse(const char *s); /* -1 when not always|everysec|no */
const char *aof_fsync_name(int policy);

/* INFO persistence's aof_* fields; STATS persistence's. */
void aof_info(char *out, size_t cap);
struct json_t;
void aof_stats_json(struct json_t *o);

/* The loading flag (-LOADING, INFO's loading:1): aof*.c and rdb_import.c.  Internal to aof*.c:
 * starting the log (generation's file, the next record's
 * sequence number), removing log files older than a snapshot, the setting read at start. */
void aof_set_loading(bool on);
int aof_begin_logging(uint64_t generation, uint64_t next_seq);
void aof_remove_before(uint64_t generation);
void aof_set_enabled_at_start(bool on);

/* keel_proc_log_as (SDK): what to log for p instead of its arguments. */
keel_status aof_log_as(struct zvm_proc *p, uint32_t argc, const keel_arg *argv);

#endif

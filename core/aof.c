/* aof.c -- the append-only log's capture: a finished write's record (its arguments, or what its
 * command asked to log instead) staged on its thread with a server-wide sequence number taken
 * while its keys are held, children's commands gathered into their parent's one record, replies
 * held for appendfsync always, refusals (-LOADING, -MISCONF), settings and INFO. */
#include "config.h"
#include "aof.h"
#include "aof_rec.h"
#include "aof_writer.h"
#include "conn.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "persist.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "zvm.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

_Atomic bool aof_logging;
_Atomic int aof_gate_state;
_Atomic int64_t aof_replay_now; /* bit 1: loading; bit 2: the log cannot be written */
#define GATE_LOADING 1
#define GATE_MISCONF 2

/* Commands a process gathered: its children's (EXEC, a script), or its own rewrite. */
typedef struct aof_pend {
    aof_buf kids; /* encoded commands of its children */
    uint32_t nkids;
    aof_buf own; /* keel_proc_log_as: what to log instead of its arguments */
    uint32_t nown;
    bool rewritten, called;
} aof_pend;

static struct {
    _Atomic uint64_t seq; /* the next record's sequence number */
    _Atomic int policy;   /* enum aof_fsync */
    _Atomic bool enabled; /* appendonly */
    aof_buf *stage;       /* per worker thread */
    int64_t *stage_since; /* per worker thread: when its staged records were first held (ms) */
    _Atomic int *waiting; /* per worker thread: a connection waits for the log */
    _Atomic uint64_t records;
    /* Turning the log on at run time (CONFIG SET appendonly yes): base_wanted until a
     * snapshot's instant starts the log; then base_gen is that snapshot's generation until it is
     * on disk (replies under "always" wait for it too).  mu orders turning on and off. */
    _Atomic bool base_wanted;
    _Atomic uint64_t base_gen;
    pthread_mutex_t mu;
} A = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void pend_free(void *arg) {
    aof_pend *ap = arg;
    aof_buf_free(&ap->kids);
    aof_buf_free(&ap->own);
}

static aof_pend *pend_of(zvm_proc *p) {
    if (!p->aof_pend) {
        aof_pend *ap = zvm_alloc(p, sizeof *ap);
        memset(ap, 0, sizeof *ap);
        keel_proc_defer_free(&p->pub, pend_free, ap);
        p->aof_pend = ap;
    }
    return p->aof_pend;
}

/* p's namespace and database as a record carries them. */
static void cmd_of(const zvm_proc *p, uint32_t argc, const keel_arg *argv, aof_cmd *c) {
    const ns_path *ns = p->ns;
    *c = (aof_cmd){.db = p->db, .argc = argc, .argv = argv};
    if (ns && ns->n) {
        c->nns = ns->n < AOF_NS_MAX ? ns->n : AOF_NS_MAX;
        c->ns = ns->comp;
        c->coloc = ns->coloc;
        c->coloc_n = ns->coloc_n;
    }
}

/* Whether a call with these flags is logged: the keyspace's writes (not a change to state every
 * namespace shares, such as FUNCTION LOAD: functions are not persisted). */
static bool aof_logs_flags(uint64_t f) {
    return (f & KEEL_CMD_WRITE) && !(f & KEEL_CMD_SHARED);
}

static bool proc_logs_itself(const zvm_proc *p) {
    const aof_pend *ap = p->aof_pend;
    if (ap && ap->called) return false; /* EXEC, a script: what its children did */
    if (ap && ap->rewritten) return true;
    if (p->failed || !p->cmd) return false;
    return aof_logs_flags(cmd_call_flags(p->cmd, p->pub.argc, p->pub.argv));
}

/* Appends p's own commands to b; returns how many. */
static uint32_t put_own(const zvm_proc *p, aof_buf *b) {
    const aof_pend *ap = p->aof_pend;
    if (ap && ap->rewritten) {
        aof_buf_put(b, ap->own.p, ap->own.len);
        return ap->nown;
    }
    aof_cmd c;
    cmd_of(p, p->pub.argc, p->pub.argv, &c);
    aof_cmd_encode(b, &c);
    return 1;
}

void aof_reserve_seq(zvm_proc *p) {
    if (!p->cmd || !aof_logs_flags(cmd_call_flags(p->cmd, p->pub.argc, p->pub.argv))) return;
    zvm_proc *root = p;
    while (root->call_parent)
        root = root->call_parent;
    if (!root->aof_seq)
        root->aof_seq = atomic_fetch_add_explicit(&A.seq, 1, memory_order_relaxed) + 1;
}

void aof_proc_done(zvm_proc *p) {
    aof_pend *ap = p->aof_pend;
    bool own = proc_logs_itself(p);
    uint32_t nkids = ap ? ap->nkids : 0;
    uint64_t reserved = p->call_parent ? 0 : p->aof_seq; /* a record is owed for it */
    if (!own && nkids == 0 && !reserved) return;
    if (p->call_parent) { /* the parent logs it with its other children's, as one record */
        aof_pend *pp = pend_of(p->call_parent);
        if (nkids) aof_buf_put(&pp->kids, ap->kids.p, ap->kids.len);
        pp->nkids += nkids;
        if (own) pp->nkids += put_own(p, &pp->kids);
        return;
    }
    uint32_t nown = !own ? 0 : ap && ap->rewritten ? ap->nown : 1;
    if (nkids + nown == 0 && !reserved) return; /* a rewrite to nothing */
    aof_buf *b = &A.stage[p->cur->id];
    /* a reserved number with nothing to log still gets its (empty) record: the writer waits
     * for every number in turn */
    uint64_t seq =
        reserved ? reserved - 1 : atomic_fetch_add_explicit(&A.seq, 1, memory_order_relaxed);
    size_t start = aof_rec_begin(b, seq, p->cur->now_ms, nkids + nown);
    if (nkids) aof_buf_put(b, ap->kids.p, ap->kids.len);
    if (own) put_own(p, b);
    aof_rec_end(b, start);
    p->aof_seq = seq + 1;
    atomic_fetch_add_explicit(&A.records, 1, memory_order_relaxed);
}

void aof_note_call(zvm_proc *p) {
    pend_of(p)->called = true;
}

void aof_forget_children(zvm_proc *p) {
    aof_pend *ap = p->aof_pend;
    if (!ap) return;
    ap->kids.len = 0;
    ap->nkids = 0;
}

keel_status aof_log_as(zvm_proc *p, uint32_t argc, const keel_arg *argv) {
    if (!atomic_load_explicit(&aof_logging, memory_order_relaxed)) return KEEL_OK;
    if (argc && !argv) return KEEL_EINVAL;
    aof_pend *ap = pend_of(p);
    ap->rewritten = true;
    ap->own.len =
        0; /* a handler re-run after a hop or a yield says it again: the last call counts */
    ap->nown = 0;
    if (argc == 0) return KEEL_OK;
    aof_cmd c;
    cmd_of(p, argc, argv, &c);
    aof_cmd_encode(&ap->own, &c);
    ap->nown++;
    return KEEL_OK;
}

/* Under everysec or no, a worker hands its records to the writer in batches: once AOF_BATCH
 * bytes are staged or the first of them has waited AOF_HOLD_MS (the thread's tick comes every
 * 10 ms), so the writer wakes and writes a few hundred times a second at most rather than once
 * per loop turn of every worker.  Under always every turn hands over: its replies wait for the
 * fsync. */
#define AOF_BATCH (64 * 1024)
#define AOF_HOLD_MS 5

/* The worker writing the log itself (aofw_submit_sync) while it does: the writer's durable hook
 * leaves its waiting replies to it. */
static _Thread_local bool syncing_here;

/* What t has staged goes to the writer (or is freed, the log being off). */
static void stage_hand_over(thr *t) {
    aof_buf *b = &A.stage[t->id];
    if (!b->len) return;
    A.stage_since[t->id] = 0;
    aofw_submit(b);
}

/* A lone worker under appendfsync always writes and fsyncs its turn's records itself, as
 * redis-server does before its replies leave, then lets the replies that waited for them go:
 * the writer thread's two hand-offs per group commit cost more than the fsync on two cores.
 * Several workers hand over to the writer, which commits all their records with one fsync. */
static void stage_write_here(thr *t) {
    aof_buf *b = &A.stage[t->id];
    A.stage_since[t->id] = 0;
    syncing_here = true;
    aofw_submit_sync(b);
    syncing_here = false;
    if (atomic_exchange(&A.waiting[t->id], 0)) conn_aof_resume(t);
}

static bool policy_always(void) {
    return atomic_load_explicit(&A.policy, memory_order_relaxed) == AOF_FSYNC_ALWAYS;
}

void aof_thread_flush(thr *t) {
    if (!A.stage) return;
    aof_buf *b = &A.stage[t->id];
    if (!b->len) {
        if (b->cap && !aofw_running()) aof_buf_free(b); /* a spare, the log since turned off */
        return;
    }
    int64_t *since = &A.stage_since[t->id];
    if (b->len < AOF_BATCH && aofw_running() && !policy_always()) {
        if (!*since) {
            *since = t->now_ms ? t->now_ms : 1;
            return;
        }
        if (t->now_ms >= *since && t->now_ms - *since < AOF_HOLD_MS) return;
    }
    if (srv->nthreads == 1 && policy_always() && aofw_running())
        stage_write_here(t);
    else
        stage_hand_over(t);
}

bool aof_thread_owes(const thr *t) {
    return A.stage && A.stage[t->id].len && policy_always();
}

/* ---- replies waiting for the disk ---- */

enum aof_reply aof_reply_ready(uint64_t seq1) {
    if (!seq1 || atomic_load_explicit(&A.policy, memory_order_relaxed) != AOF_FSYNC_ALWAYS)
        return AOF_REPLY_GO;
    if (!atomic_load(&A.enabled)) return AOF_REPLY_GO;
    /* a log turned on at run time holds nothing until the snapshot it starts from is on disk */
    if (aofw_durable() >= seq1 && !atomic_load(&A.base_gen)) return AOF_REPLY_GO;
    if (!aofw_ok() || !aofw_running()) return AOF_REPLY_FAILED;
    return AOF_REPLY_WAIT;
}

void aof_misconf_text(char *out, size_t cap) {
    snprintf(out, cap, "MISCONF Errors writing to the AOF file: %s", strerror(aofw_errno()));
}

void aof_wait_on(thr *t) {
    atomic_store(&A.waiting[t->id], 1);
}

static void resume_on_thread(void *arg) {
    (void)arg;
    conn_aof_resume(thr_self());
}

void aof_durable_moved_hook(void) {
    if (!aofw_ok() && atomic_load(&A.enabled))
        atomic_fetch_or(&aof_gate_state, GATE_MISCONF);
    else
        atomic_fetch_and(&aof_gate_state, ~GATE_MISCONF);
    if (!A.waiting) return;
    for (int i = 0; i < srv->nthreads; i++) {
        if (syncing_here && srv->threads[i] == thr_self()) continue; /* stage_write_here does */
        if (atomic_exchange(&A.waiting[i], 0)) thr_call_on(srv->threads[i], resume_on_thread, NULL);
    }
}

const char *aof_refusal(uint64_t flags, char *buf, size_t cap) {
    int st = atomic_load_explicit(&aof_gate_state, memory_order_relaxed);
    if ((st & GATE_LOADING) && (flags & (KEEL_CMD_WRITE | KEEL_CMD_READONLY)))
        return "LOADING Redis is loading the dataset in memory";
    if ((st & GATE_MISCONF) && (flags & KEEL_CMD_WRITE)) {
        aof_misconf_text(buf, cap);
        return buf;
    }
    return NULL;
}

void aof_set_loading(bool on) {
    if (on)
        atomic_fetch_or(&aof_gate_state, GATE_LOADING);
    else
        atomic_fetch_and(&aof_gate_state, ~GATE_LOADING);
}

bool aof_loading(void) {
    return (atomic_load(&aof_gate_state) & GATE_LOADING) != 0;
}

/* ---- starting, rotating, stopping ---- */

static int begin_logging_flagged(uint64_t generation, uint64_t next_seq, uint32_t flags) {
    atomic_store(&A.seq, next_seq);
    char err[600];
    if (aofw_start(generation, next_seq, flags, err, sizeof err) != 0) {
        log_error("cannot start the append-only log: %s", err);
        return -1;
    }
    atomic_store(&aof_logging, true);
    char path[4096];
    aofw_path(generation, path, sizeof path);
    log_notice("append-only log on: %s (appendfsync %s)", path, aof_fsync_name(aof_fsync_policy()));
    return 0;
}

int aof_begin_logging(uint64_t generation, uint64_t next_seq) {
    return begin_logging_flagged(generation, next_seq, 0);
}

void aof_rotate(uint64_t generation) {
    if (!atomic_load(&aof_logging)) return;
    aofw_rotate(atomic_load(&A.seq), generation);
}

bool aof_snapshot_instant(uint64_t generation) {
    if (atomic_load(&aof_logging)) {
        aof_rotate(generation);
        return false;
    }
    if (!atomic_load(&A.base_wanted)) return false;
    pthread_mutex_lock(&A.mu);
    bool start = atomic_exchange(&A.base_wanted, false) && atomic_load(&A.enabled);
    if (start) {
        /* every gate is up: the snapshot holds every write before this, the log every one
         * after; the file says it replays only over this snapshot */
        atomic_store(&A.base_gen, generation);
        if (begin_logging_flagged(generation, atomic_load(&A.seq), AOF_FLAG_NEEDS_BASE) != 0) {
            atomic_store(&A.base_gen, 0);
            atomic_store(&A.enabled, false);
            log_warning("CONFIG SET appendonly yes failed: the log could not start; appendonly "
                        "is no");
            start = false;
        }
    }
    pthread_mutex_unlock(&A.mu);
    return start;
}

void aof_snapshot_done(uint64_t generation, bool ok) {
    pthread_mutex_lock(&A.mu);
    uint64_t want = generation;
    if (!atomic_compare_exchange_strong(&A.base_gen, &want, 0)) { /* off meanwhile */
        pthread_mutex_unlock(&A.mu);
        return;
    }
    if (ok) {
        log_notice("append-only log on: the snapshot it starts from (generation %llu) is on disk",
                   (unsigned long long)generation);
    } else { /* the log has nothing to replay over: it goes */
        atomic_store(&A.enabled, false);
        atomic_store(&aof_logging, false);
        aofw_stop();
        char path[4096];
        aofw_path(generation, path, sizeof path);
        if (unlink(path) != 0) log_warning("cannot remove %s: %s", path, strerror(errno));
        log_warning("CONFIG SET appendonly yes failed: the snapshot the log starts from failed; "
                    "appendonly is no");
    }
    pthread_mutex_unlock(&A.mu);
    aof_durable_moved_hook(); /* replies held for the snapshot leave */
}

bool aof_base_wanted(void) {
    return atomic_load(&A.base_wanted);
}

bool aof_base_pending(void) {
    return atomic_load(&A.base_wanted) || atomic_load(&A.base_gen) != 0;
}

void aof_snapshot_committed(uint64_t generation) {
    aof_remove_before(generation);
}

void aof_shutdown(void) {
    /* what the stopped workers staged last */
    for (int i = 0; A.stage && i < srv->nthreads; i++) {
        if (srv->threads && srv->threads[i]) stage_hand_over(srv->threads[i]);
        aof_buf_free(&A.stage[i]); /* the spare the hand-over left */
    }
    if (!aofw_running()) return;
    aofw_stop();
    atomic_store(&aof_logging, false);
}

/* ---- settings ---- */

bool aof_enabled(void) {
    return atomic_load(&A.enabled);
}
void aof_set_enabled_at_start(bool on) {
    atomic_store(&A.enabled, on);
    /* a test's way to reach long records without a gigabyte of writes (docs/persistence.md) */
    const char *long_from = getenv("KEEL_TEST_AOF_LONG_RECORD_FROM");
    if (long_from && *long_from) aof_rec_set_long_from((size_t)strtoull(long_from, NULL, 10));
    if (!A.stage) { /* before the workers start: they read these on every turn */
        A.stage = mem_calloc((size_t)srv->nthreads, sizeof *A.stage);
        A.stage_since = mem_calloc((size_t)srv->nthreads, sizeof *A.stage_since);
        A.waiting = mem_calloc((size_t)srv->nthreads, sizeof *A.waiting);
    }
}

const char *aof_set_enabled(bool on) {
    pthread_mutex_lock(&A.mu);
    if (on == atomic_load(&A.enabled)) {
        pthread_mutex_unlock(&A.mu);
        return NULL;
    }
    if (!on) { /* workers staging records drop them once the writer is gone */
        atomic_store(&A.enabled, false);
        atomic_store(&A.base_wanted, false);
        atomic_store(&A.base_gen, 0);
        atomic_store(&aof_logging, false);
        aofw_stop();
        pthread_mutex_unlock(&A.mu);
        aof_durable_moved_hook(); /* replies waiting for the log leave */
        log_notice("append-only log off (CONFIG SET appendonly no)");
        return NULL;
    }
    if (aof_loading()) {
        pthread_mutex_unlock(&A.mu);
        return "the dataset is still loading: turn the append-only log on once it is loaded";
    }
    /* the log starts at the instant of the next snapshot (this one, or a save already asked
     * for), which becomes its base: persist.c calls aof_snapshot_instant */
    atomic_store(&A.enabled, true);
    atomic_store(&A.base_wanted, true);
    pthread_mutex_unlock(&A.mu);
    log_notice("append-only log turning on (CONFIG SET appendonly yes): a snapshot is taken to "
               "start it from");
    if (!persist_saving()) persist_bgsave_spawn(); /* else the cron starts one after it */
    return NULL;
}

int aof_fsync_policy(void) {
    return atomic_load(&A.policy);
}
void aof_set_fsync_policy(int policy) {
    atomic_store(&A.policy, policy);
}

int aof_fsync_parse(const char *s) {
    if (!strcasecmp(s, "always")) return AOF_FSYNC_ALWAYS;
    if (!strcasecmp(s, "everysec")) return AOF_FSYNC_EVERYSEC;
    if (!strcasecmp(s, "no")) return AOF_FSYNC_NO;
    return -1;
}

const char *aof_fsync_name(int policy) {
    return policy == AOF_FSYNC_ALWAYS ? "always" : policy == AOF_FSYNC_EVERYSEC ? "everysec" : "no";
}

/* ---- INFO and STATS ---- */

void aof_info(char *out, size_t cap) {
    bool on = aofw_running();
    int n = snprintf(out, cap,
                     "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
                     "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
                     "aof_last_bgrewrite_status:%s\r\naof_rewrites:%llu\r\n"
                     "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:%s\r\n"
                     "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
                     "module_fork_last_cow_size:0\r\n",
                     aof_enabled() ? 1 : 0, persist_saving() ? 1 : 0, aof_base_wanted() ? 1 : 0,
                     persist_last_ok() ? "ok" : "err", (unsigned long long)persist_saves(),
                     aofw_ok() ? "ok" : "err");
    if (on && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n,
                 "aof_current_size:%llu\r\naof_base_size:%llu\r\naof_pending_rewrite:0\r\n"
                 "aof_buffer_length:0\r\naof_pending_bio_fsync:%d\r\naof_delayed_fsync:0\r\n"
                 "aof_fsyncs:%llu\r\naof_records:%llu\r\naof_generation:%llu\r\n",
                 (unsigned long long)aofw_size(), (unsigned long long)aofw_base_size(),
                 aofw_fsync_pending() ? 1 : 0, (unsigned long long)aofw_fsyncs(),
                 (unsigned long long)atomic_load(&A.records),
                 (unsigned long long)aofw_generation());
}

void aof_stats_json(json_t *o) {
    json_object_set_new(o, "aof_enabled", json_boolean(aof_enabled()));
    json_object_set_new(o, "aof_fsync", json_string(aof_fsync_name(aof_fsync_policy())));
    json_object_set_new(o, "aof_loading", json_boolean(aof_loading()));
    json_object_set_new(o, "aof_last_write_ok", json_boolean(aofw_ok()));
    json_object_set_new(o, "aof_current_size", json_integer((json_int_t)aofw_size()));
    json_object_set_new(o, "aof_base_size", json_integer((json_int_t)aofw_base_size()));
    json_object_set_new(o, "aof_fsyncs", json_integer((json_int_t)aofw_fsyncs()));
    json_object_set_new(o, "aof_records", json_integer((json_int_t)atomic_load(&A.records)));
}

keel_status keel_proc_log_as(keel_proc *p, uint32_t argc, const keel_arg *argv) {
    return aof_log_as(zvm_of(p), argc, argv);
}

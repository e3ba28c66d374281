/* persist.c -- running snapshots: a task per worker thread writing that thread's shards (at
 * once under SAVE's gates, or a slice per turn for BGSAVE), committing the manifest once every
 * shard file is on disk, saving at shutdown and loading at start with helper threads. */
#include "config.h"
#include "persist.h"
#include "aof.h"
#include "clock.h"
#include "rdb_import.h"
#include "savepoint.h"
#include "log.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "registry.h"
#include "snap_dir.h"
#include "snap_io.h"
#include "snap_pit.h"
#include "snap_shard.h"
#include "thread.h"
#include "zvm.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Top-level entries a BGSAVE slice writes before the thread turns to its other work (with
 * bgsave_slice_delay set, for tests: BG_SLICE_SLOW, and the delay between slices). */
#define BG_SLICE 2048
#define BG_SLICE_SLOW 16
/* ... and at most this long (the clients of the thread wait meanwhile). */
#define BG_SLICE_NS 300000
/* On a thread busy with clients (BG_BUSY_EVENTS reads or requests from other threads since its
 * last slice), the save then rests BG_REST_RATIO times as long as the slice took (at least
 * BG_REST_MIN_US): a save takes at most a quarter of a busy worker, so that worker keeps
 * sleeping between requests and the scheduler hands it the CPU as soon as one comes (a worker
 * saving flat out competes for the CPU like any busy process, and its clients wait for their
 * turn).  A thread with a client now and then (a monitor polling INFO) saves flat out. */
#define BG_BUSY_EVENTS 4
#define BG_REST_RATIO 3
#define BG_REST_MIN_US 50

struct save_job;

/* One worker thread's share of a save: its shards, one file after the other (or a part of
 * that share, written beside the others when nothing else runs on them: task_run_whole). */
typedef struct save_task {
    struct save_job *job;
    thr *t; /* the worker (NULL when saving with the workers stopped) */
    shard **shards;
    int nshards;
    int next; /* index into shards of the shard being written */
    bool open;
    bool done; /* all its shards written (or failed) */
    int fd;
    snap_shard_writer sw;
    pthread_t pt;
    uint64_t served; /* the thread's read events and hops at the end of the last slice */
    thr_call room;   /* the next slice, posted by the I/O thread once its file has room */
} save_task;

typedef struct save_job {
    bool live;
    bool pit;      /* BGSAVE at one instant: shards armed (snap_pit.h) as their gates come down */
    bool aof_base; /* the append-only log, turned on at run time, starts at its instant */
    snap_io_group *io; /* pit: the thread writing the shard files (NULL: the workers do) */
    uint64_t generation;
    int64_t started_ms;
    uint64_t writes_at_start;
    _Atomic int tasks_left;
    _Atomic uint64_t keys;
    _Atomic uint64_t preimages, preimage_bytes;
    _Atomic int threads_used; /* threads that wrote shard files */
    pthread_mutex_t err_lock;
    char err[512]; /* the first failure */
    bool failed;
    zvm_proc *waiter; /* SAVE: the process to wake */
    thr *waiter_thr;
    int ntasks;
    save_task *tasks;
} save_job;

static struct {
    pthread_mutex_t lock;
    save_job *job;       /* the save running (NULL: none) */
    uint64_t generation; /* the manifest's */
    _Atomic bool bg_running;
    _Atomic int64_t last_save_ms; /* last successful save (or the load) */
    _Atomic bool last_ok;
    _Atomic int64_t last_bg_sec; /* seconds the last BGSAVE took; -1 none */
    _Atomic int64_t cur_bg_start_ms;
    _Atomic uint64_t writes_at_save;
    _Atomic uint64_t saves;
    _Atomic uint64_t loaded_keys, loaded_expired;
    _Atomic uint64_t last_preimages, last_preimage_bytes; /* of the last point-in-time save */
} ps = {.lock = PTHREAD_MUTEX_INITIALIZER, .last_ok = true, .last_bg_sec = -1};

static uint64_t writes_now(void) {
    uint64_t n = 0;
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads && srv->threads[i])
            n += atomic_load_explicit(&srv->threads[i]->st.writes, memory_order_relaxed);
    return n;
}

static void job_fail(save_job *job, const char *fmt, const char *a, const char *b) {
    pthread_mutex_lock(&job->err_lock);
    if (!job->failed) {
        job->failed = true;
        if (snprintf(job->err, sizeof job->err, fmt, a, b) >= (int)sizeof job->err)
            job->err[sizeof job->err - 1] = '\0'; /* cut: the file name is at the start */
    }
    pthread_mutex_unlock(&job->err_lock);
}

static shard *task_shard(save_task *k, int i) {
    return k->shards[i];
}

static int task_nshards(save_task *k) {
    return k->nshards;
}

/* A failed point-in-time save: the shards of the task not finished let go of their state. */
static void task_disarm_rest(save_task *k) {
    for (int i = k->next; i < task_nshards(k); i++)
        snap_pit_disarm(task_shard(k, i), NULL, NULL);
    k->next = task_nshards(k);
}

/* task_run for a point-in-time save: each shard's file is open since its gate came down. */
static bool task_run_pit(save_task *k, size_t budget) {
    save_job *job = k->job;
    char path[4096];
    int64_t slice_end = budget == SIZE_MAX ? 0 : mono_ns() + BG_SLICE_NS;
    while (k->next < task_nshards(k)) {
        shard *s = task_shard(k, k->next);
        if (!s->pit) job_fail(job, "%s%s", "the save was stopped before it started", "");
        if (job->failed) {
            task_disarm_rest(k);
            return true;
        }
        s->pit->sw.slice_end_ns = slice_end;
        if (!snap_pit_step(s, budget)) return false;
        snap_pit *pit = s->pit;
        bool ok = snap_shard_end(&pit->sw);
        snap_shard_path(srv->cf.dir, job->generation, s->id, true, path, sizeof path);
        if (!ok) job_fail(job, "%s: %s", path, pit->sw.err);
        atomic_fetch_add(&job->keys, pit->sw.keys);
        uint64_t pre = 0, bytes = 0;
        snap_pit_disarm(s, &pre, &bytes);
        atomic_fetch_add(&job->preimages, pre);
        atomic_fetch_add(&job->preimage_bytes, bytes);
        if (ok && snap_publish_shard(srv->cf.dir, job->generation, s->id) != 0) {
            job_fail(job, "%s: cannot rename: %s", path, strerror(errno));
            ok = false;
        }
        k->next++;
        if (!ok) {
            task_disarm_rest(k);
            return true;
        }
    }
    return true;
}

/* Writes up to budget entries of the task's shards; true when all are done (or failed). */
static bool task_run(save_task *k, size_t budget) {
    save_job *job = k->job;
    char path[4096];
    if (job->pit) return task_run_pit(k, budget);
    while (k->next < task_nshards(k)) {
        shard *s = task_shard(k, k->next);
        if (job->failed) return true;
        if (!k->open) {
            snap_shard_path(srv->cf.dir, job->generation, s->id, true, path, sizeof path);
            k->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (k->fd < 0) {
                job_fail(job, "%s: %s", path, strerror(errno));
                return true;
            }
            k->open = true;
            if (!snap_shard_begin(&k->sw, s, k->fd, job->generation, job->started_ms)) {
                job_fail(job, "%s: %s", path, k->sw.err);
                snap_shard_writer_free(&k->sw);
                close(k->fd);
                k->open = false;
                return true;
            }
            k->sw.w.sync_later = true; /* all at once, before the manifest (job_commit) */
        }
        if (!snap_shard_step(&k->sw, budget)) return false;
        snap_shard_path(srv->cf.dir, job->generation, s->id, true, path, sizeof path);
        bool ok = !k->sw.failed;
        if (!ok) job_fail(job, "%s: %s", path, k->sw.err);
        atomic_fetch_add(&job->keys, k->sw.keys);
        snap_shard_writer_free(&k->sw);
        if (close(k->fd) != 0 && ok) {
            job_fail(job, "%s: %s", path, strerror(errno));
            ok = false;
        }
        k->open = false;
        if (ok && snap_publish_shard(srv->cf.dir, job->generation, s->id) != 0) {
            job_fail(job, "%s: cannot rename: %s", path, strerror(errno));
            ok = false;
        }
        if (!ok) return true;
        k->next++;
    }
    return true;
}

static int online_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4096 ? 4096 : (int)n;
}

/* Threads a save with nothing else running may use: one per core, shared by the workers. */
static int save_ways(void) {
    return (online_cores() + srv->nthreads - 1) / srv->nthreads;
}

static void *part_main(void *arg) {
    task_run(arg, SIZE_MAX);
    return NULL;
}

/* Writes the rest of k's shards when nothing else runs on them (SAVE holds its worker; a
 * shutdown has stopped them all): split into up to `ways` contiguous parts, written at once by
 * threads of their own, so that a save does not go at one core's pace when the workers are
 * fewer than the cores. */
static void task_run_whole(save_task *k, int ways) {
    int n = task_nshards(k) - k->next;
    if (ways > n) ways = n;
    if (ways <= 1) {
        task_run(k, SIZE_MAX);
        return;
    }
    save_task *part = mem_calloc((size_t)ways, sizeof *part);
    for (int g = 0; g < ways; g++) {
        int from = k->next + g * n / ways, to = k->next + (g + 1) * n / ways;
        part[g] =
            (save_task){.job = k->job, .t = k->t, .shards = k->shards + from, .nshards = to - from};
    }
    atomic_fetch_add(&k->job->threads_used, ways - 1);
    for (int g = 1; g < ways; g++)
        if (pthread_create(&part[g].pt, NULL, part_main, &part[g]) != 0) {
            part[g].pt = 0; /* written below, on this thread */
            atomic_fetch_sub(&k->job->threads_used, 1);
        }
    task_run(&part[0], SIZE_MAX);
    for (int g = 1; g < ways; g++) {
        if (part[g].pt)
            pthread_join(part[g].pt, NULL);
        else
            task_run(&part[g], SIZE_MAX);
    }
    mem_free(part);
    k->next = task_nshards(k);
}

/* A save's shard files are fsynced here, before the manifest names them: a point-in-time save's
 * on the commit thread (a worker would stall its clients for as long as the disk takes), a
 * stopped one's (SAVE, shutdown) once every file is written, so that the disk writes one shard
 * back while the next is serialized, and never waits alone. */
static void sync_shard_files(save_job *job) {
    char path[4096];
    for (uint32_t i = 0; i < srv->nshards && !job->failed; i++) {
        snap_shard_path(srv->cf.dir, job->generation, i, false, path, sizeof path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) job_fail(job, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
    }
}

/* Ends a save: the manifest when every shard was written, else the new files go. */
static int job_commit(save_job *job, char *err, size_t errlen) {
    int rc = -1;
    if (!job->failed && !job->pit) sync_shard_files(job);
    if (!job->failed) {
        snap_manifest m = {job->generation, srv->nshards, srv->ndbs, job->started_ms,
                           atomic_load(&job->keys)};
        rc = snap_manifest_write(srv->cf.dir, &m, job->err, sizeof job->err);
    }
    pthread_mutex_lock(&ps.lock);
    if (rc == 0) {
        ps.generation = job->generation;
        atomic_store(&ps.last_save_ms, wall_ms());
        atomic_store(&ps.writes_at_save, job->writes_at_start);
        atomic_fetch_add(&ps.saves, 1);
    }
    uint64_t keep = ps.generation;
    pthread_mutex_unlock(&ps.lock);
    /* a failed save's files, or the old ones: outside the lock, which INFO takes on a worker
     * (unlinking a big file takes tens of ms), but before ps.job is cleared, so that no other
     * save can start and make files meanwhile */
    snap_remove_others(srv->cf.dir, keep);
    pthread_mutex_lock(&ps.lock);
    atomic_store(&ps.last_ok, rc == 0);
    if (job->live) atomic_store(&ps.last_bg_sec, (wall_ms() - job->started_ms + 500) / 1000);
    if (job->pit) {
        atomic_store(&ps.last_preimages, atomic_load(&job->preimages));
        atomic_store(&ps.last_preimage_bytes, atomic_load(&job->preimage_bytes));
    }
    ps.job = NULL;
    atomic_store(&ps.bg_running, false);
    pthread_mutex_unlock(&ps.lock);
    if (rc == 0) aof_snapshot_committed(job->generation); /* the logs it covers go */
    if (job->aof_base) aof_snapshot_done(job->generation, rc == 0);
    if (rc == 0)
        log_notice("DB saved on disk: generation %llu, %llu keys (%llu written as pre-images, "
                   "%llu bytes), %lld ms, %d threads",
                   (unsigned long long)job->generation, (unsigned long long)atomic_load(&job->keys),
                   (unsigned long long)atomic_load(&job->preimages),
                   (unsigned long long)atomic_load(&job->preimage_bytes),
                   (long long)(wall_ms() - job->started_ms), atomic_load(&job->threads_used));
    else
        log_warning("snapshot failed: %s", job->err);
    if (rc != 0 && err) snprintf(err, errlen, "%s", job->err);
    return rc;
}

static void job_free(save_job *job) {
    for (int i = 0; i < job->ntasks; i++)
        if (!job->pit && job->tasks[i].open) {
            snap_shard_writer_free(&job->tasks[i].sw);
            close(job->tasks[i].fd);
        }
    pthread_mutex_destroy(&job->err_lock);
    mem_free(job->tasks);
    mem_free(job);
}

/* On SAVE's waiter's thread: the waiter runs again (persist_save_finish). */
static void wake_waiter(void *arg) {
    save_job *job = arg;
    thr_ready(thr_self(), job->waiter);
}

static void commit_and_free(save_job *job) {
    if (job->io) { /* every shard file written, fsynced and closed by the I/O thread */
        int e = snap_io_group_wait(job->io);
        job->io = NULL;
        if (e) job_fail(job, "%s: %s", "writing a shard file", strerror(e));
    } else if (job->pit && !job->failed) {
        sync_shard_files(job);
    }
    job_commit(job, NULL, 0);
    job_free(job);
}

/* Detached commit threads still running: their commit goes on after ps.job is cleared (the
 * logs it covers are cut, the job freed), so shutdown waits for this to reach 0. */
static atomic_int commits_running;

static void *commit_thread(void *arg) {
    commit_and_free(arg);
    atomic_fetch_sub(&commits_running, 1);
    return NULL;
}

static void task_done(save_task *k) {
    save_job *job = k->job;
    if (atomic_fetch_sub(&job->tasks_left, 1) != 1) return;
    if (!job->live) {
        thr_call_on(job->waiter_thr, wake_waiter, job);
        return;
    }
    pthread_t pt;
    pthread_attr_t attr;
    if (job->pit && thr_self() && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        atomic_fetch_add(&commits_running, 1);
        int rc = pthread_create(&pt, &attr, commit_thread, job);
        pthread_attr_destroy(&attr);
        if (rc == 0) return; /* persist_finish_stopped waits for it at shutdown */
        atomic_fetch_sub(&commits_running, 1);
    }
    commit_and_free(job);
}

static void task_on_thread(void *arg);

/* A point-in-time task whose shard's file waits for the I/O thread. */
static bool task_backlogged(save_task *k) {
    if (!k->job->pit || k->next >= task_nshards(k)) return false;
    shard *s = task_shard(k, k->next);
    return s->pit && snap_writer_backlogged(&s->pit->sw.w);
}

static void room_made(void *arg) {
    save_task *k = arg;
    thr_call_kept(k->t, &k->room);
}

/* True when k's next slice waits for its file's I/O thread to make room (it posts it then: no
 * timer, which would leave the disk idle for the rest of a millisecond); false: go on now. */
static bool task_wait_room(save_task *k) {
    shard *s = task_shard(k, k->next);
    return s->pit && snap_writer_when_room(&s->pit->sw.w, room_made, k);
}

/* The slow BGSAVE of tests (bgsave_slice_delay): the next slice after a timer. */
static void task_on_timer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    task_on_thread(arg);
}

/* Read events and requests from other threads handled by t so far. */
static uint64_t thread_served(const thr *t) {
    return atomic_load_explicit(&t->st.net_reads, memory_order_relaxed) +
           atomic_load_explicit(&t->st.hops, memory_order_relaxed);
}

/* How long a worker rests after a slice of slice_us (0: none, the thread had no clients). */
static int rest_after_slice(save_task *k, int64_t slice_us) {
    uint64_t served = thread_served(k->t);
    bool busy = served - k->served >= BG_BUSY_EVENTS;
    k->served = served;
    if (!busy) return 0;
    int64_t rest = slice_us * BG_REST_RATIO;
    return rest < BG_REST_MIN_US ? BG_REST_MIN_US : (int)rest;
}

/* A worker's slice of the save, posted to it (again after each BGSAVE slice).  A stopping
 * worker leaves the rest of a BGSAVE to persist_finish_stopped (its inbox is drained once more
 * before it exits, never again after). */
static void task_on_thread(void *arg) {
    save_task *k = arg;
    if (k->job->live && atomic_load(&k->t->stop)) return;
    int delay = srv->cf.bgsave_slice_delay;
    if (!k->job->live) { /* SAVE: this worker's clients wait for it anyway */
        task_run_whole(k, save_ways());
        k->done = true;
        task_done(k);
        return;
    }
    size_t budget = delay > 0 ? BG_SLICE_SLOW : BG_SLICE;
    int64_t started = mono_us();
    if (!task_run(k, budget)) {
        /* the I/O thread is behind on this shard's file: come back when it has made room (the
         * clients are served meanwhile) */
        if (delay <= 0 && task_backlogged(k) && task_wait_room(k)) return;
        if (delay <= 0) delay = rest_after_slice(k, mono_us() - started);
        struct timeval tv = {delay / 1000000, delay % 1000000};
        if (delay <= 0 || event_base_once(k->t->base, -1, EV_TIMEOUT, task_on_timer, k, &tv) != 0)
            thr_call_on(k->t, task_on_thread, k);
        return;
    }
    k->done = true;
    task_done(k);
}

/* Waits for the commit threads still running (they may outlive ps.job). */
static void wait_commits(void) {
    while (atomic_load(&commits_running) > 0)
        usleep(10000);
}

void persist_finish_stopped(void) {
    wait_commits(); /* one that cleared ps.job may still be cutting the logs */
    pthread_mutex_lock(&ps.lock);
    save_job *job = ps.job; /* alive while ps.job names it (job_commit clears it first) */
    bool committing = job && job->live && atomic_load(&job->tasks_left) == 0;
    pthread_mutex_unlock(&ps.lock);
    if (committing) { /* its commit thread runs: wait for it to finish, not only to clear ps.job */
        while (persist_saving())
            usleep(10000);
        wait_commits();
        return;
    }
    if (!job || !job->live) return;
    log_notice("finishing the background save before exiting");
    int n = job->ntasks, left = atomic_load(&job->tasks_left);
    save_task *tasks = job->tasks;
    for (int i = 0; i < n && left > 0; i++) { /* the last task_done commits and frees the job */
        if (tasks[i].done) continue;
        task_run(&tasks[i], SIZE_MAX);
        tasks[i].done = true;
        left--;
        task_done(&tasks[i]);
    }
}

static save_job *job_new(bool live) {
    save_job *job = mem_calloc(1, sizeof *job);
    job->live = live;
    job->started_ms = wall_ms();
    job->writes_at_start = writes_now();
    pthread_mutex_init(&job->err_lock, NULL);
    job->ntasks = srv->nthreads;
    job->tasks = mem_calloc((size_t)job->ntasks, sizeof *job->tasks);
    atomic_store(&job->tasks_left, job->ntasks);
    atomic_store(&job->threads_used, job->ntasks);
    for (int i = 0; i < job->ntasks; i++) {
        job->tasks[i].job = job;
        job->tasks[i].shards = srv->threads[i]->shards;
        job->tasks[i].nshards = srv->threads[i]->nshards;
        job->tasks[i].room = (thr_call){.fn = task_on_thread, .arg = &job->tasks[i]};
    }
    return job;
}

/* Claims the one save slot: false when a save runs. */
static bool claim(save_job *job) {
    pthread_mutex_lock(&ps.lock);
    bool ok = ps.job == NULL;
    if (ok) {
        ps.job = job;
        job->generation = ps.generation + 1;
        /* a generation never reused: older files of a failed save may still lie around */
        if ((uint64_t)job->started_ms > job->generation)
            job->generation = (uint64_t)job->started_ms;
        if (job->live) {
            atomic_store(&ps.bg_running, true);
            atomic_store(&ps.cur_bg_start_ms, job->started_ms);
        }
    }
    pthread_mutex_unlock(&ps.lock);
    return ok;
}

int persist_save_start(zvm_proc *waiter, char *err, size_t errlen) {
    if (aof_loading()) { /* a snapshot of half the log would cut the rest of it */
        snprintf(err, errlen, "LOADING Redis is loading the dataset in memory");
        return -1;
    }
    save_job *job = job_new(false);
    if (!claim(job)) {
        job_free(job);
        snprintf(err, errlen, "ERR Background save already in progress");
        return -1;
    }
    job->aof_base = aof_snapshot_instant(job->generation); /* every gate is up: the log's cut */
    job->waiter = waiter;
    job->waiter_thr = waiter ? waiter->cur : NULL;
    for (int i = 0; i < job->ntasks; i++) {
        job->tasks[i].t = srv->threads[i];
        thr_call_on(srv->threads[i], task_on_thread, &job->tasks[i]);
    }
    return 0;
}

uint64_t persist_bgsave_begin(char *err, size_t errlen) {
    if (aof_loading()) {
        snprintf(err, errlen, "LOADING Redis is loading the dataset in memory");
        return 0;
    }
    save_job *job = job_new(true);
    job->pit = true;
    if (!claim(job)) {
        job_free(job);
        snprintf(err, errlen, "ERR Background save already in progress");
        return 0;
    }
    job->aof_base = aof_snapshot_instant(job->generation); /* every gate is up: the log's cut */
    job->io = snap_io_group_new(); /* NULL: the workers write their files themselves */
    for (int i = 0; i < job->ntasks; i++)
        job->tasks[i].t = srv->threads[i];
    return job->generation;
}

void persist_bgsave_arm(shard *s, uint64_t generation) {
    pthread_mutex_lock(&ps.lock);
    save_job *job = ps.job;
    pthread_mutex_unlock(&ps.lock);
    if (!job || !job->pit || job->generation != generation) return;
    char path[4096], err[600];
    snap_shard_path(srv->cf.dir, job->generation, s->id, true, path, sizeof path);
    if (snap_pit_arm(s, path, job->generation, job->started_ms, job->io, err, sizeof err) != 0)
        job_fail(job, "%s%s", err, "");
    if (s->id + 1 != srv->nshards) return;
    /* the last gate: every shard is armed, the threads walk them */
    for (int i = 0; i < job->ntasks; i++)
        thr_call_on(srv->threads[i], task_on_thread, &job->tasks[i]);
}

int persist_save_finish(char *err, size_t errlen) {
    pthread_mutex_lock(&ps.lock);
    save_job *job = ps.job;
    pthread_mutex_unlock(&ps.lock);
    if (!job || job->live) {
        snprintf(err, errlen, "no save to finish");
        return -1;
    }
    int rc = job_commit(job, err, errlen);
    job_free(job);
    return rc;
}

static void *stopped_task(void *arg) {
    task_run_whole(arg, save_ways());
    return NULL;
}

int persist_save_stopped(void) {
    if (aof_loading()) {
        log_warning("the append-only log was still being replayed: the shutdown does not save");
        return -1;
    }
    save_job *job = job_new(false);
    if (!claim(job)) {
        job_free(job);
        log_warning("a save is running: the shutdown does not save again");
        return -1;
    }
    aof_rotate(job->generation);
    for (int i = 0; i < job->ntasks; i++)
        if (pthread_create(&job->tasks[i].pt, NULL, stopped_task, &job->tasks[i]) != 0) {
            job_fail(job, "%s%s", "cannot start a saving thread: ", strerror(errno));
            job->tasks[i].pt = 0;
        }
    for (int i = 0; i < job->ntasks; i++)
        if (job->tasks[i].pt) pthread_join(job->tasks[i].pt, NULL);
    int rc = job_commit(job, NULL, 0);
    job_free(job);
    return rc;
}

/* ---- loading ---- */

/* One loading thread's share: shards [from, to), loaded before the workers start. */
typedef struct load_task {
    uint32_t from, to;
    const snap_manifest *m;
    int64_t now_ms;
    int rc;
    uint64_t keys, expired;
    char err[600];
    pthread_t pt;
} load_task;

static void *load_thread(void *arg) {
    load_task *k = arg;
    for (uint32_t id = k->from; id < k->to && k->rc == 0; id++) {
        char path[4096];
        snap_shard_path(srv->cf.dir, k->m->generation, id, false, path, sizeof path);
        snap_load_stats st;
        k->rc = snap_shard_load(shard_get(id), path, k->m->generation, k->m->nshards, k->now_ms,
                                &st, k->err, sizeof k->err);
        k->keys += st.keys;
        k->expired += st.expired;
    }
    return NULL;
}

uint32_t persist_snapshot_shards(void) {
    snap_manifest m;
    char err[600];
    return snap_manifest_read(srv->cf.dir, &m, err, sizeof err) == 1 ? m.nshards : 0;
}

static int load_snapshot(void);

int persist_load_at_start(void) {
    aof_set_enabled_at_start(srv->cf.appendonly);
    aof_set_fsync_policy(srv->cf.appendfsync);
    snap_z_set_setting(conf_snapshot_codec(&srv->cf));
    if (load_snapshot() != 0) return -1;
    pthread_mutex_lock(&ps.lock);
    uint64_t generation = ps.generation;
    pthread_mutex_unlock(&ps.lock);
    return aof_prepare_load(generation); /* the log past the snapshot */
}

static int load_snapshot(void) {
    snap_manifest m;
    char err[600];
    int found = snap_manifest_read(srv->cf.dir, &m, err, sizeof err);
    if (found < 0) {
        log_error("cannot load the snapshot: %s", err);
        return -1;
    }
    if (found == 0) {
        log_notice("no snapshot in %s (no %s): starting empty", srv->cf.dir, SNAP_MANIFEST_NAME);
        return 0;
    }
    if (m.nshards != srv->nshards) {
        log_error("cannot load the snapshot in %s: it was written with %u shards and this server "
                  "runs %u (start with --shards %u)",
                  srv->cf.dir, m.nshards, srv->nshards, m.nshards);
        return -1;
    }
    int64_t start = wall_ms();
    /* one thread per core (or per worker, when there are more): nothing else runs yet */
    int cores = online_cores();
    uint32_t n = (uint32_t)(cores > srv->nthreads ? cores : srv->nthreads);
    if (n > srv->nshards) n = srv->nshards;
    load_task *tasks = mem_calloc(n, sizeof *tasks);
    for (uint32_t i = 0; i < n; i++) {
        /* with the log on, keys are judged as at the save: the log may extend them */
        int64_t judged = aof_enabled() ? m.created_ms : start;
        tasks[i] = (load_task){.from = (uint32_t)((uint64_t)i * srv->nshards / n),
                               .to = (uint32_t)((uint64_t)(i + 1) * srv->nshards / n),
                               .m = &m,
                               .now_ms = judged};
        if (pthread_create(&tasks[i].pt, NULL, load_thread, &tasks[i]) != 0) {
            tasks[i].rc = -1;
            snprintf(tasks[i].err, sizeof tasks[i].err, "cannot start a loading thread: %s",
                     strerror(errno));
            tasks[i].pt = 0;
        }
    }
    int rc = 0;
    uint64_t keys = 0, expired = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (tasks[i].pt) pthread_join(tasks[i].pt, NULL);
        if (tasks[i].rc != 0) {
            log_error("cannot load the snapshot: %s", tasks[i].err);
            rc = -1;
        }
        keys += tasks[i].keys;
        expired += tasks[i].expired;
    }
    mem_free(tasks);
    if (rc != 0) return -1;
    pthread_mutex_lock(&ps.lock);
    ps.generation = m.generation;
    pthread_mutex_unlock(&ps.lock);
    atomic_store(&ps.last_save_ms, m.created_ms);
    atomic_store(&ps.loaded_keys, keys);
    atomic_store(&ps.loaded_expired, expired);
    int64_t took = wall_ms() - start;
    log_notice("DB loaded from disk: %lld.%03lld seconds (generation %llu, %llu keys, %llu expired "
               "left out, %u threads)",
               (long long)(took / 1000), (long long)(took % 1000), (unsigned long long)m.generation,
               (unsigned long long)keys, (unsigned long long)expired, n);
    return 0;
}

/* ---- save points ---- */

static struct {
    pthread_mutex_t lock;
    savepoint p[SAVEPOINT_MAX];
    int n;
    int64_t last_try_ms;
} points = {.lock = PTHREAD_MUTEX_INITIALIZER};

void persist_set_save_points(const savepoint *p, int n) {
    pthread_mutex_lock(&points.lock);
    points.n = n < SAVEPOINT_MAX ? n : SAVEPOINT_MAX;
    for (int i = 0; i < points.n; i++)
        points.p[i] = p[i];
    pthread_mutex_unlock(&points.lock);
}

void persist_save_points_text(char *out, size_t cap) {
    pthread_mutex_lock(&points.lock);
    savepoint_format(points.p, points.n, out, cap);
    pthread_mutex_unlock(&points.lock);
}

bool persist_has_save_points(void) {
    pthread_mutex_lock(&points.lock);
    bool any = points.n > 0;
    pthread_mutex_unlock(&points.lock);
    return any;
}

static void bgsave_process_done(zvm_proc *p) {
    if (p->failed && p->reply_first && p->reply_first->type == KEEL_REPLY_ERROR)
        log_warning("save point: %.*s", (int)p->reply_first->len, p->reply_first->v.s);
    zvm_proc_recycle(p);
}

/* Runs BGSAVE as a process of this worker thread: its gates make the save's instant. */
static void bgsave_process(void *unused) {
    (void)unused;
    thr *t = thr_self();
    const cmd_entry *ce = cmd_lookup_name("bgsave", 6);
    if (!t || !ce) return;
    zvm_proc *p = zvm_proc_new(t);
    p->done = bgsave_process_done;
    keel_arg name = {"BGSAVE", 6};
    zvm_set_argv(p, 1, &name);
    zvm_proc_set_cmd(p, ce);
    p->cmd_name = ce->lname;
    p->prog = ce->prog;
    if (!zvm_set_keys(p)) {
        zvm_proc_recycle(p);
        return;
    }
    zvm_step(p);
}

bool persist_bgsave_spawn(void) {
    thr *t = thr_self();
    if (!t) return false;
    thr_call_on(t, bgsave_process, NULL); /* from the inbox: never inside another process */
    return true;
}

void persist_cron(int64_t now_ms) {
    if (persist_saving()) return;
    if (aof_base_wanted()) { /* CONFIG SET appendonly yes came while another save ran */
        persist_bgsave_spawn();
        return;
    }
    uint64_t writes = writes_now(), base = atomic_load(&ps.writes_at_save);
    int64_t changes = writes > base ? (int64_t)(writes - base) : 0;
    int64_t since = atomic_load(&ps.last_save_ms);
    if (!since) since = srv->start_ms;
    pthread_mutex_lock(&points.lock);
    int hit = -1;
    for (int i = 0; i < points.n && hit < 0; i++)
        if (changes >= points.p[i].changes && now_ms - since >= points.p[i].secs * 1000) hit = i;
    bool retry_ok = atomic_load(&ps.last_ok) || now_ms - points.last_try_ms >= 5000;
    savepoint sp = hit >= 0 ? points.p[hit] : (savepoint){0, 0};
    if (hit >= 0 && retry_ok) points.last_try_ms = now_ms;
    pthread_mutex_unlock(&points.lock);
    if (hit < 0 || !retry_ok) return;
    log_notice("%lld changes in %lld seconds. Saving...", (long long)sp.changes,
               (long long)sp.secs);
    persist_bgsave_spawn();
}

/* ---- state ---- */

static _Atomic bool exit_save;

void persist_request_exit_save(void) {
    atomic_store(&exit_save, true);
}

bool persist_exit_save_requested(void) {
    return atomic_load(&exit_save);
}

void persist_note_loaded(uint64_t keys, uint64_t expired) {
    atomic_store(&ps.loaded_keys, keys);
    atomic_store(&ps.loaded_expired, expired);
}

bool persist_dir_writable(char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/keel-probe-%d.tmp", srv->cf.dir, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", srv->cf.dir, strerror(errno));
        return false;
    }
    close(fd);
    unlink(path);
    return true;
}

bool persist_saving(void) {
    pthread_mutex_lock(&ps.lock);
    bool b = ps.job != NULL;
    pthread_mutex_unlock(&ps.lock);
    return b;
}

int64_t persist_last_save(void) {
    int64_t ms = atomic_load(&ps.last_save_ms);
    return (ms ? ms : srv->start_ms) / 1000; /* as Redis: the start until a save is made */
}

bool persist_last_ok(void) {
    return atomic_load(&ps.last_ok);
}
uint64_t persist_last_preimages(void) {
    return atomic_load(&ps.last_preimages);
}
uint64_t persist_last_preimage_bytes(void) {
    return atomic_load(&ps.last_preimage_bytes);
}
uint64_t persist_saves(void) {
    return atomic_load(&ps.saves);
}

uint64_t persist_writes_at_save(void) {
    return atomic_load(&ps.writes_at_save);
}

void persist_info(char *out, size_t cap, uint64_t writes) {
    uint64_t base = atomic_load(&ps.writes_at_save);
    bool bg = atomic_load(&ps.bg_running);
    int64_t cur = bg ? (wall_ms() - atomic_load(&ps.cur_bg_start_ms)) / 1000 : -1;
    char aof[1024], import[512];
    aof_info(aof, sizeof aof);
    uint64_t pre_bytes = atomic_load(&ps.last_preimage_bytes);
    rdb_import_info(import, sizeof import);
    snprintf(out, cap,
             "# Persistence\r\npersistence_available:1\r\nloading:%d\r\nasync_loading:0\r\n"
             "current_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\n"
             "current_fork_perc:0.00\r\n"
             "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
             "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\n"
             "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
             "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
             "rdb_saves:%llu\r\nrdb_last_cow_size:%llu\r\nrdb_last_load_keys_expired:%llu\r\n"
             "rdb_last_load_keys_loaded:%llu\r\n"
             "%s%s\r\n",
             aof_loading() ? 1 : 0, (unsigned long long)(writes > base ? writes - base : 0),
             bg ? 1 : 0, (long long)persist_last_save(), atomic_load(&ps.last_ok) ? "ok" : "err",
             (long long)atomic_load(&ps.last_bg_sec), (long long)cur,
             (unsigned long long)atomic_load(&ps.saves), (unsigned long long)pre_bytes,
             (unsigned long long)atomic_load(&ps.loaded_expired),
             (unsigned long long)atomic_load(&ps.loaded_keys), aof, import);
}

/* aof_writer.c -- the log writer thread: merges the worker threads' staged records by sequence
 * number, writes them to the current file, fsyncs by appendfsync, switches files at a snapshot's
 * sequence number, and on a failed write cuts the file back and tries again each second. */
#include "config.h"
#include "aof_writer.h"
#include "aof.h"
#include "aof_rec.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One worker's hand-over: records in increasing sequence order. */
typedef struct chunk {
    struct chunk *next;
    uint8_t *p;
    size_t len, off; /* off: the next record not yet taken */
    size_t cap;      /* p's size, for its reuse as a spare */
} chunk;

/* Buffers the writer has emptied, given back to the workers with their next hand-over: a worker
 * staging into a fresh buffer grew it by doubling (4 KB to 128 KB for a 64 KB batch), copying
 * twice what it staged and faulting new pages in. */
#define SPARES_MAX 4
#define SPARE_CAP_MAX (256u * 1024u)

static struct {
    /* work: held while taking, merging, writing and fsyncing (by the writer thread, or by a lone
     * worker under appendfsync always: aofw_submit_sync); mu, taken inside it: the hand-over
     * list and the rotation */
    pthread_mutex_t work, mu;
    pthread_cond_t cv;
    chunk *in_head, *in_tail; /* handed over, not yet taken by the writer */
    aof_buf spares[SPARES_MAX];
    int nspares;
    bool stop, rot_pending;
    uint64_t rot_seq, rot_gen;
    pthread_t pt;
    _Atomic bool running;

    /* the writer's own */
    chunk *pend; /* taken, not wholly written */
    int fd;
    uint64_t cur_gen;   /* the generation of the file records go to (fd may be -1: it failed) */
    uint32_t cur_flags; /* its preamble's, should it have to be made again */
    int open_errno;
    uint64_t next_seq;
    aof_buf out;        /* merged bytes not yet written */
    _Atomic bool dirty; /* written, not fsynced (INFO reads it) */
    int64_t last_fsync_ms;
    bool was_ok; /* W.ok after the last round */

    _Atomic uint64_t durable, size, base_size, generation, fsyncs;
    _Atomic bool ok;
    _Atomic int err;
} W = {.work = PTHREAD_MUTEX_INITIALIZER,
       .mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .fd = -1,
       .ok = true};

void aofw_dir(char *out, size_t cap) {
    snprintf(out, cap, "%s/%s", srv->cf.dir, srv->cf.appenddirname);
}

void aofw_path(uint64_t generation, char *out, size_t cap) {
    snprintf(out, cap, "%s/%s/%s.%llu.incr.aof", srv->cf.dir, srv->cf.appenddirname,
             srv->cf.appendfilename, (unsigned long long)generation);
}

static void fsync_dir(void) {
    char dir[4096];
    aofw_dir(dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

static bool write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        if (w == 0) {
            errno = ENOSPC;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Opens generation's file for appending, writing the preamble (with flags) to a new or empty
 * one. */
static int open_log(uint64_t generation, uint32_t flags, char *err, size_t errlen) {
    char path[4096];
    aofw_path(generation, path, sizeof path);
    W.cur_gen = generation;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        W.open_errno = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    uint64_t size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    if (size == 0) {
        uint8_t pre[AOF_PREAMBLE];
        aof_preamble_flagged(pre, flags);
        if (!write_all(fd, pre, sizeof pre) || fdatasync(fd) != 0) {
            W.open_errno = errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            if (ftruncate(fd, 0) != 0) { /* nothing more to do: the error is reported */
            }
            close(fd);
            return -1;
        }
        size = AOF_PREAMBLE;
        fsync_dir();
    }
    atomic_store(&W.size, size);
    atomic_store(&W.base_size, size);
    atomic_store(&W.generation, generation);
    return fd;
}

static void set_failed(int e, const char *what) {
    if (atomic_exchange(&W.ok, false) == false && atomic_load(&W.err) == e) return;
    atomic_store(&W.err, e);
    char path[4096];
    aofw_path(atomic_load(&W.generation), path, sizeof path);
    log_warning("append-only log %s: %s failed: %s (writes are refused until it works again)", path,
                what, strerror(e));
}

static void set_ok(void) {
    if (!atomic_exchange(&W.ok, true)) log_notice("append-only log: writing works again");
}

/* Writes W.out; on failure cuts the file back to where it was and keeps W.out for later. */
static bool flush_out(void) {
    if (!W.out.len) return true;
    if (W.fd < 0) { /* it could not be opened: try again */
        char err[600];
        W.fd = open_log(W.cur_gen, W.cur_flags, err, sizeof err);
        if (W.fd < 0) {
            set_failed(W.open_errno ? W.open_errno : EIO, "opening the file");
            return false;
        }
    }
    uint64_t before = atomic_load(&W.size);
    if (!write_all(W.fd, W.out.p, W.out.len)) {
        int e = errno;
        if (ftruncate(W.fd, (off_t)before) != 0) { /* the reader cuts a torn tail anyway */
        }
        set_failed(e, "write");
        return false;
    }
    atomic_store(&W.size, before + W.out.len);
    W.out.len = 0;
    W.dirty = true;
    return true;
}

static bool do_fsync(void) {
    if (!W.dirty || W.fd < 0) return true;
    if (fdatasync(W.fd) != 0) {
        set_failed(errno, "fsync");
        return false;
    }
    W.dirty = false;
    W.last_fsync_ms = mono_ms();
    atomic_fetch_add(&W.fsyncs, 1);
    return true;
}

/* Switches to the rotation's file once every record before its sequence number is out. */
static bool maybe_rotate(void) {
    pthread_mutex_lock(&W.mu);
    bool due = W.rot_pending && W.next_seq >= W.rot_seq;
    uint64_t gen = W.rot_gen;
    if (due) W.rot_pending = false;
    pthread_mutex_unlock(&W.mu);
    if (!due) return false;
    if (!flush_out()) {
        /* the old file cannot take them: they go to the new one (the snapshot covers them) */
    }
    W.dirty = true;
    do_fsync();
    char err[600];
    int fd = open_log(gen, 0, err, sizeof err);
    if (fd < 0) {
        log_warning("append-only log: cannot start the new file: %s", err);
        set_failed(W.open_errno ? W.open_errno : EIO, "opening the new file");
    }
    if (W.fd >= 0) close(W.fd);
    W.fd = fd;
    W.cur_flags = 0;
    return true;
}

/* Moves records from the pending chunks to W.out in sequence order, as far as they go on
 * without a gap.  True when it moved any. */
static bool merge(void) {
    bool moved = false;
    for (;;) {
        if (maybe_rotate()) moved = true;
        chunk *hit = NULL;
        for (chunk *c = W.pend; c; c = c->next) {
            /* numbers below the next one were staged before the log was last turned off */
            while (c->off < c->len && aof_rec_seq(c->p + c->off) < W.next_seq)
                c->off += aof_rec_size(c->p + c->off);
            if (c->off < c->len && aof_rec_seq(c->p + c->off) == W.next_seq) {
                hit = c;
                break;
            }
        }
        if (!hit) break;
        /* a rotation is asked for only while every gate is up: no record at or past its
         * sequence number exists yet, so reading it once per run is enough */
        pthread_mutex_lock(&W.mu);
        bool rot = W.rot_pending;
        uint64_t rot_seq = W.rot_seq;
        pthread_mutex_unlock(&W.mu);
        size_t start = hit->off;
        while (hit->off < hit->len && aof_rec_seq(hit->p + hit->off) == W.next_seq) {
            if (rot && W.next_seq >= rot_seq) break;
            hit->off += aof_rec_size(hit->p + hit->off);
            W.next_seq++;
        }
        if (hit->off == start) continue; /* stopped at the rotation: maybe_rotate switches */
        aof_buf_put(&W.out, hit->p + start, hit->off - start);
        moved = true;
    }
    chunk *done = NULL; /* the chunks wholly taken: their buffers become spares or are freed */
    chunk **pp = &W.pend;
    while (*pp) {
        chunk *c = *pp;
        if (c->off >= c->len) {
            *pp = c->next;
            c->next = done;
            done = c;
        } else {
            pp = &c->next;
        }
    }
    if (done) {
        pthread_mutex_lock(&W.mu);
        for (chunk *c = done; c; c = c->next) {
            if (W.nspares < SPARES_MAX && c->cap <= SPARE_CAP_MAX) {
                W.spares[W.nspares++] = (aof_buf){.p = c->p, .cap = c->cap};
                c->p = NULL;
            }
        }
        pthread_mutex_unlock(&W.mu);
        while (done) {
            chunk *c = done;
            done = c->next;
            mem_free(c->p);
            mem_free(c);
        }
    }
    return moved;
}

static void take_incoming(void) {
    chunk *c = W.in_head;
    W.in_head = W.in_tail = NULL;
    chunk **tail = &W.pend;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c;
}

/* One round on what has been taken (W.work held): merge, write, fsync by policy, retry a
 * failed log, move the durable mark and tell aof.c when it moved or the log's health changed. */
static void work_round(void) {
    merge();
    int policy = aof_fsync_policy();
    bool wrote = W.out.len > 0;
    bool ok = flush_out();
    if (ok && policy == AOF_FSYNC_ALWAYS && wrote)
        ok = do_fsync();
    else if (ok && policy == AOF_FSYNC_EVERYSEC && W.dirty && mono_ms() - W.last_fsync_ms >= 1000)
        ok = do_fsync();
    if (ok && atomic_load(&W.ok) == false && W.out.len == 0) { /* writes are refused: retry */
        if (W.fd < 0) {
            char err[600];
            W.fd = open_log(W.cur_gen, W.cur_flags, err, sizeof err);
        }
        W.dirty = W.fd >= 0;
        ok = W.fd >= 0 && do_fsync();
        if (ok) set_ok();
    }
    uint64_t before = atomic_load(&W.durable);
    if (ok && W.out.len == 0 && !(policy == AOF_FSYNC_ALWAYS && W.dirty))
        atomic_store(&W.durable, W.next_seq);
    bool now_ok = atomic_load(&W.ok);
    if (atomic_load(&W.durable) != before || !ok || now_ok != W.was_ok) aof_durable_moved_hook();
    W.was_ok = now_ok;
}

static void *writer_main(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&W.work);
        pthread_mutex_lock(&W.mu);
        take_incoming();
        bool stop = W.stop;
        pthread_mutex_unlock(&W.mu);
        work_round();
        pthread_mutex_unlock(&W.work);

        pthread_mutex_lock(&W.mu);
        bool done = stop && !W.in_head;
        if (!done && !W.in_head && !W.stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1; /* everysec's fsync and a failed write's retry */
            pthread_cond_timedwait(&W.cv, &W.mu, &ts);
        }
        pthread_mutex_unlock(&W.mu);
        if (done) break;
    }
    pthread_mutex_lock(&W.work);
    merge();
    if (flush_out()) {
        W.dirty = true;
        do_fsync();
    }
    atomic_store(&W.durable, W.next_seq);
    pthread_mutex_unlock(&W.work);
    aof_durable_moved_hook();
    return NULL;
}

int aofw_start(uint64_t generation, uint64_t seq, uint32_t flags, char *err, size_t errlen) {
    char dir[4096];
    aofw_dir(dir, sizeof dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    W.cur_flags = flags;
    W.fd = open_log(generation, flags, err, errlen); /* -1: writes are refused until it opens */
    W.next_seq = seq;
    W.stop = false;
    W.rot_pending = false;
    W.last_fsync_ms = mono_ms();
    atomic_store(&W.durable, seq);
    atomic_store(&W.ok, true);
    W.was_ok = true;
    if (pthread_create(&W.pt, NULL, writer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the log writer thread: %s", strerror(errno));
        if (W.fd >= 0) close(W.fd);
        W.fd = -1;
        return -1;
    }
    atomic_store(&W.running, true);
    if (W.fd < 0) {
        set_failed(W.open_errno ? W.open_errno : EIO, "opening the file");
        aof_durable_moved_hook();
    }
    return 0;
}

/* Appends b's records to the incoming list and leaves b empty, with a spare buffer when there is
 * one (W.mu held); false when nothing takes them. */
static bool enqueue(aof_buf *b) {
    if (W.stop || !atomic_load(&W.running)) { /* the log was turned off */
        aof_buf_free(b);
        return false;
    }
    chunk *c = mem_alloc(sizeof *c);
    *c = (chunk){.p = b->p, .len = b->len, .cap = b->cap};
    if (W.in_tail)
        W.in_tail->next = c;
    else
        W.in_head = c;
    W.in_tail = c;
    *b = W.nspares ? W.spares[--W.nspares] : (aof_buf){0};
    return true;
}

void aofw_submit(aof_buf *b) {
    pthread_mutex_lock(&W.mu);
    if (enqueue(b)) pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
}

void aofw_submit_sync(aof_buf *b) {
    pthread_mutex_lock(&W.work);
    pthread_mutex_lock(&W.mu);
    bool taken = enqueue(b);
    if (taken) take_incoming();
    pthread_mutex_unlock(&W.mu);
    if (taken) work_round();
    pthread_mutex_unlock(&W.work);
}

void aofw_rotate(uint64_t seq, uint64_t generation) {
    pthread_mutex_lock(&W.mu);
    W.rot_pending = true;
    W.rot_seq = seq;
    W.rot_gen = generation;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
}

void aofw_stop(void) {
    if (!atomic_load(&W.running)) return;
    pthread_mutex_lock(&W.mu);
    W.stop = true;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
    pthread_join(W.pt, NULL);
    atomic_store(&W.running, false);
    if (W.fd >= 0) close(W.fd);
    W.fd = -1;
    aof_buf_free(&W.out);
    while (W.nspares)
        aof_buf_free(&W.spares[--W.nspares]);
    while (W.pend) {
        chunk *c = W.pend;
        W.pend = c->next;
        mem_free(c->p);
        mem_free(c);
    }
}

bool aofw_running(void) {
    return atomic_load(&W.running);
}
uint64_t aofw_durable(void) {
    return atomic_load(&W.durable);
}
bool aofw_ok(void) {
    return atomic_load(&W.ok);
}
int aofw_errno(void) {
    return atomic_load(&W.err);
}
uint64_t aofw_size(void) {
    return atomic_load(&W.size);
}
uint64_t aofw_base_size(void) {
    return atomic_load(&W.base_size);
}
uint64_t aofw_generation(void) {
    return atomic_load(&W.generation);
}
uint64_t aofw_fsyncs(void) {
    return atomic_load(&W.fsyncs);
}
bool aofw_fsync_pending(void) {
    return W.dirty;
}

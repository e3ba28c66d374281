/* rdb_import.c -- driving dump.so's RDBIMPORT command at start for --load-rdb (rdb_import.h).
 *
 * What the command answers, one process (chunk) at a time: "CHECKED <keys> <highest db>" once the
 * whole file was read and checked (checksum included) and nothing was created yet; "MORE <db>
 * <offset>" when the next chunk is to run in database <db>, the pass having read up to <offset>
 * (INFO's loading_* fields: each of the two passes counts for half the file); "END" when the walk
 * is at the end but other chunks still make keys; "DONE <keys> <expired> <skipped>" from the last
 * chunk of all; an error (which names the file offset) on anything wrong, which stops the server
 * once every chunk is gone: it never serves part of a file.
 *
 * The check pass runs one chunk at a time; the load pass LOAD_CHUNKS at once, all on worker 0,
 * each making its keys with child commands that run on the keys' own threads: while one chunk
 * waits for a child on another thread, the others go on. */
#include "config.h"
#include "rdb_import.h"
#include "aof.h"
#include "clock.h"
#include "log.h"
#include "opts.h"
#include "persist.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "zvm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_COMMAND "RDBIMPORT"
/* The process option that carries the file's path to the command (only the core sets it). */
#define IMPORT_PATH_OPTION "dump.load_rdb"
/* Chunks of the load pass running at once (the check pass runs one). */
#define LOAD_CHUNKS 8

static struct {
    bool asked, finished;
    _Atomic bool failed;
    uint32_t db;   /* the database the next chunk runs in */
    opt_set *opts; /* IMPORT_PATH_OPTION = the file */
    int64_t start_ms;
    bool checked; /* the check pass is over */
    _Atomic bool running;
    _Atomic uint64_t total_bytes, done_bytes; /* the file's size; progress over both passes */
    _Atomic int64_t load_start_ms;            /* when the load pass began (0: checking) */
    uint32_t inflight;                        /* chunks posted or running (worker 0 only) */
    bool ended, failing;                      /* a chunk reached the end of the file; one failed */
    bool stopped;                             /* the shutdown stopped it (said once) */
} R;

int rdb_import_prepare(void) {
    const char *path = srv->cf.load_rdb;
    if (!path) return 0;
    R.asked = true;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not hang the start */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        log_error("--load-rdb: cannot open %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    if (!S_ISREG(st.st_mode)) {
        log_error("--load-rdb: %s is not a regular file", path);
        return -1;
    }
    atomic_store(&R.total_bytes, (uint64_t)st.st_size);
    if (!cmd_lookup_name(IMPORT_COMMAND, strlen(IMPORT_COMMAND))) {
        log_error("--load-rdb: importing %s needs the dump module (dump.so), which is not loaded",
                  path);
        return -1;
    }
    if (persist_snapshot_shards() != 0 || aof_has_records()) {
        log_error("--load-rdb: the data directory %s already holds Keel's own snapshot or "
                  "append-only log; an import goes only into an empty server (remove --load-rdb "
                  "if %s was imported before, or start with an empty --dir)",
                  srv->cf.dir, path);
        return -1;
    }
    R.opts = opt_set_with(NULL, IMPORT_PATH_OPTION, path);
    return 0;
}

static void step(void *arg);

static void finish(bool ok) {
    if (R.finished || atomic_load(&R.failed)) return; /* said once */
    opt_unref(R.opts);
    R.opts = NULL;
    atomic_store(&R.running, false);
    if (ok) {
        R.finished = true;
        aof_set_loading(false);
        return;
    }
    atomic_store(&R.failed, true);
    log_error("--load-rdb: the import of %s failed: shutting down (nothing was kept)",
              srv->cf.load_rdb);
    server_request_shutdown();
}

/* What a chunk answered. */
enum answer { ANS_FAIL, ANS_CHECKED, ANS_MORE, ANS_END, ANS_DONE };

static enum answer read_answer(const keel_reply *r, char *text, size_t cap) {
    snprintf(text, cap, "%s gave no answer", IMPORT_COMMAND);
    if (!r || (r->type != KEEL_REPLY_SIMPLE && r->type != KEEL_REPLY_ERROR)) return ANS_FAIL;
    snprintf(text, cap, "%.*s", (int)r->len, r->v.s);
    if (r->type == KEEL_REPLY_ERROR) return ANS_FAIL;
    uint64_t a, b, c;
    int more = sscanf(text, "MORE %" SCNu64 " %" SCNu64, &a, &b);
    if (more >= 1) {
        uint64_t total = atomic_load(&R.total_bytes), at = more == 2 && b < total ? b : 0;
        atomic_store(&R.done_bytes, (R.checked ? total - total / 2 : 0) + at / 2);
        if (a >= srv->ndbs) {
            snprintf(text, cap,
                     "the file has keys in database %" PRIu64 " but the server has %u databases "
                     "(--databases)",
                     a, srv->ndbs);
            return ANS_FAIL;
        }
        R.db = (uint32_t)a;
        return ANS_MORE;
    }
    if (!strcmp(text, "END")) return ANS_END;
    if (sscanf(text, "CHECKED %" SCNu64 " %" SCNu64, &a, &b) == 2) {
        if (a && b >= srv->ndbs) {
            snprintf(text, cap,
                     "%s has keys in database %" PRIu64 " but the server has %u databases "
                     "(--databases)",
                     srv->cf.load_rdb, b, srv->ndbs);
            return ANS_FAIL;
        }
        log_notice("--load-rdb: %s checked (%" PRIu64 " keys, checksum good): loading",
                   srv->cf.load_rdb, a);
        R.checked = true;
        atomic_store(&R.load_start_ms, wall_ms());
        uint64_t total = atomic_load(&R.total_bytes);
        atomic_store(&R.done_bytes, total - total / 2);
        return ANS_CHECKED;
    }
    if (sscanf(text, "DONE %" SCNu64 " %" SCNu64 " %" SCNu64, &a, &b, &c) == 3) {
        log_notice("--load-rdb: imported %s: %" PRIu64 " keys loaded, %" PRIu64 " already expired, "
                   "%" PRIu64 " skipped, %lld ms",
                   srv->cf.load_rdb, a, b, c, (long long)(wall_ms() - R.start_ms));
        persist_note_loaded(a, b);
        return ANS_DONE;
    }
    char copy[256];
    snprintf(copy, sizeof copy, "%.200s", text);
    snprintf(text, cap, "%s answered '%s'", IMPORT_COMMAND, copy);
    return ANS_FAIL;
}

/* Posts one more chunk on worker 0 (counted from now: see chunk_done). */
static void post_chunk(void) {
    R.inflight++;
    thr_call_on(srv->threads[0], step, NULL); /* the thread serves others between chunks */
}

static void chunk_done(zvm_proc *p) {
    char text[512];
    enum answer a = read_answer(p->reply_first, text, sizeof text);
    zvm_proc_recycle(p); /* the chunk's state goes with it */
    R.inflight--;
    switch (a) {
    case ANS_FAIL:
        if (!R.failing) log_error("--load-rdb: %s", text); /* the first says why */
        R.failing = true;
        break;
    case ANS_CHECKED: /* the load pass: LOAD_CHUNKS at once, so waits on other threads overlap
                         (one at a time under --key-load-delay, whose tests want it slow) */
        for (int i = 0; i < (srv->cf.key_load_delay > 0 ? 1 : LOAD_CHUNKS); i++)
            post_chunk();
        return;
    case ANS_MORE:
        if (!R.failing && !R.ended) post_chunk();
        break;
    case ANS_END:
        R.ended = true;
        break;
    case ANS_DONE:
        finish(true);
        return;
    }
    if (R.inflight) return;
    if (R.failing)
        finish(false); /* every chunk is gone: the module has let go of the file */
    else if (R.ended)
        post_chunk(); /* the last one, alone, says DONE */
}

static void step(void *arg) {
    (void)arg;
    thr *t = thr_self();
    if (atomic_load(&t->stop)) {
        if (!R.finished && !R.failing && !R.stopped)
            log_notice("--load-rdb: the import was stopped by the shutdown");
        R.stopped = true;
        R.inflight--;
        return;
    }
    if (R.finished || R.failing) { /* posted before the end or a failure: nothing left to do */
        R.inflight--;
        if (R.failing && !R.inflight) finish(false);
        return;
    }
    if (srv->cf.key_load_delay > 0) usleep((useconds_t)srv->cf.key_load_delay); /* tests */
    const cmd_entry *named = cmd_lookup_name(IMPORT_COMMAND, strlen(IMPORT_COMMAND));
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    zvm_proc *p = zvm_proc_new(t);
    p->done = chunk_done;
    p->db = R.db;
    p->opts = opt_ref(R.opts);
    keel_arg argv[1] = {{IMPORT_COMMAND, strlen(IMPORT_COMMAND)}};
    zvm_set_argv(p, 1, argv);
    zvm_proc_set_cmd(p, ce);
    p->cmd_name = named->lname;
    p->prog = ce->prog;
    if (!zvm_set_keys(p)) {
        zvm_proc_recycle(p);
        R.inflight--;
        R.failing = true;
        if (!R.inflight) finish(false);
        return;
    }
    zvm_step(p);
}

void rdb_import_start(void) {
    if (!R.asked) return;
    R.start_ms = wall_ms();
    atomic_store(&R.running, true);
    aof_set_loading(true);
    log_notice("--load-rdb: importing %s on worker 0 (data commands answer -LOADING meanwhile)",
               srv->cf.load_rdb);
    post_chunk();
}

bool rdb_import_unfinished(void) {
    return R.asked && !R.finished;
}

bool rdb_import_failed(void) {
    return atomic_load(&R.failed);
}

void rdb_import_info(char *out, size_t cap) {
    out[0] = 0;
    if (!atomic_load(&R.running)) return;
    uint64_t total = atomic_load(&R.total_bytes), done = atomic_load(&R.done_bytes);
    double perc = total ? 100.0 * (double)done / (double)total : 0;
    /* by the load pass's own pace once it runs (the check pass is much faster) */
    int64_t since = atomic_load(&R.load_start_ms), now = wall_ms();
    uint64_t base = since ? total - total / 2 : 0, pass_done = done - base,
             pass_left = total - done;
    int64_t took = now - (since ? since : R.start_ms);
    long long eta =
        pass_done ? (long long)((double)took * (double)pass_left / (double)pass_done / 1000) : 1;
    snprintf(out, cap,
             "loading_start_time:%lld\r\nloading_total_bytes:%" PRIu64 "\r\n"
             "loading_rdb_used_mem:0\r\nloading_loaded_bytes:%" PRIu64 "\r\n"
             "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\n",
             (long long)(R.start_ms / 1000), total, done, perc, eta);
}

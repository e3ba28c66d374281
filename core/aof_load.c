/* aof_load.c -- the append-only log at start: finding the files past the loaded snapshot,
 * checking every record (a torn tail is cut, corruption in the middle stops the start unless
 * --aof-truncate-corrupt), then replaying their commands one after another on worker thread 0
 * while data commands answer -LOADING, and starting the log once done. */
#include "config.h"
#include "aof.h"
#include "aof_rec.h"
#include "aof_writer.h"
#include "expire.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "zvm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct log_file {
    uint64_t gen;
    uint8_t *map;
    size_t maplen; /* mapped bytes */
    size_t valid;  /* bytes of whole, checked records (from the preamble on) */
} log_file;

static struct {
    log_file *f;
    int nf;
    int fi;     /* the file being replayed */
    size_t off; /* the next record's offset in it */
    aof_iter it;
    bool in_rec;
    uint64_t next_seq, append_gen, base_gen;
    uint64_t cmds, failed, records;
    bool stepping, finished_inline;
    int64_t start_ms;
    char failure[256];
} L;

static int cmp_gen(const void *a, const void *b) {
    uint64_t x = ((const log_file *)a)->gen, y = ((const log_file *)b)->gen;
    return x < y ? -1 : x > y;
}

/* The generation in "<appendfilename>.<gen>.incr.aof", or false. */
static bool parse_name(const char *name, uint64_t *gen) {
    const char *base = srv->cf.appendfilename;
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) || name[bl] != '.') return false;
    char *end;
    errno = 0;
    unsigned long long g = strtoull(name + bl + 1, &end, 10);
    if (errno || end == name + bl + 1 || strcmp(end, ".incr.aof")) return false;
    *gen = g;
    return true;
}

static int list_files(uint64_t from_gen) {
    char dir[4096];
    aofw_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t g;
        if (!parse_name(e->d_name, &g) || g < from_gen) continue;
        L.f = mem_realloc(L.f, sizeof *L.f * (size_t)(L.nf + 1));
        L.f[L.nf++] = (log_file){.gen = g};
    }
    closedir(d);
    if (L.nf > 1) qsort(L.f, (size_t)L.nf, sizeof *L.f, cmp_gen);
    return 0;
}

static int open_file(log_file *lf, char *path, size_t cap, bool *missing_preamble) {
    aofw_path(lf->gen, path, cap);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        log_error("cannot read the append-only log %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        log_error("cannot read the append-only log %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    lf->maplen = (size_t)st.st_size;
    if (lf->maplen) {
        lf->map = mmap(NULL, lf->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
        if (lf->map == MAP_FAILED) {
            log_error("cannot map the append-only log %s: %s", path, strerror(errno));
            lf->map = NULL;
            close(fd);
            return -1;
        }
    }
    *missing_preamble = lf->maplen < AOF_PREAMBLE;
    return fd;
}

static int check_file(int i) {
    log_file *lf = &L.f[i];
    bool last = i == L.nf - 1, short_pre;
    char path[4096];
    int fd = open_file(lf, path, sizeof path, &short_pre);
    if (fd < 0) return -1;
    if (short_pre && last) { /* created and never completed: an empty log */
        if (lf->maplen && ftruncate(fd, 0) != 0)
            log_warning("cannot empty %s: %s", path, strerror(errno));
        lf->valid = 0;
        close(fd);
        return 0;
    }
    aof_scan sc;
    enum aof_scan_kind r = aof_scan_file(lf->map, lf->maplen, &sc);
    lf->valid = sc.valid;
    if (sc.next_seq > L.next_seq) L.next_seq = sc.next_seq;
    if (r == AOF_SCAN_NOT_A_LOG) {
        log_error("append-only log %s: %s", path, sc.what);
        close(fd);
        return -1;
    }
    if (r == AOF_SCAN_TORN && last) {
        log_warning("append-only log %s: torn tail cut at offset %zu (%zu bytes dropped: %s); "
                    "the records before it are loaded",
                    path, sc.bad_at, lf->maplen - sc.bad_at, sc.what);
        if (ftruncate(fd, (off_t)sc.bad_at) != 0) {
            log_error("cannot cut %s at offset %zu: %s", path, sc.bad_at, strerror(errno));
            close(fd);
            return -1;
        }
    } else if (r != AOF_SCAN_CLEAN) {
        if (!srv->cf.aof_truncate_corrupt) {
            log_error("append-only log %s is corrupt at offset %zu: %s.  Start with "
                      "--aof-truncate-corrupt to cut it there (what follows is lost)",
                      path, sc.bad_at, sc.what);
            close(fd);
            return -1;
        }
        log_warning("append-only log %s: corrupt at offset %zu (%s): cut there "
                    "(--aof-truncate-corrupt); %d later log file(s) set aside",
                    path, sc.bad_at, sc.what, L.nf - 1 - i);
        if (ftruncate(fd, (off_t)sc.bad_at) != 0) {
            log_error("cannot cut %s at offset %zu: %s", path, sc.bad_at, strerror(errno));
            close(fd);
            return -1;
        }
        for (int j = i + 1; j < L.nf; j++) { /* what came after the cut cannot be applied */
            char later[4096], aside[4200];
            aofw_path(L.f[j].gen, later, sizeof later);
            snprintf(aside, sizeof aside, "%s.corrupt-skipped", later);
            if (rename(later, aside) != 0)
                log_warning("cannot set %s aside: %s", later, strerror(errno));
        }
        L.nf = i + 1;
    }
    close(fd);
    return 0;
}

/* Whether generation's file is flagged to replay only over its own generation's snapshot. */
static bool needs_own_base(uint64_t gen) {
    char path[4096];
    aofw_path(gen, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false; /* check_file reports it */
    uint8_t pre[AOF_PREAMBLE];
    bool flagged = pread(fd, pre, sizeof pre, 0) == (ssize_t)sizeof pre &&
                   aof_preamble_ok(pre, sizeof pre) &&
                   (aof_preamble_flags(pre) & AOF_FLAG_NEEDS_BASE);
    close(fd);
    return flagged;
}

/* A log turned on at run time starts at its snapshot's instant: when that snapshot never made
 * it to disk (the server stopped while it was written), the file and every later one have
 * nothing to replay over and are set aside.  No reply under "always" waited on them alone: those
 * replies wait for the snapshot too. */
static void set_aside_baseless(uint64_t generation) {
    for (int i = 0; i < L.nf; i++) {
        if (L.f[i].gen == generation || !needs_own_base(L.f[i].gen)) continue;
        for (int j = i; j < L.nf; j++) {
            char path[4096], aside[4200];
            aofw_path(L.f[j].gen, path, sizeof path);
            snprintf(aside, sizeof aside, "%s.nobase-skipped", path);
            if (rename(path, aside) != 0)
                log_warning("cannot set %s aside: %s", path, strerror(errno));
            else
                log_warning("append-only log %s set aside as %s: it starts from a snapshot "
                            "(generation %llu) that never reached the disk (loaded: %llu)",
                            path, aside, (unsigned long long)L.f[i].gen,
                            (unsigned long long)generation);
        }
        L.nf = i;
        return;
    }
}

int aof_prepare_load(uint64_t generation) {
    L.base_gen = L.append_gen = generation;
    if (!aof_enabled()) return 0;
    char dir[4096];
    aofw_dir(dir, sizeof dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_error("append-only log directory %s cannot be made: %s", dir, strerror(errno));
        return -1;
    }
    if (list_files(generation) != 0) {
        log_error("cannot list the append-only log directory %s: %s", dir, strerror(errno));
        return -1;
    }
    set_aside_baseless(generation);
    for (int i = 0; i < L.nf; i++)
        if (check_file(i) != 0) return -1;
    if (L.nf) L.append_gen = L.f[L.nf - 1].gen;
    /* the file writes will go to must take them: refuse to start otherwise */
    char path[4096];
    aofw_path(L.append_gen, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_error("cannot open the append-only log %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- replay ---- */

/* The next command to replay, or false at the end. */
static bool next_cmd(aof_cmd *c) {
    char what[200];
    for (;;) {
        if (L.in_rec) {
            int r = aof_iter_next(&L.it, c, what, sizeof what);
            if (r == 1) return true;
            L.in_rec = false; /* checked before: r is 0 */
        }
        if (L.fi >= L.nf) return false;
        log_file *lf = &L.f[L.fi];
        if (L.off == 0) L.off = AOF_PREAMBLE;
        if (L.off >= lf->valid) {
            L.fi++;
            L.off = 0;
            continue;
        }
        aof_iter_free(&L.it);
        if (!aof_iter_init(&L.it, lf->map + L.off)) return false; /* checked before */
        if (L.it.time_ms > 0) { /* judge expiries as when the record was applied */
            atomic_store(&aof_replay_now, L.it.time_ms);
            thr_self()->now_ms = L.it.time_ms;
        }
        L.off += aof_rec_size(lf->map + L.off);
        L.in_rec = true;
        L.records++;
    }
}

static void replay_step(void *arg);

static void replay_done(zvm_proc *p) {
    if (p->failed) {
        if (L.failed++ < 5 && p->reply_first && p->reply_first->type == KEEL_REPLY_ERROR)
            log_warning("append-only log replay: %.*s failed: %.*s", (int)p->pub.argv[0].len,
                        p->pub.argv[0].ptr, (int)p->reply_first->len, p->reply_first->v.s);
    }
    zvm_proc_recycle(p);
    if (L.stepping)
        L.finished_inline = true;
    else
        replay_step(NULL);
}

/* A process for command c on thread t, or NULL (logged) when it cannot run. */
static zvm_proc *make_proc(thr *t, const aof_cmd *c) {
    const cmd_entry *named = cmd_lookup_name(c->argv[0].ptr, c->argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    int arity = ce ? ce->def->arity : 0;
    if (!ce || (arity >= 0 ? c->argc != (uint32_t)arity : c->argc < (uint32_t)-arity)) {
        if (L.failed++ < 5)
            log_warning("append-only log replay: '%.*s' is %s: skipped", (int)c->argv[0].len,
                        c->argv[0].ptr, ce ? "given a wrong number of arguments" : "unknown");
        return NULL;
    }
    zvm_proc *p = zvm_proc_new(t);
    p->done = replay_done;
    p->aof_replay = true;
    p->db = c->db < srv->ndbs ? c->db : 0;
    if (c->nns) {
        ns_path *base = ns_path_new(NULL, c->ns, c->nns);
        uint8_t coloc = c->coloc <= NS_COLOC_NTH ? c->coloc : NS_COLOC_FIRST;
        p->ns = ns_path_with(base, 0, coloc, c->coloc_n);
        ns_path_unref(base);
    }
    zvm_set_argv(p, c->argc, c->argv);
    zvm_proc_set_cmd(p, ce);
    p->cmd_name = named->lname;
    p->prog = ce->prog;
    if (!zvm_set_keys(p)) {
        L.failed++;
        zvm_proc_recycle(p);
        return NULL;
    }
    return p;
}

static void expire_now_on_thread(void *arg) {
    (void)arg;
    thr *t = thr_self();
    thr_refresh_now(t);
    if (t->nshards) expire_soon(t->shards[0], t->now_ms);
}

static void replay_finish(void) {
    aof_iter_free(&L.it);
    for (int i = 0; i < L.nf; i++)
        if (L.f[i].map) munmap(L.f[i].map, L.f[i].maplen);
    mem_free(L.f);
    L.f = NULL;
    int64_t took = (int64_t)time(NULL) * 1000 - L.start_ms;
    if (L.records)
        log_notice("append-only log replayed: %" PRIu64 " records, %" PRIu64 " commands (%" PRIu64
                   " failed), %lld ms",
                   L.records, L.cmds, L.failed, (long long)took);
    atomic_store(&aof_replay_now, 0);
    for (int i = 0; i < srv->nthreads; i++) /* keys whose time came meanwhile go now */
        thr_call_on(srv->threads[i], expire_now_on_thread, NULL);
    if (aof_begin_logging(L.append_gen, L.next_seq) != 0)
        log_error("the append-only log could not start: writes are not logged");
    aof_set_loading(false);
}

static void replay_step(void *arg) {
    (void)arg;
    thr *t = thr_self();
    int64_t delay = srv->cf.key_load_delay;
    if (atomic_load(&t->stop)) { /* shutting down mid-replay: the files stay as they are */
        atomic_store(&aof_replay_now, 0);
        log_notice("append-only log replay stopped by the shutdown (%" PRIu64 " records applied)",
                   L.records);
        return;
    }
    for (int n = 0; n < (delay > 0 ? 1 : 1000); n++) {
        aof_cmd c;
        if (!next_cmd(&c)) {
            replay_finish();
            return;
        }
        if (delay > 0) usleep((useconds_t)delay);
        L.cmds++;
        zvm_proc *p = make_proc(t, &c);
        if (!p) continue;
        L.stepping = true;
        L.finished_inline = false;
        zvm_step(p);
        L.stepping = false;
        if (!L.finished_inline) return; /* replay_done goes on */
    }
    thr_call_on(t, replay_step, NULL); /* let the thread serve others between steps */
}

bool aof_has_records(void) {
    for (int i = 0; i < L.nf; i++)
        if (L.f[i].valid > AOF_PREAMBLE) return true;
    return false;
}

void aof_start_after_load(void) {
    if (!aof_enabled()) return;
    L.start_ms = (int64_t)time(NULL) * 1000;
    if (!L.nf) {
        if (aof_begin_logging(L.append_gen, L.next_seq) != 0)
            log_error("the append-only log could not start: writes are not logged");
        return;
    }
    aof_set_loading(true);
    thr_call_on(srv->threads[0], replay_step, NULL);
}

void aof_remove_before(uint64_t generation) {
    char dir[4096];
    aofw_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t g;
        if (!parse_name(e->d_name, &g) || g >= generation) continue;
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            log_warning("cannot remove the old log %s: %s", path, strerror(errno));
    }
    closedir(d);
}

/* import.c -- RDBIMPORT: the core's --load-rdb runs it on worker thread 0, chunk after chunk, to
 * import a Redis RDB file (rdb_file.h walks it).  First every record is read and checked, the
 * checksum included, creating nothing; then each key is made by the command that makes it on
 * the thread owning its shard (a child call: SET for strings, RESTORE of the value's own bytes
 * for the rest, as a DUMP payload), with its absolute expiry (PXAT, or PEXPIREAT after RESTORE).
 * Keys already expired are left out; module values are reported by key and skipped.
 * Several load chunks run at once (all on worker 0, sharing the one walk): see import_run.
 *
 * Answers, for the core (core/rdb_import.c): "CHECKED <keys> <highest db>", "MORE <db> <offset>"
 * (run again, in database db; the pass has read the file up to offset), "END" (the walk is over,
 * other chunks still run), "DONE <keys> <expired> <skipped>" (from the last chunk), or an error
 * naming the offset. The file's path comes only from the process option
 * dump.load_rdb, which only the core sets (a client's connection has it only if the operator's
 * config gives it to a network); every chunk must carry it, the command is admin-only, runs only on
 * worker 0 and only once per server. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls.h"
#include "family.h"
#include "rdb_crc64.h"
#include "rdb_file.h"
#include "rdb_payload.h"

#define PATH_OPTION "dump.load_rdb"
/* Records checked, and keys made, per chunk: a chunk holds the locks of the keys it made. */
#define CHECK_CHUNK 20000
#define LOAD_CHUNK 512

enum { IMPORT_IDLE = 0, IMPORT_CHECK, IMPORT_LOAD, IMPORT_OVER };

/* The one import a server runs: only worker 0 touches it. */
static struct {
    int phase;
    uint8_t *map;
    size_t size;
    char path[512];
    rdb_walk w;
    uint64_t db;           /* the database of the keys the walk is at */
    uint64_t keys, max_db; /* what the check found */
    uint64_t loaded, expired, skipped;
    uint32_t active; /* LOAD chunks running (their keys may point into the map) */
    bool failed;     /* a chunk failed: the others stop, the last one out closes */
} imp;

static keel_module *dump_module;

void dump_import_init(keel_module *m) {
    dump_module = m;
}

static void import_close(void) {
    rdb_walk_free(&imp.w);
    if (imp.map) munmap(imp.map, imp.size);
    imp.map = NULL;
    imp.phase = IMPORT_OVER;
}

void dump_import_fini(keel_module *m) {
    (void)m;
    import_close(); /* an import a shutdown stopped half way */
}

static keel_op_result import_fail(keel_proc *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fails the import: the map stays until the last running chunk is gone (run_free). */
static keel_op_result import_fail(keel_proc *p, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    imp.failed = true;
    if (imp.active == 0) import_close();
    keel_reply_error(p, "ERR %s: %s", imp.path, msg);
    return KEEL_FAIL;
}

/* Opens and maps the file named by the process option, which op_rdbimport checked (IDLE ->
 * CHECK). */
static keel_op_result import_open(keel_proc *p) {
    const char *path = keel_proc_option(p, PATH_OPTION);
    snprintf(imp.path, sizeof imp.path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0) return import_fail(p, "cannot read it: %s", strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return import_fail(p, "cannot read it: not a regular file");
    }
    imp.size = (size_t)st.st_size;
    if (imp.size) {
        imp.map = mmap(NULL, imp.size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (imp.map == MAP_FAILED) {
            imp.map = NULL;
            int e = errno;
            close(fd);
            return import_fail(p, "cannot map it: %s", strerror(e));
        }
        madvise(imp.map, imp.size, MADV_SEQUENTIAL);
    }
    close(fd);
    if (!rdb_walk_begin(&imp.w, imp.map, imp.size))
        return import_fail(p, "%s (offset %zu)", imp.w.err, imp.w.err_at);
    imp.phase = IMPORT_CHECK;
    return KEEL_NEXT;
}

/* CHECK: up to CHECK_CHUNK records read and checked, nothing created. */
static keel_op_result import_check(keel_proc *p) {
    rdb_rec rec;
    for (int i = 0; i < CHECK_CHUNK; i++) {
        switch (rdb_walk_next(&imp.w, &rec)) {
        case RDB_REC_KEY:
        case RDB_REC_SKIPPED:
            imp.keys++;
            if (rec.db > imp.max_db) imp.max_db = rec.db;
            break;
        case RDB_REC_DB:
            break;
        case RDB_REC_ERROR:
            return import_fail(p, "%s (offset %zu)", imp.w.err, imp.w.err_at);
        case RDB_REC_END:
            if (imp.w.module_aux || imp.w.functions)
                keel_log(dump_module, KEEL_LOG_WARNING,
                         "--load-rdb %s: %" PRIu64 " MODULE_AUX record(s) and %" PRIu64
                         " FUNCTION librar(ies) skipped (Keel does not take them)",
                         imp.path, imp.w.module_aux, imp.w.functions);
            rdb_walk_free(&imp.w);
            rdb_walk_begin(&imp.w, imp.map, imp.size); /* read before: it succeeds */
            imp.phase = IMPORT_LOAD;
            char msg[64];
            snprintf(msg, sizeof msg, "CHECKED %" PRIu64 " %" PRIu64, imp.keys, imp.max_db);
            keel_reply_simple(p, msg);
            return KEEL_DONE;
        }
    }
    char msg[64];
    snprintf(msg, sizeof msg, "MORE 0 %zu", imp.w.pos);
    keel_reply_simple(p, msg);
    return KEEL_DONE;
}

/* A chunk of the LOAD phase in progress (register r0).  Several run at once (the core starts
 * them), each with its own key from the shared walk, so that while one waits for its child on
 * another thread the others go on. */
typedef struct import_run {
    uint64_t db;  /* the database this chunk runs in (the walk's when it started) */
    uint8_t *key; /* rec's key when the walk decoded it (LZF, integer): the walk moves on */
    size_t keycap;
    bool pending;  /* a child command runs on */
    bool have;     /* rec holds a key to make */
    bool is_set;   /* the pending child is SET ... NX (nil: the key existed) */
    bool expiring; /* the key is made: the pending child is its PEXPIREAT */
    uint32_t made; /* keys made by this chunk */
    rdb_rec rec;
    rdb_buf payload;
    char at[24];
    keel_arg argv[7];
} import_run;

static void run_free(void *state) {
    import_run *run = state;
    rdb_buf_free(&run->payload);
    free(run->key);
    free(run);
    if (--imp.active == 0 && imp.failed) import_close();
}

/* Keeps rec's key where the next walk step cannot overwrite it. */
static bool keep_key(import_run *run) {
    rdb_rec *rec = &run->rec;
    if (rec->key >= imp.map && rec->key + rec->klen <= imp.map + imp.size) return true;
    if (run->keycap < rec->klen + 1) {
        uint8_t *k = realloc(run->key, rec->klen + 1);
        if (!k) return false;
        run->key = k, run->keycap = rec->klen + 1;
    }
    memcpy(run->key, rec->key, rec->klen);
    rec->key = run->key;
    return true;
}

/* The child command that makes rec's key, or (run->expiring) sets the expiry of a key RESTORE
 * made: argc, into run->argv.  RESTORE is given no TTL: the expiry it would set is not a command,
 * and the append-only log records commands, so PEXPIREAT follows it. */
static uint32_t make_command(import_run *run) {
    const rdb_rec *rec = &run->rec;
    keel_arg *argv = run->argv;
    uint32_t argc = 0;
    bool expires = rec->expire_ms >= 0;
    if (expires) snprintf(run->at, sizeof run->at, "%" PRId64, rec->expire_ms);
    run->is_set = !run->expiring && rec->value->kind == RDB_KIND_STRING;
    if (run->expiring) {
        argv[argc++] = (keel_arg){"PEXPIREAT", 9};
        argv[argc++] = (keel_arg){(const char *)rec->key, rec->klen};
        argv[argc++] = (keel_arg){run->at, strlen(run->at)};
        return argc;
    }
    if (run->is_set) {
        const rdb_item *s = &rec->value->items[0];
        argv[argc++] = (keel_arg){"SET", 3};
        argv[argc++] = (keel_arg){(const char *)rec->key, rec->klen};
        argv[argc++] = (keel_arg){(const char *)s->ptr, s->len};
        argv[argc++] = (keel_arg){"NX", 2};
        if (expires) {
            argv[argc++] = (keel_arg){"PXAT", 4};
            argv[argc++] = (keel_arg){run->at, strlen(run->at)};
        }
        return argc;
    }
    rdb_buf *b = &run->payload;
    b->len = 0;
    rdb_put_byte(b, rec->type);
    rdb_put_bytes(b, rec->raw, rec->rawlen);
    rdb_put_footer(b, RDB_VERSION_REDIS);
    if (b->oom) return 0;
    argv[argc++] = (keel_arg){"RESTORE", 7};
    argv[argc++] = (keel_arg){(const char *)rec->key, rec->klen};
    argv[argc++] = (keel_arg){"0", 1};
    argv[argc++] = (keel_arg){(const char *)b->p, b->len};
    return argc;
}

/* The next key to make into run->rec: KEEL_NEXT with run->have set, KEEL_NEXT without it when the
 * chunk ends here (replied), or a failure. */
static keel_op_result next_key(keel_proc *p, import_run *run) {
    char msg[64];
    for (;;) {
        if (run->db != imp.db) { /* another chunk passed a SELECTDB: this one is done */
            snprintf(msg, sizeof msg, "MORE %" PRIu64 " %zu", imp.db, imp.w.pos);
            keel_reply_simple(p, msg);
            return KEEL_NEXT;
        }
        switch (rdb_walk_next(&imp.w, &run->rec)) {
        case RDB_REC_KEY:
            if (run->rec.expire_ms >= 0 && run->rec.expire_ms <= keel_now_ms(p)) {
                imp.expired++;
                continue;
            }
            if (!keep_key(run)) return import_fail(p, "out of memory");
            run->have = true;
            return KEEL_NEXT;
        case RDB_REC_SKIPPED:
            imp.skipped++;
            keel_log(dump_module, KEEL_LOG_WARNING,
                     "--load-rdb %s: key '%.*s' in database %" PRIu64 " (offset %zu) skipped: %s",
                     imp.path, (int)(run->rec.klen < 200 ? run->rec.klen : 200),
                     (const char *)run->rec.key, run->rec.db, run->rec.offset, run->rec.why);
            continue;
        case RDB_REC_DB:
            imp.db = run->rec.db;
            continue;       /* the check at the top ends this chunk if it changed */
        case RDB_REC_ERROR: /* the check read it all: only memory can fail now */
            return import_fail(p, "%s (offset %zu)", imp.w.err, imp.w.err_at);
        case RDB_REC_END:
            if (imp.active > 1) { /* the others still make keys: the core runs one more later */
                keel_reply_simple(p, "END");
                return KEEL_NEXT;
            }
            snprintf(msg, sizeof msg, "DONE %" PRIu64 " %" PRIu64 " %" PRIu64, imp.loaded,
                     imp.expired, imp.skipped);
            import_close();
            keel_reply_simple(p, msg);
            return KEEL_NEXT;
        }
    }
}

/* Runs the child command in run->argv (argc 0: it is pending), as dump_call does, but never
 * waiting for a key another process holds: the chunks make distinct keys, so that can only be
 * a key the file holds twice (and two chunks waiting for each other would never end). */
static keel_op_result import_call(keel_proc *p, import_run *run, uint32_t argc) {
    if (!run->pending) {
        keel_status st = keel_call_opts(p, argc, run->argv, KEEL_CALL_NOWAIT);
        if (st == KEEL_WAIT) {
            run->pending = true;
            return KEEL_BLOCK;
        }
        if (st != KEEL_OK) return import_fail(p, "internal call failed");
    }
    run->pending = false;
    if (!keel_call_reply(p) && !keel_call_conflict(p))
        return import_fail(p, "internal call gave no reply");
    return KEEL_NEXT;
}

/* LOAD: up to LOAD_CHUNK keys made, each by a child command on its shard's thread. */
static keel_op_result import_load(keel_proc *p) {
    bool fresh = p->reg[0].type != DK_PTR;
    import_run *run = dump_state(p, sizeof *run, run_free);
    if (!run) return import_fail(p, "out of memory");
    if (fresh) {
        imp.active++;
        run->db = imp.db; /* the core starts a chunk in the database its last answer named */
    }
    if (imp.failed) {
        keel_reply_error(p, "ERR %s: the import failed", imp.path);
        return KEEL_FAIL;
    }
    for (;;) {
        if (!run->pending && !run->have) {
            if (run->made >= LOAD_CHUNK) {
                char msg[40];
                snprintf(msg, sizeof msg, "MORE %" PRIu64 " %zu", imp.db, imp.w.pos);
                keel_reply_simple(p, msg);
                return KEEL_DONE;
            }
            keel_op_result res = next_key(p, run);
            if (res != KEEL_NEXT) return res;
            if (!run->have) return KEEL_DONE; /* replied */
        }
        uint32_t argc = run->pending ? 0 : make_command(run);
        if (!run->pending && argc == 0) return import_fail(p, "out of memory");
        keel_op_result res = import_call(p, run, argc);
        if (res != KEEL_NEXT) return res;
        const keel_reply *r = keel_call_reply(p);
        const rdb_rec *rec = &run->rec;
        int klen = (int)(rec->klen < 200 ? rec->klen : 200);
        bool conflict = !r || keel_call_conflict(p); /* another chunk holds it: a key twice */
        if (conflict || r->type == KEEL_REPLY_ERROR || (run->is_set && r->type == KEEL_REPLY_NIL)) {
            bool error = !conflict && r->type == KEEL_REPLY_ERROR;
            bool dup = conflict || r->type == KEEL_REPLY_NIL ||
                       (r->len >= 7 && !memcmp(r->v.s, "BUSYKEY", 7));
            char why[200];
            snprintf(why, sizeof why, "%.*s", error ? (int)r->len : 0, error ? r->v.s : "");
            keel_call_clear(p);
            if (dup)
                return import_fail(p,
                                   "key '%.*s' in database %" PRIu64 " appears twice (offset %zu)",
                                   klen, (const char *)rec->key, rec->db, rec->offset);
            return import_fail(p,
                               "key '%.*s' in database %" PRIu64 " (offset %zu) cannot be made: %s",
                               klen, (const char *)rec->key, rec->db, rec->offset, why);
        }
        keel_call_clear(p);
        if (!run->is_set && !run->expiring && rec->expire_ms >= 0) {
            run->expiring = true; /* then PEXPIREAT */
            continue;
        }
        imp.loaded++;
        run->made++;
        run->have = run->expiring = false;
        if (keel_charge(p, 1)) return KEEL_YIELD;
    }
}

/* Opcode: dump.rdbimport
 * One chunk of the --load-rdb import (see the top of this file).  Registers: r0 = the chunk's
 * state (import_run) while loading.  Reductions: 1 per key made (and the children's own).  May
 * yield between keys, and block while a child runs on another thread. */
static keel_op_result op_rdbimport(keel_proc *p, const keel_insn *in) {
    (void)in;
    const char *path = keel_proc_option(p, PATH_OPTION);
    bool ours = path && (imp.phase == IMPORT_IDLE || !strcmp(path, imp.path));
    if (keel_thread_self() != 0 || imp.phase == IMPORT_OVER || !ours) {
        keel_reply_error(p, "ERR RDBIMPORT runs only at start, for keel-server --load-rdb");
        return KEEL_FAIL;
    }
    keel_proc_log_as(p, 0, NULL); /* the log gets the keys' commands, never RDBIMPORT itself */
    if (imp.phase == IMPORT_IDLE) {
        keel_op_result res = import_open(p);
        if (res != KEEL_NEXT) return res;
    }
    if (imp.phase == IMPORT_CHECK) return import_check(p);
    return import_load(p);
}

static const keel_opcode_def import_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "dump.rdbimport",
     .fn = op_rdbimport,
     .synopsis = "one chunk of the --load-rdb import of a Redis RDB file",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def import_prog[] = {{.op = "dump.rdbimport"}, KEEL_END};

static const keel_cmd_def import_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "RDBIMPORT",
     .arity = 1,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_ADMIN,
     .summary = "Internal: one chunk of the keel-server --load-rdb import; refused otherwise.",
     .syntax = "RDBIMPORT",
     .group = "server",
     .since = "0.1.0",
     .program = import_prog},
};

const keel_family dump_import_family = KEEL_FAMILY(import_ops, import_cmds);

/* restore.c -- RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
 * [FREQ frequency]: checks the payload as Redis 7.0 does (version, CRC-64), decodes it
 * (rdb_value.h) and rebuilds the value through the commands that make it (SET, RPUSH, SADD,
 * ZADD, HSET), DUMP_BATCH elements a call, yielding between calls with the key locked; a
 * Keel-only payload (dump.c) through its type's load op (keel_key_store_saved).
 * Errors, and the order they are checked in, are Redis's.  IDLETIME and FREQ set the new key's
 * recency or LFU counter as Redis does, whichever the maxmemory-policy tracks
 * (keel_key_access_set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "family.h"
#include "rdb_payload.h"
#include "rdb_value.h"

enum { PHASE_CHECK = 0, PHASE_WRITE, PHASE_UNDO, PHASE_EXPIRE };

/* A RESTORE in progress (register r0). */
typedef struct restore_run {
    int phase;
    bool pending;       /* a child command runs on */
    rdb_value val;      /* the decoded payload */
    keel_type_id saved; /* a Keel-only payload's type (val: its name, its bytes), or
                           KEEL_TYPE_NONE */
    size_t next;        /* the first element not written yet */
    size_t batch;       /* elements the pending call writes */
    int64_t at;         /* the expiry (unix ms), -1 for none */
    int64_t idle, freq; /* IDLETIME and FREQ, -1 when not given */
    char at_text[24];   /* ... as PEXPIREAT's argument */
    keel_arg argv[2 + 2 * DUMP_BATCH];
    char scores[DUMP_BATCH][32];
    keel_arg *cmd; /* a stream's command (any number of arguments) */
    size_t cmdcap;
} restore_run;

static void run_free(void *state) {
    restore_run *run = state;
    rdb_value_free(&run->val);
    free(run->cmd);
    free(run);
}

/* A stream's next command (rdb_value.h: its count, then its arguments, NULL for the key) from
 * run->next, into run->cmd: its argc (0 when memory ran out or the count is bad); sets batch. */
static uint32_t next_stream_command(keel_proc *p, restore_run *run) {
    const rdb_value *v = &run->val;
    const rdb_item *count = &v->items[run->next];
    char text[24];
    size_t argc = 0;
    if (count->len && count->len < sizeof text) {
        memcpy(text, count->ptr, count->len);
        text[count->len] = 0;
        argc = strtoul(text, NULL, 10);
    }
    if (!argc || argc > v->count - run->next - 1) return 0;
    if (argc > run->cmdcap) {
        keel_arg *c = realloc(run->cmd, argc * sizeof *c);
        if (!c) return 0;
        run->cmd = c, run->cmdcap = argc;
    }
    for (size_t i = 0; i < argc; i++) {
        const rdb_item *it = &v->items[run->next + 1 + i];
        run->cmd[i] = it->ptr ? (keel_arg){(const char *)it->ptr, it->len} : p->argv[1];
    }
    run->batch = argc + 1;
    return (uint32_t)argc;
}

static keel_op_result fail(keel_proc *p, const char *msg) {
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

typedef struct restore_opts {
    bool replace, absttl;
    int64_t idle, freq;
} restore_opts;

/* Reads the options after the payload as Redis does: IDLETIME and FREQ exclude each other
 * (the second is a syntax error), each needs a value in range. */
static bool parse_options(keel_proc *p, restore_opts *o) {
    *o = (restore_opts){.idle = -1, .freq = -1};
    for (uint32_t j = 4; j < p->argc; j++) {
        const keel_arg *a = &p->argv[j];
        bool more = j + 1 < p->argc;
        if (keel_arg_is(a, "REPLACE")) {
            o->replace = true;
        } else if (keel_arg_is(a, "ABSTTL")) {
            o->absttl = true;
        } else if (keel_arg_is(a, "IDLETIME") && more && o->freq == -1) {
            if (!keel_arg_i64(&p->argv[++j], &o->idle))
                return fail(p, "ERR value is not an integer or out of range"), false;
            if (o->idle < 0) return fail(p, "ERR Invalid IDLETIME value, must be >= 0"), false;
        } else if (keel_arg_is(a, "FREQ") && more && o->idle == -1) {
            if (!keel_arg_i64(&p->argv[++j], &o->freq))
                return fail(p, "ERR value is not an integer or out of range"), false;
            if (o->freq < 0 || o->freq > 255)
                return fail(p, "ERR Invalid FREQ value, must be >= 0 and <= 255"), false;
        } else {
            return fail(p, "ERR syntax error"), false;
        }
    }
    return true;
}

/* A Keel-only payload's type, named by its first string: KEEL_TYPE_NONE when no loaded module
 * has it. */
static keel_type_id saved_type(const rdb_value *v) {
    char name[64];
    if (v->kind != RDB_KIND_LIST || v->count != 2 || v->items[0].len >= sizeof name)
        return KEEL_TYPE_NONE;
    memcpy(name, v->items[0].ptr, v->items[0].len);
    name[v->items[0].len] = 0;
    return keel_type_lookup(name);
}

/* Checks the payload's footer and decodes its value into run->val. */
static bool decode_payload(keel_proc *p, restore_run *run) {
    const keel_arg *payload = &p->argv[3];
    const uint8_t *b = (const uint8_t *)payload->ptr;
    uint16_t version;
    run->saved = KEEL_TYPE_NONE;
    if (!rdb_payload_verify(b, payload->len, &version) ||
        (version > RDB_VERSION_REDIS && version != RDB_VERSION_KEEL))
        return fail(p, "ERR DUMP payload version or checksum are wrong"), false;
    size_t body = payload->len - 10, used = 0;
    const char *why = NULL;
    if (body < 1) return fail(p, "ERR Bad data format"), false;
    bool keel_only = b[0] == RDB_TYPE_KEEL;
    rdb_status st =
        rdb_value_decode(keel_only ? RDB_TYPE_LIST : b[0], b + 1, body - 1, &used, &run->val, &why);
    if (st == RDB_OK && keel_only && (run->saved = saved_type(&run->val)) == KEEL_TYPE_NONE)
        st = RDB_EFORMAT;
    if (st == RDB_ENOMEM)
        return fail(p, "OOM command not allowed when used memory > 'maxmemory'."), false;
    if (st != RDB_OK || used != body - 1) return fail(p, "ERR Bad data format"), false;
    return true;
}

/* Everything RESTORE checks before it changes anything: KEEL_NEXT to go on writing, or the
 * result to return (an error replied, OK for a TTL already past, a hop or a wait).  Sets
 * run->phase to PHASE_WRITE when the value is to be written (the old one deleted first, unless
 * a Keel-only value replaces it in one store). */
static keel_op_result restore_check(keel_proc *p, restore_run *run) {
    const keel_arg *key = &p->argv[1];
    restore_opts o;
    if (!parse_options(p, &o)) return KEEL_FAIL;
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
    KEEL_OP_PROPAGATE(st);
    bool exists = st == KEEL_OK;
    if (exists && !o.replace) return fail(p, "BUSYKEY Target key name already exists.");
    int64_t ttl;
    if (!keel_arg_i64(&p->argv[2], &ttl))
        return fail(p, "ERR value is not an integer or out of range");
    if (ttl < 0) return fail(p, "ERR Invalid TTL value, must be >= 0");
    if (!decode_payload(p, run)) return KEEL_FAIL;
    run->idle = o.idle;
    run->freq = o.freq;
    int64_t now = keel_now_ms(p);
    run->at = ttl == 0 ? -1 : o.absttl ? ttl : (ttl > INT64_MAX - now ? INT64_MAX : now + ttl);
    bool expired = run->at >= 0 && run->at <= now;
    if (exists && (expired || run->saved == KEEL_TYPE_NONE)) { /* a saved value replaces */
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
    }
    if (expired) { /* nothing is created */
        if (exists) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key->ptr, key->len);
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    run->phase = PHASE_WRITE;
    return KEEL_NEXT;
}

/* The next write command for run->val's elements from run->next; sets run->batch. */
static uint32_t next_write(keel_proc *p, restore_run *run) {
    const rdb_value *v = &run->val;
    keel_arg *argv = run->argv;
    argv[1] = p->argv[1];
    uint32_t argc = 2;
    size_t left = v->count - run->next, n = left < DUMP_BATCH ? left : DUMP_BATCH;
    switch (v->kind) {
    case RDB_KIND_STRING:
        argv[0] = (keel_arg){"SET", 3};
        n = 1;
        break;
    case RDB_KIND_LIST:
        argv[0] = (keel_arg){"RPUSH", 5};
        break;
    case RDB_KIND_SET:
        argv[0] = (keel_arg){"SADD", 4};
        break;
    case RDB_KIND_HASH:
        argv[0] = (keel_arg){"HSET", 4};
        n = n < DUMP_BATCH ? n : DUMP_BATCH;
        n -= n % 2;
        break;
    case RDB_KIND_ZSET:
        argv[0] = (keel_arg){"ZADD", 4};
        break;
    case RDB_KIND_STREAM: /* next_stream_command */
        break;
    }
    for (size_t i = 0; i < n; i++) {
        const rdb_item *it = &v->items[run->next + i];
        if (v->kind == RDB_KIND_ZSET) {
            char *s = run->scores[i];
            snprintf(s, sizeof run->scores[i], "%.17g", v->scores[run->next + i]);
            argv[argc++] = (keel_arg){s, strlen(s)};
        }
        argv[argc++] = (keel_arg){(const char *)it->ptr, it->len};
    }
    run->batch = n;
    return argc;
}

/* Opcode: dump.restore
 * RESTORE argv[1] argv[2] argv[3] [options]: checks, deletes the old value (REPLACE), writes
 * the decoded elements with child commands, sets the expiry, replies OK.  Registers: r0 = the
 * run (restore_run).  Reductions: 1 per element written (and the children's own).  May yield
 * between batches (the key stays locked), hop and block. */
static keel_op_result op_restore(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    restore_run *run = dump_state(p, sizeof *run, run_free);
    if (!run) return fail(p, "OOM command not allowed when used memory > 'maxmemory'.");
    if (run->phase == PHASE_CHECK) {
        keel_op_result res = restore_check(p, run);
        if (res != KEEL_NEXT) return res;
    }
    if (run->phase == PHASE_WRITE && run->saved != KEEL_TYPE_NONE) {
        const rdb_item *bytes = &run->val.items[1];
        keel_status st =
            keel_key_store_saved(p, key->ptr, key->len, run->saved, bytes->ptr, bytes->len, NULL);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return fail(p, "ERR Bad data format");
        run->phase = PHASE_EXPIRE;
    }
    while (run->phase == PHASE_WRITE) {
        bool stream = run->val.kind == RDB_KIND_STREAM;
        uint32_t argc = run->pending ? 0
                        : stream     ? next_stream_command(p, run)
                                     : next_write(p, run);
        if (!run->pending && stream && !argc) {
            run->phase = PHASE_UNDO;
            break;
        }
        keel_op_result res = dump_call(p, &run->pending, argc, stream ? run->cmd : run->argv);
        if (res != KEEL_NEXT) return res;
        const keel_reply *r = keel_call_reply(p);
        bool refused = r->type == KEEL_REPLY_ERROR;
        keel_call_clear(p);
        if (refused) { /* a value Keel's commands refuse: leave nothing half-written */
            run->phase = PHASE_UNDO;
            break;
        }
        run->next += run->batch;
        if (run->next >= run->val.count)
            run->phase = PHASE_EXPIRE;
        else if (keel_charge(p, (int64_t)run->batch))
            return KEEL_YIELD;
    }
    if (run->phase == PHASE_UNDO) {
        keel_status st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
        return fail(p, "ERR Bad data format");
    }
    if (run->at >= 0 && run->saved != KEEL_TYPE_NONE) { /* logged as this RESTORE, TTL and all */
        keel_status st = keel_key_expire(p, key->ptr, key->len, run->at);
        KEEL_OP_PROPAGATE(st);
    } else if (run->at >= 0) {
        /* a child command, so the append-only log, which records the children's commands,
         * holds the expiry too */
        if (!run->pending) {
            snprintf(run->at_text, sizeof run->at_text, "%lld", (long long)run->at);
            run->argv[0] = (keel_arg){"PEXPIREAT", 9};
            run->argv[1] = *key;
            run->argv[2] = (keel_arg){run->at_text, strlen(run->at_text)};
        }
        keel_op_result res = dump_call(p, &run->pending, 3, run->argv);
        if (res != KEEL_NEXT) return res;
        keel_call_clear(p);
    }
    if (run->idle >= 0 || run->freq >= 0) { /* last: the writes above count as accesses */
        keel_status st = keel_key_access_set(p, key->ptr, key->len, run->idle, (int)run->freq);
        KEEL_OP_PROPAGATE(st);
    }
    keel_notify(p, KEEL_NOTIFY_GENERIC, "restore", key->ptr, key->len);
    keel_reply_ok(p);
    return KEEL_DONE;
}

static const keel_opcode_def restore_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "dump.restore",
     .fn = op_restore,
     .synopsis = "rebuild argv[1] from the DUMP payload argv[3] with expiry argv[2]",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def restore_prog[] = {{.op = "dump.restore"}, KEEL_END};

static const keel_cmd_def restore_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "RESTORE",
     .arity = -4,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Creates a key from a DUMP payload (Redis's or Keel's), with a TTL in ms.",
     .syntax = "RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] "
               "[FREQ frequency]",
     .group = "generic",
     .since = "0.1.0",
     .program = restore_prog},
};

const keel_family dump_restore_family = KEEL_FAMILY(restore_ops, restore_cmds);

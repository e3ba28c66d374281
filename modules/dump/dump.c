/* dump.c -- DUMP key: the key's value as a Redis 7.0 DUMP payload, read through the commands
 * that already show it (GET, LRANGE, SMEMBERS, ZRANGE ... WITHSCORES, HGETALL).
 *
 * Written as Redis reads it: strings as RDB strings (integers up to 32 bits integer-encoded,
 * nothing compressed), lists as a quicklist of listpacks (RDB_TYPE_LIST_QUICKLIST_2, DUMP_BATCH
 * elements a node), sets and hashes as their plain encodings, sorted sets with binary scores
 * (RDB_TYPE_ZSET_2), HyperLogLogs as the string of Redis's layout they are (their type's
 * snapshot form).  Redis rebuilds its own compact encodings from these when it loads them.
 * Types Redis does not have (btree ...) travel in a Keel-only payload: type byte
 * RDB_TYPE_KEEL, then an RDB list of two strings (the type's name, its snapshot bytes), and
 * version RDB_VERSION_KEEL, which Redis refuses as a version it does not know. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "family.h"
#include "rdb_payload.h"
#include "rdb_value.h"

typedef enum dump_kind { DK_STRING, DK_LIST, DK_SET, DK_ZSET, DK_HASH } dump_kind;

/* A DUMP in progress (register r0). */
typedef struct dump_run {
    bool pending; /* a child command runs on */
    bool started; /* the key was looked up, kind and out's header are set */
    bool counted; /* LLEN/ZCARD answered: total is known */
    dump_kind kind;
    uint16_t version;     /* the footer's: RDB_VERSION_REDIS, or RDB_VERSION_KEEL */
    uint64_t total, next; /* elements, and the first one not read yet */
    rdb_buf out;
} dump_run;

static void run_free(void *state) {
    dump_run *run = state;
    rdb_buf_free(&run->out);
    free(run);
}

/* A reply node's bytes as text: bulk strings as they are, numbers formatted into tmp. */
static bool node_text(const keel_reply *r, char *tmp, size_t cap, const char **s, size_t *n) {
    switch (r->type) {
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
    case KEEL_REPLY_VERBATIM:
        *s = r->v.s, *n = r->len;
        return true;
    case KEEL_REPLY_INT:
        *n = (size_t)snprintf(tmp, cap, "%lld", (long long)r->v.i);
        break;
    case KEEL_REPLY_UINT:
        *n = (size_t)snprintf(tmp, cap, "%llu", (unsigned long long)r->v.u);
        break;
    case KEEL_REPLY_DOUBLE:
        *n = (size_t)snprintf(tmp, cap, "%.17g", r->v.d);
        break;
    default:
        return false;
    }
    *s = tmp;
    return true;
}

static bool node_double(const keel_reply *r, double *d) {
    if (r->type == KEEL_REPLY_DOUBLE) return *d = r->v.d, true;
    if (r->type == KEEL_REPLY_INT) return *d = (double)r->v.i, true;
    char tmp[64], buf[64];
    const char *s;
    size_t n;
    if (!node_text(r, tmp, sizeof tmp, &s, &n) || n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    *d = strtod(buf, &end);
    return end == buf + n;
}

static bool is_aggregate(const keel_reply *r) {
    return r->type == KEEL_REPLY_ARRAY || r->type == KEEL_REPLY_SET || r->type == KEEL_REPLY_MAP;
}

static size_t children(const keel_reply *r) {
    return r->type == KEEL_REPLY_MAP ? 2 * (size_t)r->len : r->len;
}

/* Appends every child of r as an RDB string; false when one is not a string. */
static bool put_strings(rdb_buf *out, const keel_reply *r) {
    char tmp[64];
    for (const keel_reply *c = r->v.child; c; c = c->next) {
        const char *s;
        size_t n;
        if (!node_text(c, tmp, sizeof tmp, &s, &n)) return false;
        rdb_put_string(out, s, n);
    }
    return true;
}

/* One LRANGE batch as one listpack node of the quicklist. */
static bool put_list_node(rdb_buf *out, const keel_reply *r) {
    rdb_listpack lp;
    rdb_listpack_begin(&lp);
    char tmp[64];
    for (const keel_reply *c = r->v.child; c; c = c->next) {
        const char *s;
        size_t n;
        if (!node_text(c, tmp, sizeof tmp, &s, &n)) {
            rdb_buf_free(&lp.buf);
            return false;
        }
        rdb_listpack_add(&lp, s, n);
    }
    rdb_listpack_end(&lp);
    rdb_put_len(out, 2); /* container: packed */
    rdb_put_len(out, lp.buf.len);
    rdb_put_bytes(out, lp.buf.p, lp.buf.len);
    bool ok = !lp.buf.oom;
    rdb_buf_free(&lp.buf);
    return ok;
}

/* One ZRANGE ... WITHSCORES batch: member, then the score as 8 binary bytes.  The reply is flat
 * (member, score, ...) or, on a RESP3 connection, an array of [member, score] pairs; *pairs
 * counts what was written. */
static bool put_zset_batch(rdb_buf *out, const keel_reply *r, uint64_t *pairs) {
    char tmp[64];
    *pairs = 0;
    for (const keel_reply *c = r->v.child; c; c = c->next) {
        const keel_reply *member = c, *score = c->next;
        if (c->type == KEEL_REPLY_ARRAY && c->len == 2) {
            member = c->v.child;
            score = member->next;
        } else if (!score) {
            return false;
        } else {
            c = c->next;
        }
        const char *s;
        size_t n;
        double d;
        if (!node_text(member, tmp, sizeof tmp, &s, &n) || !node_double(score, &d)) return false;
        rdb_put_string(out, s, n);
        rdb_put_binary_double(out, d);
        (*pairs)++;
    }
    return true;
}

static keel_op_result unsupported(keel_proc *p, const char *type) {
    keel_reply_error(p, "ERR DUMP of a value of type '%s' is not supported", type);
    return KEEL_FAIL;
}

/* A value written whole from its type's snapshot form: a HyperLogLog as the Redis string it
 * is, any other module type in a Keel-only payload. */
static keel_op_result put_saved(keel_proc *p, dump_run *run, const keel_value *v,
                                const char *type) {
    keel_buf saved = {0};
    keel_status st = keel_value_save(p, v, &saved);
    if (st != KEEL_OK) {
        keel_free(saved.data);
        return unsupported(p, type);
    }
    if (strcmp(type, "hll") == 0) {
        rdb_put_byte(&run->out, RDB_TYPE_STRING);
    } else {
        rdb_put_byte(&run->out, RDB_TYPE_KEEL);
        rdb_put_len(&run->out, 2);
        rdb_put_len(&run->out, strlen(type));
        rdb_put_bytes(&run->out, type, strlen(type));
        run->version = RDB_VERSION_KEEL;
    }
    rdb_put_len(&run->out, saved.len);
    rdb_put_bytes(&run->out, saved.data, saved.len);
    keel_free(saved.data);
    return KEEL_NEXT;
}

/* Looks the key up: nil when absent; module types Redis does not read through commands
 * (HyperLogLogs, Keel-only types) are written at once; others set run->kind. */
static keel_op_result dump_start(keel_proc *p, dump_run *run, const keel_arg *key, bool *done) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
    KEEL_OP_PROPAGATE(st);
    *done = true;
    if (st == KEEL_NOTFOUND) {
        keel_reply_nil(p);
        return KEEL_DONE;
    }
    const char *type = keel_type_name(v.type);
    if (v.type == KEEL_TYPE_BOX) {
        run->kind = DK_STRING;
    } else if (strcmp(type, "list") == 0) {
        run->kind = DK_LIST;
    } else if (strcmp(type, "set") == 0) {
        run->kind = DK_SET;
    } else if (strcmp(type, "zset") == 0) {
        run->kind = DK_ZSET;
    } else if (v.type == keel_ns_type()) {
        run->kind = DK_HASH;
    } else {
        return put_saved(p, run, &v, type);
    }
    *done = false;
    run->started = true;
    return KEEL_NEXT;
}

/* The next child command for run (into argv, with text room for two numbers in nums). */
static uint32_t next_call(dump_run *run, const keel_arg *key, keel_arg *argv, char nums[2][24]) {
    argv[1] = *key;
    uint64_t last = run->next + DUMP_BATCH - 1;
    snprintf(nums[0], 24, "%llu", (unsigned long long)run->next);
    snprintf(nums[1], 24, "%llu", (unsigned long long)last);
    argv[2] = (keel_arg){nums[0], strlen(nums[0])};
    argv[3] = (keel_arg){nums[1], strlen(nums[1])};
    switch (run->kind) {
    case DK_STRING:
        argv[0] = (keel_arg){"GET", 3};
        return 2;
    case DK_SET:
        argv[0] = (keel_arg){"SMEMBERS", 8};
        return 2;
    case DK_HASH:
        argv[0] = (keel_arg){"HGETALL", 7};
        return 2;
    case DK_LIST:
        if (!run->counted) return argv[0] = (keel_arg){"LLEN", 4}, 2;
        argv[0] = (keel_arg){"LRANGE", 6};
        return 4;
    case DK_ZSET:
        if (!run->counted) return argv[0] = (keel_arg){"ZCARD", 5}, 2;
        argv[0] = (keel_arg){"ZRANGE", 6};
        argv[4] = (keel_arg){"WITHSCORES", 10};
        return 5;
    }
    return 0;
}

/* Takes a child's reply into run->out: true when the value is complete. */
static bool take_reply(keel_proc *p, dump_run *run, const keel_reply *r, bool *ok) {
    *ok = false;
    if (!run->counted && (run->kind == DK_LIST || run->kind == DK_ZSET)) {
        if (r->type != KEEL_REPLY_INT || r->v.i <= 0) return true;
        run->total = (uint64_t)r->v.i;
        run->counted = true;
        rdb_put_byte(&run->out, run->kind == DK_LIST ? RDB_TYPE_LIST_QUICKLIST_2 : RDB_TYPE_ZSET_2);
        rdb_put_len(&run->out,
                    run->kind == DK_LIST ? (run->total + DUMP_BATCH - 1) / DUMP_BATCH : run->total);
        return *ok = true, false;
    }
    if (run->kind == DK_STRING) {
        char tmp[64];
        const char *s;
        size_t n;
        if (!node_text(r, tmp, sizeof tmp, &s, &n)) return true;
        rdb_put_byte(&run->out, RDB_TYPE_STRING);
        rdb_put_string(&run->out, s, n);
        return *ok = true;
    }
    if (!is_aggregate(r) || r->len == 0) return true;
    keel_charge(p, (int64_t)children(r));
    switch (run->kind) {
    case DK_SET:
    case DK_HASH:
        rdb_put_byte(&run->out, run->kind == DK_SET ? RDB_TYPE_SET : RDB_TYPE_HASH);
        rdb_put_len(&run->out, run->kind == DK_SET ? children(r) : children(r) / 2);
        return *ok = put_strings(&run->out, r);
    case DK_LIST:
        *ok = put_list_node(&run->out, r);
        run->next += r->len;
        break;
    default: {
        uint64_t pairs;
        *ok = put_zset_batch(&run->out, r, &pairs);
        run->next += pairs;
        break;
    }
    }
    return run->next >= run->total;
}

/* Opcode: dump.dump
 * DUMP argv[1]: replies the value's payload, nil when the key is absent.  Registers: r0 = the
 * run (dump_run: what was read so far and the payload being written).  Reductions: 1 per
 * element read.  May yield between batches (the key stays locked), hop and block. */
static keel_op_result op_dump(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    dump_run *run = dump_state(p, sizeof *run, run_free);
    if (!run) return keel_reply_error(p, "OOM command not allowed"), KEEL_FAIL;
    if (!run->started) {
        bool done = false;
        keel_op_result res = dump_start(p, run, key, &done);
        if (res != KEEL_NEXT) return res;
        if (done) goto finish;
    }
    for (;;) {
        keel_arg argv[5];
        char nums[2][24];
        uint32_t argc = next_call(run, key, argv, nums);
        keel_op_result res = dump_call(p, &run->pending, argc, argv);
        if (res != KEEL_NEXT) return res;
        bool ok, complete = take_reply(p, run, keel_call_reply(p), &ok);
        keel_call_clear(p);
        if (!ok) return keel_reply_error(p, "ERR DUMP could not read the value"), KEEL_FAIL;
        if (complete) break;
        if (keel_charge(p, 1)) return KEEL_YIELD;
    }
finish:
    rdb_put_footer(&run->out, run->version ? run->version : RDB_VERSION_REDIS);
    if (run->out.oom) return keel_reply_error(p, "OOM command not allowed"), KEEL_FAIL;
    keel_reply_bulk(p, run->out.p, run->out.len);
    return KEEL_DONE;
}

static const keel_opcode_def dump_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "dump.dump",
     .fn = op_dump,
     .synopsis = "reply argv[1]'s value as a Redis DUMP payload",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def dump_prog[] = {{.op = "dump.dump"}, KEEL_END};

static const keel_cmd_def dump_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "DUMP",
     .arity = 2,
     .flags = KEEL_CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Returns a key's value serialized in Redis's DUMP format (RDB value, version, "
                "CRC-64), or nil.",
     .syntax = "DUMP key",
     .group = "generic",
     .since = "0.1.0",
     .program = dump_prog},
};

const keel_family dump_dump_family = KEEL_FAMILY(dump_ops, dump_cmds);

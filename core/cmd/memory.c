/* memory.c -- MEMORY USAGE key [SAMPLES count] (a key's bytes, as redis-cli --memkeys asks),
 * MEMORY STATS (the process's memory figures, without sampling the allocator again), MEMORY DOCTOR
 * (what those figures suggest), MEMORY HELP.
 */
#include "config.h"
#include "builtin.h"
#include "conn.h"
#include "keyspace.h"
#include "mem.h"
#include "memusage.h"
#include "net.h"
#include "shard.h"
#include "stats.h"
#include "thread.h"
#include "zvm.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MEMORY_DEFAULT_SAMPLES 5 /* as Redis */

/* Reads USAGE's options into *samples (0: every value).  Replies the error and returns false. */
static bool usage_options(keel_proc *p, uint64_t *samples) {
    *samples = MEMORY_DEFAULT_SAMPLES;
    for (uint32_t i = 3; i < p->argc; i += 2) {
        int64_t n;
        if (!keel_arg_is(&p->argv[i], "SAMPLES") || i + 1 >= p->argc) {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
        if (!keel_arg_i64(&p->argv[i + 1], &n)) {
            keel_reply_error(p, "ERR value is not an integer or out of range");
            return false;
        }
        if (n < 0) {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
        *samples = (uint64_t)n;
    }
    return true;
}

/* MEMORY USAGE: r0 = the walk (arena), null before the first slice. */
static keel_op_result memory_usage(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    if (kp->reg[0].type == DK_NULL) {
        uint64_t samples;
        if (!usage_options(kp, &samples)) return KEEL_FAIL;
        const keel_arg *key = &kp->argv[2];
        ks_space sp;
        uint64_t h;
        keel_status st = ns_resolve(p, key->ptr, key->len, false, &sp, &h);
        KEEL_OP_PROPAGATE(st);
        dk_ref r;
        if (st != KEEL_OK ||
            !ks_find(&sp, key->ptr, key->len, h, p->cur->now_ms, &r, NULL, false)) {
            keel_reply_nil(kp);
            return KEEL_DONE;
        }
        kp->reg[0] = dk_ptr(mu_start(p, sp.t, r, samples));
    }
    uint64_t bytes;
    if (!mu_step(p, (mu_walk *)kp->reg[0].v.ptr, &bytes)) return KEEL_YIELD;
    keel_reply_uint(kp, bytes);
    return KEEL_DONE;
}

/* MEMORY STATS: Redis's figures that Keel has, under Redis's names.  The peak is the one the
 * server recorded (INFO and a 100 ms tick sample it), as in Redis: this does not sample it again,
 * so total.allocated may pass it until the next sample. */
static keel_op_result memory_stats(keel_proc *p) {
    int64_t total = mem_process_used(), peak = mem_process_peak(), startup = stats_startup_bytes();
    int64_t keys = (int64_t)stats_shards_sum(offsetof(shard_db, nkeys));
    int64_t rss = (int64_t)mem_rss();
    int64_t net = total > startup ? total - startup : 0;
    keel_reply_map(p, 8);
    keel_reply_bulk(p, "peak.allocated", 14);
    keel_reply_int(p, peak);
    keel_reply_bulk(p, "total.allocated", 15);
    keel_reply_int(p, total);
    keel_reply_bulk(p, "startup.allocated", 17);
    keel_reply_int(p, startup);
    keel_reply_bulk(p, "keys.count", 10);
    keel_reply_int(p, keys);
    keel_reply_bulk(p, "keys.bytes-per-key", 18);
    keel_reply_int(p, keys ? net / keys : 0);
    keel_reply_bulk(p, "peak.percentage", 15);
    keel_reply_double(p, peak ? 100.0 * (double)total / (double)peak : 0);
    keel_reply_bulk(p, "fragmentation", 13);
    keel_reply_double(p, total ? (double)rss / (double)total : 0);
    keel_reply_bulk(p, "fragmentation.bytes", 19);
    keel_reply_int(p, rss - total);
    return KEEL_DONE;
}

/* Below this much allocated memory the doctor has nothing to judge. */
#define DOCTOR_MIN_BYTES (5 << 20)

/* MEMORY DOCTOR: a few sentences on what the memory figures suggest (the same figures STATS gives).
 */
static keel_op_result memory_doctor(keel_proc *p) {
    int64_t total = mem_process_used(), peak = mem_process_peak(), rss = (int64_t)mem_rss();
    char text[1024];
    size_t n = 0;
    if (total < DOCTOR_MIN_BYTES) {
        n = (size_t)snprintf(text, sizeof text,
                             "This server holds little data (%lld bytes allocated): there is "
                             "nothing to diagnose yet.\n",
                             (long long)total);
    } else {
        if (peak > total + total / 2)
            n += (size_t)snprintf(
                text + n, sizeof text - n,
                "Peak: the server once had %lld bytes allocated, more than 150%% of the %lld it "
                "has "
                "now; the allocator may keep some of that, so RSS can stay above the data.\n",
                (long long)peak, (long long)total);
        if (rss > total + total * 4 / 10 && rss - total > (10 << 20))
            n += (size_t)snprintf(
                text + n, sizeof text - n,
                "Fragmentation: the process's RSS (%lld bytes) is %.2f times the memory it has "
                "allocated (%lld); freed memory the allocator has not returned, or many "
                "deletions, cause this.\n",
                (long long)rss, (double)rss / (double)total, (long long)total);
        if (n == 0)
            n = (size_t)snprintf(text, sizeof text,
                                 "No memory issue found: %lld bytes allocated, peak %lld, RSS "
                                 "%lld.\n",
                                 (long long)total, (long long)peak, (long long)rss);
    }
    keel_reply_verbatim(p, "txt", text, n < sizeof text ? n : sizeof text - 1);
    return KEEL_DONE;
}

static keel_op_result memory_help(keel_proc *p) {
    static const char *const help[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Values nested in a namespace",
        "    are sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    };
    keel_reply_array(p, BUILTIN_COUNT(help));
    for (size_t i = 0; i < BUILTIN_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
    return KEEL_DONE;
}

/* MEMORY is a readonly command (USAGE reads a key); STATS also needs what INFO needs.  Checked
 * on the connection's thread: a command without keys runs there. */
static bool may_see_stats(keel_proc *p) {
    const keel_conn *c = zvm_of(p)->conn;
    return !c || (c->net->cf->permissions & (PERM_STATS | PERM_ADMIN));
}

/* Opcode: memory.run — MEMORY USAGE key [SAMPLES count] | STATS | DOCTOR | HELP.  USAGE: r0 = its
 * walk (memusage.h); reductions KS_VISIT_COST per entry visited below a namespace, yields between
 * slices (the key stays locked).  May hop (to the key's shard), block, yield. */
static keel_op_result op_memory(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "USAGE")) {
        if (p->argc < 3) {
            keel_reply_error(p, "ERR wrong number of arguments for 'memory|usage' command");
            return KEEL_FAIL;
        }
        return memory_usage(p);
    }
    if (keel_arg_is(sub, "STATS") && p->argc == 2) {
        if (!may_see_stats(p)) {
            keel_reply_error(p, "NOPERM this network does not allow 'memory|stats' (it needs the "
                                "stats permission)");
            return KEEL_FAIL;
        }
        return memory_stats(p);
    }
    if (keel_arg_is(sub, "DOCTOR") && p->argc == 2) {
        if (!may_see_stats(p)) {
            keel_reply_error(p, "NOPERM this network does not allow 'memory|doctor' (it needs the "
                                "stats permission)");
            return KEEL_FAIL;
        }
        return memory_doctor(p);
    }
    if (keel_arg_is(sub, "HELP") && p->argc == 2) return memory_help(p);
    if (keel_arg_is(sub, "STATS") || keel_arg_is(sub, "HELP") || keel_arg_is(sub, "DOCTOR")) {
        keel_reply_error(p, "ERR wrong number of arguments for 'memory|%s' command",
                         keel_arg_is(sub, "STATS")  ? "stats"
                         : keel_arg_is(sub, "HELP") ? "help"
                                                    : "doctor");
        return KEEL_FAIL;
    }
    keel_reply_error(p, "ERR unknown subcommand '%.128s'. Try MEMORY HELP.", sub->ptr);
    return KEEL_FAIL;
}

/* MEMORY USAGE key: the key is argv[2]; the other subcommands have none. */
static int memory_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc >= 3 && max >= 1 && keel_arg_is(&argv[1], "USAGE")) {
        pos[0] = 2;
        return 1;
    }
    return 0;
}

static const keel_opcode_def memory_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memory.run",
     .fn = op_memory,
     .synopsis = "MEMORY USAGE (a key's bytes, a slice at a time) / STATS / HELP",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};
static const keel_insn_def memory_prog[] = {{.op = "memory.run"}, KEEL_END};
static const keel_cmd_def memory_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MEMORY",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .keys = memory_keys,
     .summary = "Reports a key's bytes (USAGE; a namespace with the values below it, sampled) "
                "or the server's memory figures (STATS, needs the stats permission).",
     .syntax = "MEMORY USAGE key [SAMPLES count] | MEMORY STATS | MEMORY DOCTOR | MEMORY HELP",
     .group = "server",
     .since = "0.1.0",
     .program = memory_prog},
};

const keel_family cmd_memory_family = KEEL_FAMILY(memory_ops, memory_cmds);

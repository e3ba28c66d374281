/* cmd_flush.c -- memcached's flush_all on the keyspace: MC.FLUSH (now, or a deadline recorded in
 * the core for the client's namespace) and MC.FLUSHDUE (claims that deadline once it is due and
 * carries the flush out).  Both empty the client's namespace in its database (the whole database
 * at the top) with the core's shard walk. */
#include <time.h>
#include "counters.h"
#include "family.h"
#include "item.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

static keel_op_result fail(keel_proc *p, const char *msg) {
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

/* Opcode: memcache.flush
 * MC.FLUSH [delay]: with a delay that is a time to come, records the flush deadline of the
 * client's namespace in its database (replacing its earlier one), replies nil and finishes;
 * otherwise cancels that deadline and goes on to the flush that follows in the program.  Runs on
 * the connection's thread (KEEL_CMD_CONN).  Reductions 1. */
static keel_op_result op_flush(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t delay = 0;
    if (p->argc > 1 && !dk_dec_i64(p->argv[1].ptr, p->argv[1].len, &delay))
        return fail(p, "CLIENT_ERROR invalid exptime argument");
    keel_conn *c = keel_proc_conn(p);
    if (!c) return fail(p, "SERVER_ERROR flush_all needs a client");
    mc_count(MC_CMD_FLUSH);
    if (delay <= 0) {
        keel_deadline_cancel(c, MC_FLUSH_DEADLINE);
        return KEEL_NEXT;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t at = mc_expiry_at(delay, now);
    if (keel_deadline_set(c, MC_FLUSH_DEADLINE, at == MC_AT_EXPIRED ? now : at) != KEEL_OK)
        return fail(p, "SERVER_ERROR too many delayed flushes pending");
    keel_reply_nil(p);
    return KEEL_DONE;
}

/* Opcode: memcache.flush_due
 * MC.FLUSHDUE: claims the flush deadline of the client's namespace when it is due and goes on to
 * carry the flush out; otherwise replies nil and finishes.  Runs on the connection's thread.
 * Reductions 1. */
static keel_op_result op_flush_due(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    if (c && keel_deadline_take(c, MC_FLUSH_DEADLINE)) return KEEL_NEXT;
    keel_reply_nil(p);
    return KEEL_DONE;
}

static const keel_opcode_def flush_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.flush",
     .fn = op_flush,
     .synopsis = "flush_all: schedule a delayed flush (argv[1]) or cancel it and go on",
     .cost = 1},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.flush_due",
     .fn = op_flush_due,
     .synopsis = "claim the client namespace's due flush and go on, or finish",
     .cost = 1},
};

/* The flush itself is the core's shard walk, as FLUSHALL's: inside a namespace it empties only
 * that namespace. */
#define FLUSH_WALK                                                                                 \
    {.op = "shard.reset"}, {.op = "shard.enter"}, {.op = "server.flush_shard"},                    \
        {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 2},            \
        {.op = "memcache.nil"}, KEEL_END
static const keel_insn_def flush_prog[] = {{.op = "memcache.flush"}, FLUSH_WALK};
static const keel_insn_def flush_due_prog[] = {{.op = "memcache.flush_due"}, FLUSH_WALK};

static const keel_cmd_def flush_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MC.FLUSH",
     .arity = -1,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_CONN,
     .group = "memcache",
     .since = "0.1.0",
     .summary = "memcached flush_all: empties the client's namespace (in its network's database) "
                "now, or schedules that for delay seconds from now (an exptime: absolute beyond 30 "
                "days).",
     .syntax = "MC.FLUSH [delay]",
     .program = flush_prog},
    /* No permission and no AUTH needed: it only carries out, in the client's own namespace, what
     * a client allowed to write there asked for, at the time it asked for. */
    {.size = sizeof(keel_cmd_def),
     .name = "MC.FLUSHDUE",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH,
     .group = "memcache",
     .since = "0.1.0",
     .summary = "memcached protocol internal: carries out the flush_all scheduled for the "
                "client's namespace and database once it is due (by a client allowed to write); "
                "else nothing.",
     .syntax = "MC.FLUSHDUE",
     .program = flush_due_prog},
};

const keel_family mc_flush_family = KEEL_FAMILY(flush_ops, flush_cmds);

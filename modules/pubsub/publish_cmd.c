/* publish_cmd.c -- PUBLISH and SPUBLISH: a message to the subscribers of a channel of the
 * connection's namespace, through keel_publish (the path the core's own events take). */
#include "family.h"

/* Opcode: pubsub.publish
 * PUBLISH channel message (imm = 0), SPUBLISH shardchannel message (imm = KEEL_PUBLISH_SHARD), on
 * the connection's thread: publishes in the connection's namespace and replies how many
 * subscriptions it was sent to (publish.h: those there when it was published; the ones on other
 * threads get it a moment later).  No registers.  Reductions 1; never yields, never waits for a
 * subscriber. */
static keel_op_result op_publish(keel_proc *p, const keel_insn *in) {
    keel_conn *c = keel_proc_conn(p);
    uint32_t npath = 0;
    const keel_arg *path = c ? keel_conn_ns_path(c, &npath, NULL) : NULL;
    int64_t n = keel_publish(path, npath, (unsigned)in->imm, p->argv[1].ptr, p->argv[1].len,
                             p->argv[2].ptr, p->argv[2].len);
    keel_reply_int(p, n < 0 ? 0 : n);
    return KEEL_DONE;
}

static const keel_opcode_def opcodes[] = {
    PS_OP("pubsub.publish", op_publish,
          "publish argv[2] on channel argv[1] (imm: keel_publish flags)"),
};

static const keel_insn_def publish_prog[] = {{.op = "pubsub.publish", .imm = 0}, KEEL_END};
static const keel_insn_def spublish_prog[] = {{.op = "pubsub.publish", .imm = KEEL_PUBLISH_SHARD},
                                              KEEL_END};

/* A write: what other clients see changes (a network without the write permission cannot). */
static const keel_cmd_def commands[] = {
    {PS_CMD, .name = "PUBLISH", .arity = 3, .flags = KEEL_CMD_CONN | KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Posts a message to a channel of the connection's namespace; replies how many "
                "subscriptions "
                "(channel and matching patterns) it was sent to.",
     .syntax = "PUBLISH channel message", .program = publish_prog},
    {PS_CMD, .name = "SPUBLISH", .arity = 3,
     .flags = KEEL_CMD_CONN | KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Posts a message to a shard channel; replies how many subscribers it was sent to.",
     .syntax = "SPUBLISH shardchannel message", .program = spublish_prog},
};

const keel_family ps_publish_family = KEEL_FAMILY(opcodes, commands);

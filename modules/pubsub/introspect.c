/* introspect.c -- PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP: what the
 * server-wide view holds, as a client of a namespace may see it (its own namespace's channels,
 * by their names in it). */
#include "family.h"
#include "names.h"
#include "view.h"
#include <stdio.h>

static const char *const help_lines[] = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

static void reply_name(void *ctx, const char *name, size_t n) {
    keel_reply_bulk(ctx, name, n);
}

/* CHANNELS / SHARDCHANNELS [pattern]: the channels of the namespace with subscribers. */
static void reply_channels(keel_proc *p, ps_kind kind, const ps_id *here) {
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    view_channels(kind, here->bytes, here->name_off, p->argc == 3 ? &p->argv[2] : NULL, reply_name,
                  p);
    keel_reply_close(p);
}

/* NUMSUB / SHARDNUMSUB [channel ...]: each channel and its subscribers, flat. */
static void reply_numsub(keel_proc *p, ps_kind kind, const keel_arg *path, uint32_t npath) {
    keel_reply_array(p, 2 * (size_t)(p->argc - 2));
    for (uint32_t i = 2; i < p->argc; i++) {
        ps_id id;
        ps_id_make(&id, kind, path, npath, p->argv[i].ptr, p->argv[i].len);
        keel_reply_bulk(p, p->argv[i].ptr, p->argv[i].len);
        keel_reply_int(p, view_numsub(id.bytes, id.len));
        ps_id_done(&id);
    }
}

static keel_op_result wrong_args(keel_proc *p, const char *sub) {
    keel_reply_error(p, "ERR wrong number of arguments for 'pubsub|%s' command", sub);
    return KEEL_FAIL;
}

/* Opcode: pubsub.pubsub
 * PUBSUB subcommand [argument ...], on the connection's thread, about its namespace: CHANNELS and
 * SHARDCHANNELS list the channels with subscribers (whose names match the pattern), NUMSUB and
 * SHARDNUMSUB count each channel's subscribers (patterns not counted), NUMPAT counts the distinct
 * patterns subscribed to.  Replies and errors as Redis 7.0's.  No registers.  Reductions 1; never
 * yields (CHANNELS walks every channel at once, as Redis). */
static keel_op_result op_pubsub(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    uint32_t npath = 0;
    const keel_arg *path = c ? keel_conn_ns_path(c, &npath, NULL) : NULL;
    const keel_arg *sub = &p->argv[1];
    bool shard = keel_arg_is(sub, "SHARDCHANNELS") || keel_arg_is(sub, "SHARDNUMSUB");
    ps_kind kind = shard ? PS_SHARD : PS_CHANNEL;
    if (keel_arg_is(sub, "CHANNELS") || keel_arg_is(sub, "SHARDCHANNELS")) {
        if (p->argc > 3) {
            keel_reply_error(p,
                             "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                             "Try PUBSUB HELP.",
                             sub->ptr);
            return KEEL_FAIL;
        }
        ps_id here; /* an identity of the namespace, for its path */
        ps_id_make(&here, kind, path, npath, "", 0);
        reply_channels(p, kind, &here);
        ps_id_done(&here);
    } else if (keel_arg_is(sub, "NUMSUB") || keel_arg_is(sub, "SHARDNUMSUB")) {
        reply_numsub(p, kind, path, npath);
    } else if (keel_arg_is(sub, "NUMPAT")) {
        if (p->argc != 2) return wrong_args(p, "numpat");
        ps_id here;
        ps_id_make(&here, PS_PATTERN, path, npath, "", 0);
        keel_reply_int(p, view_numpat(here.bytes, here.name_off));
        ps_id_done(&here);
    } else if (keel_arg_is(sub, "HELP")) {
        if (p->argc != 2) return wrong_args(p, "help");
        keel_reply_array(p, KEEL_COUNT(help_lines));
        for (size_t i = 0; i < KEEL_COUNT(help_lines); i++)
            keel_reply_simple(p, help_lines[i]);
    } else {
        keel_reply_error(p, "ERR unknown subcommand '%.128s'. Try PUBSUB HELP.", sub->ptr);
        return KEEL_FAIL;
    }
    return KEEL_DONE;
}

void ps_info(keel_buf *out) {
    char text[160];
    int n = snprintf(
        text, sizeof text,
        "pubsub_channels:%llu\r\npubsub_patterns:%llu\r\npubsubshard_channels:%llu\r\n",
        (unsigned long long)view_distinct(PS_CHANNEL),
        (unsigned long long)view_distinct(PS_PATTERN), (unsigned long long)view_distinct(PS_SHARD));
    keel_buf_put(out, text, (size_t)n);
}

static const keel_opcode_def opcodes[] = {
    PS_OP("pubsub.pubsub", op_pubsub, "PUBSUB subcommands: channels and subscriber counts"),
};

static const keel_insn_def pubsub_prog[] = {{.op = "pubsub.pubsub"}, KEEL_END};

static const keel_cmd_def commands[] = {
    {PS_CMD, .name = "PUBSUB", .arity = -2, .flags = KEEL_CMD_CONN | KEEL_CMD_READONLY,
     .summary =
         "Tells which channels of the connection's namespace have subscribers, and how many.",
     .syntax =
         "PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | SHARDCHANNELS [pattern] | "
         "SHARDNUMSUB [shardchannel ...] | HELP",
     .program = pubsub_prog},
};

const keel_family ps_introspect_family = KEEL_FAMILY(opcodes, commands);

/* subscribe.c -- SUBSCRIBE PSUBSCRIBE SSUBSCRIBE and UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE: a
 * connection's subscriptions, in its namespace, each confirmed by a push of its own. */
#include "client.h"
#include "family.h"
#include "names.h"

/* One confirmation: [word, name (nil: none), count], a push (a plain array in RESP2). */
static void reply_confirm(keel_proc *p, const char *word, const keel_arg *name, uint32_t count) {
    keel_reply_open(p, KEEL_REPLY_PUSH);
    keel_reply_bulk(p, word, strlen(word));
    if (name)
        keel_reply_bulk(p, name->ptr, name->len);
    else
        keel_reply_nil(p);
    keel_reply_int(p, count);
    keel_reply_close(p);
}

/* Opcode: pubsub.subscribe
 * SUBSCRIBE channel [channel ...] (imm = PS_CHANNEL), PSUBSCRIBE pattern ... (PS_PATTERN),
 * SSUBSCRIBE shardchannel ... (PS_SHARD), on the connection's thread: subscribes to each name in
 * the connection's namespace and replies one confirmation per name with the connection's count
 * after it (channels + patterns; shard channels for SSUBSCRIBE), as Redis.  Already subscribed:
 * confirmed again, nothing changes.  No registers.  Reductions 1; never yields (a confirmation
 * must go out before the messages of its channel, so it is all done at once). */
static keel_op_result op_subscribe(keel_proc *p, const keel_insn *in) {
    ps_kind kind = (ps_kind)in->imm;
    keel_conn *c = keel_proc_conn(p);
    ps_client *cl = c ? client_make(c) : NULL;
    if (!cl) { /* an EXEC whose client has gone */
        keel_reply_error(p, "ERR the connection is closed");
        return KEEL_FAIL;
    }
    uint32_t npath;
    const keel_arg *path = keel_conn_ns_path(c, &npath, NULL);
    for (uint32_t i = 1; i < p->argc; i++) {
        ps_id id;
        ps_id_make(&id, kind, path, npath, p->argv[i].ptr, p->argv[i].len);
        int r = client_subscribe(cl, &id);
        ps_id_done(&id);
        if (r < 0) {
            keel_reply_error(p, "ERR out of memory");
            return KEEL_FAIL;
        }
        reply_confirm(p, ps_kind_word_subscribe(kind), &p->argv[i], client_count(cl, kind));
    }
    return KEEL_DONE;
}

/* Drops every subscription of kind, one confirmation each, in the order they were made; one
 * confirmation with a nil name when there is none. */
static void unsubscribe_all(keel_proc *p, ps_client *cl, ps_kind kind) {
    const char *word = ps_kind_word_unsubscribe(kind);
    ps_sub *s = cl ? client_next(cl, NULL, kind) : NULL;
    if (!s) {
        reply_confirm(p, word, NULL, cl ? client_count(cl, kind) : 0);
        return;
    }
    while (s) {
        ps_sub *next = client_next(cl, s, kind);
        keel_reply_open(p, KEEL_REPLY_PUSH);
        keel_reply_bulk(p, word, strlen(word));
        keel_reply_bulk(p, s->id + s->name_off, s->len - s->name_off); /* copied: s goes now */
        client_drop(cl, s);
        keel_reply_int(p, client_count(cl, kind));
        keel_reply_close(p);
        s = next;
    }
}

/* Opcode: pubsub.unsubscribe
 * UNSUBSCRIBE [channel ...] (imm = PS_CHANNEL), PUNSUBSCRIBE [pattern ...] (PS_PATTERN),
 * SUNSUBSCRIBE [shardchannel ...] (PS_SHARD), on the connection's thread: drops the names given
 * (in the connection's namespace), each confirmed even when it was not subscribed, or without
 * names every subscription of the kind, whatever namespace it was made in.  No registers.
 * Reductions 1; never yields. */
static keel_op_result op_unsubscribe(keel_proc *p, const keel_insn *in) {
    ps_kind kind = (ps_kind)in->imm;
    keel_conn *c = keel_proc_conn(p);
    ps_client *cl = c ? client_get(c) : NULL;
    if (p->argc == 1) {
        unsubscribe_all(p, cl, kind);
        return KEEL_DONE;
    }
    uint32_t npath;
    const keel_arg *path = c ? keel_conn_ns_path(c, &npath, NULL) : NULL;
    for (uint32_t i = 1; i < p->argc; i++) {
        if (cl) {
            ps_id id;
            ps_id_make(&id, kind, path, c ? npath : 0, p->argv[i].ptr, p->argv[i].len);
            client_unsubscribe(cl, id.bytes, id.len);
            ps_id_done(&id);
        }
        reply_confirm(p, ps_kind_word_unsubscribe(kind), &p->argv[i],
                      cl ? client_count(cl, kind) : 0);
    }
    return KEEL_DONE;
}

static const keel_opcode_def opcodes[] = {
    PS_OP("pubsub.subscribe", op_subscribe,
          "subscribe the connection to each name (imm: the kind)"),
    PS_OP("pubsub.unsubscribe", op_unsubscribe,
          "drop the connection's subscriptions (imm: the kind)"),
};

#define PROG(NAME, OP, KIND) static const keel_insn_def NAME[] = {{.op = OP, .imm = KIND}, KEEL_END}
PROG(subscribe_prog, "pubsub.subscribe", PS_CHANNEL);
PROG(psubscribe_prog, "pubsub.subscribe", PS_PATTERN);
PROG(ssubscribe_prog, "pubsub.subscribe", PS_SHARD);
PROG(unsubscribe_prog, "pubsub.unsubscribe", PS_CHANNEL);
PROG(punsubscribe_prog, "pubsub.unsubscribe", PS_PATTERN);
PROG(sunsubscribe_prog, "pubsub.unsubscribe", PS_SHARD);

/* Allowed in subscribed mode; they read no data but need the read permission. */
#define SUB_FLAGS (KEEL_CMD_CONN | KEEL_CMD_PUBSUB | KEEL_CMD_READONLY)

static const keel_cmd_def commands[] = {
    {PS_CMD, .name = "SUBSCRIBE", .arity = -2, .flags = SUB_FLAGS,
     .summary = "Listens for messages published to the channels (in the connection's namespace).",
     .syntax = "SUBSCRIBE channel [channel ...]", .program = subscribe_prog},
    {PS_CMD, .name = "PSUBSCRIBE", .arity = -2, .flags = SUB_FLAGS,
     .summary =
         "Listens for messages published to the channels of the connection's namespace that match "
         "the glob-style patterns.",
     .syntax = "PSUBSCRIBE pattern [pattern ...]", .program = psubscribe_prog},
    {PS_CMD, .name = "SSUBSCRIBE", .arity = -2, .flags = SUB_FLAGS,
     .summary = "Listens for messages published to the shard channels (SPUBLISH).",
     .syntax = "SSUBSCRIBE shardchannel [shardchannel ...]", .program = ssubscribe_prog},
    {PS_CMD, .name = "UNSUBSCRIBE", .arity = -1, .flags = SUB_FLAGS,
     .summary = "Stops listening to the channels, or to every channel.",
     .syntax = "UNSUBSCRIBE [channel [channel ...]]", .program = unsubscribe_prog},
    {PS_CMD, .name = "PUNSUBSCRIBE", .arity = -1, .flags = SUB_FLAGS,
     .summary = "Stops listening to the patterns, or to every pattern.",
     .syntax = "PUNSUBSCRIBE [pattern [pattern ...]]", .program = punsubscribe_prog},
    {PS_CMD, .name = "SUNSUBSCRIBE", .arity = -1, .flags = SUB_FLAGS,
     .summary = "Stops listening to the shard channels, or to every shard channel.",
     .syntax = "SUNSUBSCRIBE [shardchannel [shardchannel ...]]", .program = sunsubscribe_prog},
};

const keel_family ps_subscribe_family = KEEL_FAMILY(opcodes, commands);

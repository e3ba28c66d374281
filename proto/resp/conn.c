/* conn.c -- connection commands of the RESP protocol: HELLO, QUIT, RESET and REPLY.SYNTAX. */
#include <string.h>
#include <keel/sdk.h>
#include "conn.h"
#include "state.h"

/* ---- opcodes ---- */

/* resp.hello: HELLO [protover [AUTH username password] [SETNAME clientname]]
 * Reads argv; no registers.  Cost 1; never yields.  Authenticates and names the connection
 * when asked, records the RESP version for the connection (it takes effect at this reply,
 * see protocol.c), and replies with the server's description as a map: Redis's seven fields,
 * version being KEEL_REDIS_VERSION, the release whose behaviour Keel follows (INFO has Keel's
 * own version as keel_version). */
static keel_op_result op_hello(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    resp_state *st = c ? keel_conn_proto_state(c, "resp") : NULL;
    if (!st) {
        keel_reply_error(p, "NOPROTO HELLO needs a RESP connection");
        return KEEL_FAIL;
    }
    int64_t version = 0;
    uint32_t j = 1;
    if (p->argc >= 2) {
        if (!keel_arg_i64(&p->argv[1], &version)) {
            keel_reply_error(p, "ERR Protocol version is not an integer or out of range");
            return KEEL_FAIL;
        }
        if (version < 2 || version > 3) {
            keel_reply_error(p, "NOPROTO unsupported protocol version");
            return KEEL_FAIL;
        }
        j = 2;
    }
    const keel_arg *user = NULL, *pass = NULL, *name = NULL;
    for (; j < p->argc; j++) {
        uint32_t more = p->argc - 1 - j;
        const keel_arg *opt = &p->argv[j];
        if (keel_arg_is(opt, "AUTH") && more >= 2) {
            user = &p->argv[j + 1];
            pass = &p->argv[j + 2];
            j += 2;
        } else if (keel_arg_is(opt, "SETNAME") && more >= 1) {
            name = &p->argv[j + 1];
            j++;
        } else {
            keel_reply_error(p, "ERR Syntax error in HELLO option '%.*s'", (int)opt->len, opt->ptr);
            return KEEL_FAIL;
        }
    }
    if (user && keel_conn_auth(c, user->ptr, user->len, pass->ptr, pass->len) != KEEL_OK) {
        keel_reply_error(p, "WRONGPASS invalid username-password pair or user is disabled.");
        return KEEL_FAIL;
    }
    if (name && keel_conn_set_name(c, name->ptr, name->len) != KEEL_OK) {
        keel_reply_error(p, "ERR Client names cannot contain spaces, newlines or special "
                            "characters.");
        return KEEL_FAIL;
    }
    if (version) {
        st->hello_version = (uint8_t)version;
        keel_conn_set_out_of_band(c, version == 3); /* RESP3 pushes: no subscribed mode */
        /* for modules whose reply shapes differ by version (zsets.so's WITHSCORES pairs) */
        keel_conn_option_set(c, "resp.protover", version == 3 ? "3" : NULL);
    }
    int shown = st->hello_version ? st->hello_version : resp_state_version(st);

    keel_reply_map(p, 7);
    keel_reply_bulk(p, "server", 6);
    keel_reply_bulk(p, "keel", 4);
    keel_reply_bulk(p, "version", 7); /* the Redis release Keel behaves as, as INFO says */
    keel_reply_bulk(p, KEEL_REDIS_VERSION, sizeof KEEL_REDIS_VERSION - 1);
    keel_reply_bulk(p, "proto", 5);
    keel_reply_int(p, shown);
    keel_reply_bulk(p, "id", 2);
    keel_reply_int(p, (int64_t)keel_conn_id(c));
    keel_reply_bulk(p, "mode", 4);
    keel_reply_bulk(p, "standalone", 10);
    keel_reply_bulk(p, "role", 4);
    keel_reply_bulk(p, "master", 6);
    keel_reply_bulk(p, "modules", 7);
    keel_reply_array(p, 0);
    return KEEL_DONE;
}

/* resp.quit: QUIT
 * No operands.  Cost 1; never yields.  Replies +OK and has the connection closed once that
 * reply (and every one before it) is written. */
static keel_op_result op_quit(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    if (c) keel_conn_close_after_reply(c);
    keel_reply_ok(p);
    return KEEL_DONE;
}

/* resp.reset: RESET
 * No operands.  Cost 1; never yields.  Brings the connection back to how it started (Redis 6.2's
 * RESET): the core's part (MULTI, watched keys, namespace, database, name, authentication,
 * subscriptions through their module's hook) by keel_conn_reset, and RESP2 in the network's
 * reply syntax from this reply on (protocol.c switches at it); replies +RESET. */
static keel_op_result op_reset(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    resp_state *st = c ? keel_conn_proto_state(c, "resp") : NULL;
    if (!st) {
        keel_reply_error(p, "NOPROTO RESET needs a RESP connection");
        return KEEL_FAIL;
    }
    keel_conn_reset(c);
    st->hello_version = 2; /* what a HELLO without version now reports */
    st->syntax_asked = 0;
    keel_conn_option_set(c, "resp.protover", NULL);
    keel_reply_simple(p, "RESET");
    return KEEL_DONE;
}

/* resp.syntax: REPLY.SYNTAX [resp | json | python]
 * Reads argv; no registers.  Cost 1; never yields.  Replies the reply syntax in effect from this
 * reply on, as a simple string ("json"); the encoder switches at that reply (protocol.c), so
 * earlier replies still go out in the old syntax and this one in the new. */
static keel_op_result op_syntax(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    resp_state *st = c ? keel_conn_proto_state(c, "resp") : NULL;
    if (!st) {
        keel_reply_error(p, "NOPROTO REPLY.SYNTAX needs a RESP connection");
        return KEEL_FAIL;
    }
    if (p->argc > 2) {
        keel_reply_error(p, "ERR wrong number of arguments for 'reply.syntax' command");
        return KEEL_FAIL;
    }
    if (p->argc == 2) {
        int syntax = resp_syntax_parse(p->argv[1].ptr, p->argv[1].len);
        if (syntax < 0) {
            keel_reply_error(p, "ERR unknown reply syntax '%.32s' (use resp, json or python)",
                             p->argv[1].ptr);
            return KEEL_FAIL;
        }
        st->syntax_asked = (uint8_t)(syntax + 1);
    }
    keel_reply_simple(p, resp_syntax_name(st->syntax_asked ? st->syntax_asked - 1 : st->syntax));
    return KEEL_DONE;
}

static const keel_opcode_def resp_conn_opcodes[] = {
    {
        .size = sizeof(keel_opcode_def),
        .name = "resp.hello",
        .fn = op_hello,
        .synopsis = "HELLO: switch RESP version, authenticate, name the connection",
        .cost = 1,
    },
    {
        .size = sizeof(keel_opcode_def),
        .name = "resp.quit",
        .fn = op_quit,
        .synopsis = "QUIT: reply OK, close the connection after the reply",
        .cost = 1,
    },
    {
        .size = sizeof(keel_opcode_def),
        .name = "resp.reset",
        .fn = op_reset,
        .synopsis = "RESET: bring the connection back to how it started",
        .cost = 1,
    },
    {
        .size = sizeof(keel_opcode_def),
        .name = "resp.syntax",
        .fn = op_syntax,
        .synopsis = "REPLY.SYNTAX: choose how replies are written (resp, json, python)",
        .cost = 1,
    },
};

/* ---- commands ---- */

static const keel_insn_def hello_program[] = {
    {.op = "resp.hello", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE},
    KEEL_END,
};

static const keel_insn_def quit_program[] = {
    {.op = "resp.quit", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE},
    KEEL_END,
};

static const keel_insn_def reset_program[] = {
    {.op = "resp.reset", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE},
    KEEL_END,
};

static const keel_insn_def syntax_program[] = {
    {.op = "resp.syntax", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE},
    KEEL_END,
};

static const keel_cmd_def resp_conn_commands[] = {
    {
        .size = sizeof(keel_cmd_def),
        .name = "HELLO",
        .arity = -1,
        .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST,
        .summary = "Handshakes with the server: RESP version, authentication, client name.",
        .syntax = "HELLO [protover [AUTH username password] [SETNAME clientname]]",
        .group = "connection",
        .since = "0.1.0",
        .program = hello_program,
    },
    {
        .size = sizeof(keel_cmd_def),
        .name = "QUIT",
        .arity = -1,
        .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_PUBSUB,
        .summary = "Closes the connection once the replies before it are sent.",
        .syntax = "QUIT",
        .group = "connection",
        .since = "0.1.0",
        .program = quit_program,
    },
    {
        .size = sizeof(keel_cmd_def),
        .name = "RESET",
        .arity = 1,
        .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST | KEEL_CMD_PUBSUB,
        .summary =
            "Resets the connection: leaves MULTI and subscribed mode, forgets watched keys, the "
            "name and authentication, returns to the network's namespace, database and reply "
            "syntax, and to RESP2.",
        .syntax = "RESET",
        .group = "connection",
        .since = "0.1.0",
        .program = reset_program,
    },
    {
        .size = sizeof(keel_cmd_def),
        .name = "REPLY.SYNTAX",
        .arity = -1,
        .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST,
        .summary =
            "Chooses how this connection's replies are written: RESP, one JSON value per line, or "
            "one Python literal per line; without an argument, tells which.",
        .syntax = "REPLY.SYNTAX [resp | json | python]",
        .group = "connection",
        .since = "0.1.0",
        .program = syntax_program,
    },
};
const keel_family resp_conn_family = KEEL_FAMILY(resp_conn_opcodes, resp_conn_commands);

/* ---- the version a HELLO reply announces ---- */

int resp_hello_reply_version(const keel_reply *r) {
    if (!r || r->type != KEEL_REPLY_MAP) return 0;
    const keel_reply *k = r->v.child;
    for (uint32_t i = 0; i < r->len && k && k->next; i++, k = k->next->next) {
        const keel_reply *v = k->next;
        if (k->type == KEEL_REPLY_BULK && k->len == 5 && memcmp(k->v.s, "proto", 5) == 0)
            return v->type == KEEL_REPLY_INT && (v->v.i == 2 || v->v.i == 3) ? (int)v->v.i : 0;
    }
    return 0;
}

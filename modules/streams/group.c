/* group.c -- consumer groups: XGROUP CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP. */
#include "family.h"
#include "sobj.h"

#include <string.h>

enum { SUB_HELP = 0, SUB_CREATE, SUB_SETID, SUB_DESTROY, SUB_CREATECONSUMER, SUB_DELCONSUMER };

static const xs_subcmd subs[] = {
    [SUB_HELP] = {"help", 2},
    [SUB_CREATE] = {"create", -5},
    [SUB_SETID] = {"setid", -5},
    [SUB_DESTROY] = {"destroy", 4},
    [SUB_CREATECONSUMER] = {"createconsumer", 5},
    [SUB_DELCONSUMER] = {"delconsumer", 5},
};

static const char *const help[] = {
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Print this help.",
};

/* CREATE's MKSTREAM and ENTRIESREAD, SETID's ENTRIESREAD (from argv[5]). */
static bool group_options(keel_proc *p, int sub, bool *mkstream, int64_t *read) {
    *mkstream = false;
    *read = -1;
    for (uint32_t i = 5; i < p->argc;) {
        if (sub == SUB_CREATE && keel_arg_is(&p->argv[i], "MKSTREAM")) {
            *mkstream = true;
            i++;
        } else if (keel_arg_is(&p->argv[i], "ENTRIESREAD") && i + 1 < p->argc) {
            if (!xs_arg_int(p, &p->argv[i + 1], read)) return false;
            if (*read < 0 && *read != -1) {
                xs_error(p, "ERR value for ENTRIESREAD must be positive or -1");
                return false;
            }
            i += 2;
        } else {
            xs_error(p,
                     "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                     "Try XGROUP HELP.",
                     p->argv[1].ptr);
            return false;
        }
    }
    return true;
}

static bool is_dollar(const keel_arg *a) {
    return a->len == 1 && a->ptr[0] == '$';
}

static keel_op_result create(keel_proc *p, xs_stream *s, const keel_arg *key, int64_t read) {
    const keel_arg *name = &p->argv[3];
    dk_sid id = {0, 0};
    if (is_dollar(&p->argv[4])) {
        if (s) id = s->last_id;
    } else if (!xs_parse_id(p, &p->argv[4], true, 0, &id, NULL)) {
        return KEEL_FAIL;
    }
    if (s && xs_group_find(&s->groups, name->ptr, name->len))
        return xs_error(p, "BUSYGROUP Consumer Group name already exists");
    if (!s && xs_create(p, key, &s) != KEEL_OK) return xs_oom(p);
    if (!xs_group_add(&s->groups, name->ptr, name->len, id, read)) return xs_oom(p);
    keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-create", key->ptr, key->len);
    keel_reply_ok(p);
    return KEEL_NEXT;
}

/* Opcode: streams.xgroup
 * XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n] | SETID key group id|$ [ENTRIESREAD n]
 * | DESTROY key group | CREATECONSUMER key group consumer | DELCONSUMER key group consumer |
 * HELP, as Redis 7.0 (DESTROY wakes the group's blocked readers, who end with NOGROUP).
 * Reductions 1 (DELCONSUMER: 1 per pending entry of the group).  May hop, block. */
static keel_op_result op_xgroup(keel_proc *p, const keel_insn *in) {
    (void)in;
    int sub = xs_subcommand(p, "xgroup", subs, sizeof subs / sizeof subs[0]);
    if (sub < 0) return KEEL_FAIL;
    if (sub == SUB_HELP) {
        xs_reply_help(p, help, sizeof help / sizeof help[0]);
        return KEEL_NEXT;
    }
    if (sub == SUB_SETID && p->argc != 5 && p->argc != 7)
        return xs_error(p,
                        "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                        "Try XGROUP HELP.",
                        p->argv[1].ptr);
    if (sub == SUB_CREATE && p->argc > 8)
        return xs_error(p,
                        "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                        "Try XGROUP HELP.",
                        p->argv[1].ptr);
    bool mkstream = false;
    int64_t read = -1;
    if ((sub == SUB_CREATE || sub == SUB_SETID) && !group_options(p, sub, &mkstream, &read))
        return KEEL_FAIL;
    const keel_arg *key = &p->argv[2], *name = &p->argv[3];
    xs_stream *s = NULL;
    keel_status st = xs_find(p, key, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_NOTFOUND) s = NULL;
    if (!s && !mkstream)
        return xs_error(p, "ERR The XGROUP subcommand requires the key to exist. Note that for "
                           "CREATE you may want to use the MKSTREAM option to create an empty "
                           "stream automatically.");
    xs_group *g = s ? xs_group_find(&s->groups, name->ptr, name->len) : NULL;
    if (!g && (sub == SUB_SETID || sub == SUB_CREATECONSUMER || sub == SUB_DELCONSUMER))
        return xs_error(p, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        (int)name->len, name->ptr, (int)key->len, key->ptr);
    if (sub == SUB_CREATE) return create(p, s, key, read);
    if (sub == SUB_SETID) {
        dk_sid id = s->last_id;
        if (!is_dollar(&p->argv[4]) && !xs_parse_id(p, &p->argv[4], false, 0, &id, NULL))
            return KEEL_FAIL;
        g->last_id = id;
        g->entries_read = read;
        keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-setid", key->ptr, key->len);
        keel_reply_ok(p);
        return KEEL_NEXT;
    }
    if (sub == SUB_DESTROY) {
        if (!g) {
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        keel_charge(p, (int64_t)g->npel);
        xs_group_remove(&s->groups, g);
        keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-destroy", key->ptr, key->len);
        keel_key_signal(p, key->ptr, key->len);
        keel_reply_int(p, 1);
        return KEEL_NEXT;
    }
    const keel_arg *cname = &p->argv[4];
    xs_consumer *c = xs_consumer_find(g, cname->ptr, cname->len);
    if (sub == SUB_CREATECONSUMER) {
        if (!c) {
            if (!xs_consumer_add(g, cname->ptr, cname->len, keel_now_ms(p))) return xs_oom(p);
            keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-createconsumer", key->ptr, key->len);
        }
        keel_reply_int(p, c ? 0 : 1);
        return KEEL_NEXT;
    }
    uint64_t pending = 0;
    if (c) {
        keel_charge(p, (int64_t)g->npel);
        pending = xs_consumer_remove(g, c);
        keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-delconsumer", key->ptr, key->len);
    }
    keel_reply_int(p, (int64_t)pending);
    return KEEL_NEXT;
}

/* Keys: argv[2] for every subcommand but HELP. */
static int xgroup_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc < 3 || keel_arg_is(&argv[1], "HELP") || max < 1) return 0;
    pos[0] = 2;
    return 1;
}

/* XGROUP HELP only reads (allowed on read-only networks); every other subcommand writes. */
static uint64_t xgroup_access(uint32_t argc, const keel_arg *argv) {
    return argc == 2 && keel_arg_is(&argv[1], "HELP") ? KEEL_CMD_READONLY : KEEL_CMD_WRITE;
}

static const keel_opcode_def group_ops[] = {
    XS_OP("streams.xgroup", op_xgroup, "XGROUP argv[1] on argv[2]'s groups"),
};

static const keel_insn_def xgroup_prog[] = {{.op = "streams.xgroup"}, KEEL_END};

static const keel_cmd_def group_cmds[] = {
    {XS_CMD, .name = "XGROUP", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .keys = xgroup_keys, .access = xgroup_access,
     .summary = "Creates, moves and destroys consumer groups and their consumers.",
     .syntax = "XGROUP CREATE key group id | $ [MKSTREAM] [ENTRIESREAD n] | SETID key group "
               "id | $ [ENTRIESREAD n] | DESTROY key group | CREATECONSUMER key group consumer "
               "| DELCONSUMER key group consumer | HELP",
     .program = xgroup_prog},
};

const keel_family xs_group_family = KEEL_FAMILY(group_ops, group_cmds);

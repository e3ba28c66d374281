/* space.c -- moving a connection around namespaces: NS (NAMESPACE), HS (HYPERSPACE), CS
 * (CUSTOMSPACE), NSRESET, HSRESET, CSRESET, WHEREAMI.  All run on the connection's thread
 * (KEEL_CMD_CONN) and change only that connection's state; the core applies the path to every
 * later request of the connection. */
#include "family.h"
#include "names.h"

#include <stdint.h>

/* Which command runs maps.space (its imm). */
enum { SPACE_NS = 0, SPACE_HS, SPACE_CS, SPACE_NSRESET, SPACE_FULLRESET, SPACE_WHEREAMI };

/* Checks names[0..n) and enters them below the connection's namespace.  Replies the error and
 * returns false when a name is refused. */
static bool space_enter(keel_proc *p, keel_conn *c, const keel_arg *names, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!map_name_ok(&names[i])) {
            map_name_error(p, &names[i], "namespace");
            return false;
        }
    keel_status st = n ? keel_conn_ns_enter(c, names, n) : KEEL_OK;
    if (st == KEEL_EDEPTH) {
        map_depth_error(p);
        return false;
    }
    if (st != KEEL_OK) {
        keel_reply_error(p, "ERR cannot enter that namespace");
        return false;
    }
    return true;
}

/* True when n more names fit the connection's path (KEEL_NS_DEPTH_MAX); else replies the error.
 * HS and CS ask before they change the placement mode, so a refused call changes nothing. */
static bool space_room(keel_proc *p, keel_conn *c, uint32_t n) {
    uint32_t depth = 0;
    keel_conn_ns_path(c, &depth, NULL);
    if ((uint64_t)depth + n <= KEEL_NS_DEPTH_MAX) return true;
    map_depth_error(p);
    return false;
}

/* Reads CS's element number (1 = the first name of the path).  Replies the error and returns
 * false when it is not a positive integer. */
static bool space_element(keel_proc *p, const keel_arg *a, uint32_t *nth) {
    int64_t n;
    if (!keel_arg_i64(a, &n) || n < 1) {
        keel_reply_error(p, "ERR the co-location element must be an integer of 1 or more");
        return false;
    }
    *nth = n - 1 > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)(n - 1);
    return true;
}

static void space_where(keel_proc *p, keel_conn *c) {
    uint32_t n = 0;
    const keel_arg *path = keel_conn_ns_path(c, &n, NULL);
    keel_reply_array(p, n);
    for (uint32_t i = 0; i < n; i++)
        keel_reply_bulk(p, path[i].ptr, path[i].len);
}

/* Opcode: maps.space
 * The connection commands; imm = SPACE_*.  NS/HS/CS validate every name (and CS its element)
 * before changing anything, so a refused call leaves the connection where it was.  Reductions
 * 1.  Never yields or hops (it runs on the connection's thread). */
static keel_op_result op_space(keel_proc *p, const keel_insn *in) {
    keel_conn *c = keel_proc_conn(p);
    if (!c) {
        keel_reply_error(p, "ERR namespace commands need a client connection");
        return KEEL_FAIL;
    }
    uint32_t nth = 0;
    switch (in->imm) {
    case SPACE_NS:
        if (!space_enter(p, c, p->argv + 1, p->argc - 1)) return KEEL_FAIL;
        break;
    case SPACE_HS:
        for (uint32_t i = 1; i < p->argc; i++)
            if (!map_name_ok(&p->argv[i])) return map_name_error(p, &p->argv[i], "namespace");
        if (!space_room(p, c, p->argc - 1)) return KEEL_FAIL;
        keel_conn_ns_coloc(c, KEEL_COLOC_LAST, 0);
        if (!space_enter(p, c, p->argv + 1, p->argc - 1)) return KEEL_FAIL;
        break;
    case SPACE_CS:
        if (!space_element(p, &p->argv[1], &nth)) return KEEL_FAIL;
        for (uint32_t i = 2; i < p->argc; i++)
            if (!map_name_ok(&p->argv[i])) return map_name_error(p, &p->argv[i], "namespace");
        if (!space_room(p, c, p->argc - 2)) return KEEL_FAIL;
        keel_conn_ns_coloc(c, KEEL_COLOC_NTH, nth);
        if (!space_enter(p, c, p->argv + 2, p->argc - 2)) return KEEL_FAIL;
        break;
    case SPACE_NSRESET:
        keel_conn_ns_reset(c);
        break;
    case SPACE_FULLRESET:
        keel_conn_ns_reset(c);
        keel_conn_ns_coloc(c, KEEL_COLOC_FIRST, 0);
        break;
    default:
        space_where(p, c);
        return KEEL_NEXT;
    }
    keel_reply_ok(p);
    return KEEL_NEXT;
}

static const keel_opcode_def space_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.space",
     .fn = op_space,
     .synopsis =
         "change or show the connection's namespace (imm: NS HS CS NSRESET HS/CSRESET WHEREAMI)",
     .cost = 1},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "maps.space", .imm = IMM}, KEEL_END}
PROG(ns_prog, SPACE_NS);
PROG(hs_prog, SPACE_HS);
PROG(cs_prog, SPACE_CS);
PROG(nsreset_prog, SPACE_NSRESET);
PROG(fullreset_prog, SPACE_FULLRESET);
PROG(whereami_prog, SPACE_WHEREAMI);

static const char *const ns_aliases[] = {"NAMESPACE", NULL};
static const char *const hs_aliases[] = {"HYPERSPACE", NULL};
static const char *const cs_aliases[] = {"CUSTOMSPACE", NULL};

#define CONN .size = sizeof(keel_cmd_def), .group = "namespace", .since = "0.1.0"
static const keel_cmd_def space_cmds[] = {
    {CONN, .name = "NS", .aliases = ns_aliases, .arity = -2, .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Enters nested namespaces below the current one, for the rest of the connection "
                "(every name is literal: there is no way up).",
     .syntax = "NS name [name ...]", .program = ns_prog},
    {CONN, .name = "HS", .aliases = hs_aliases, .arity = -1, .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Places keys by their own name (spreads a namespace over every shard), then enters "
                "the given namespaces.",
     .syntax = "HS [name ...]", .program = hs_prog},
    {CONN, .name = "CS", .aliases = cs_aliases, .arity = -2, .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Places keys by the n-th name of their path (1 = the first; past the end = the key "
                "itself), then enters the given namespaces.",
     .syntax = "CS element [name ...]", .program = cs_prog},
    {CONN, .name = "NSRESET", .arity = 1, .flags = KEEL_CMD_CONN | KEEL_CMD_ADMIN | KEEL_CMD_FAST,
     .summary = "Returns to the network's namespace (its locked base, or the top), keeping the "
                "placement mode.",
     .syntax = "NSRESET", .program = nsreset_prog},
    {CONN, .name = "HSRESET", .arity = 1, .flags = KEEL_CMD_CONN | KEEL_CMD_ADMIN | KEEL_CMD_FAST,
     .summary = "Returns to the network's namespace and places keys by the first name again.",
     .syntax = "HSRESET", .program = fullreset_prog},
    {CONN, .name = "CSRESET", .arity = 1, .flags = KEEL_CMD_CONN | KEEL_CMD_ADMIN | KEEL_CMD_FAST,
     .summary = "Returns to the network's namespace and places keys by the first name again.",
     .syntax = "CSRESET", .program = fullreset_prog},
    {CONN, .name = "WHEREAMI", .arity = 1, .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Returns the connection's namespace path (an empty array at the top).",
     .syntax = "WHEREAMI", .program = whereami_prog},
};

const keel_family map_space_family = KEEL_FAMILY(space_ops, space_cmds);

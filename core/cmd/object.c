/* object.c -- OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP: a key's layout and its
 * eviction state (its LFU counter or the seconds since its last access), read without counting
 * as an access. */
#include "config.h"
#include "builtin.h"
#include "evict_policy.h"
#include "keyspace.h"
#include "limit.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

#define POLICY_SWITCH_NOTE                                                                         \
    "Please note that when switching between policies at runtime LRU and LFU data will take some " \
    "time to "                                                                                     \
    "adjust."

static void object_help(keel_proc *p) {
    static const char *const help[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    keel_reply_array(p, BUILTIN_COUNT(help));
    for (size_t i = 0; i < BUILTIN_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
}

/* Strings: an integer, bytes kept in the key's own entry (as Redis's embstr, up to 44 bytes), or
 * bytes kept out of line. */
#define EMBSTR_MAX 44

/* OBJECT ENCODING's answer for the entry at r. */
static const char *entry_encoding(dk_table *t, dk_ref r) {
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind == DK_ENTRY_OBJ) {
        const type_entry *te = type_by_id(e.obj_type);
        if (!te) return "unknown";
        return te->def.encoding ? te->def.encoding(e.obj) : te->def.name;
    }
    if (e.box.type == DK_I64 || e.box.type == DK_U64) return "int";
    size_t len = e.box.type == DK_BYTES ? e.box.len : 0;
    return len <= EMBSTR_MAX ? "embstr" : "raw";
}

/* Redis's errors for OBJECT: a known subcommand with the wrong arity, or an unknown one. */
static keel_op_result object_bad_call(keel_proc *kp) {
    static const char *const known[] = {"encoding", "freq", "idletime", "refcount", "help"};
    return builtin_bad_subcommand(kp, "object", known, BUILTIN_COUNT(known));
}

/* Opcode: object.run — OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT key | HELP.  A missing key
 * replies nil (before the policy is looked at, as in Redis).  Reductions 1.  May hop or block on
 * the key. */
static keel_op_result op_object(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    const keel_arg *sub = &kp->argv[1];
    bool freq = keel_arg_is(sub, "FREQ"), idle = keel_arg_is(sub, "IDLETIME");
    bool encoding = keel_arg_is(sub, "ENCODING"), refcount = keel_arg_is(sub, "REFCOUNT");
    if (kp->argc == 2 && keel_arg_is(sub, "HELP")) {
        object_help(kp);
        return KEEL_DONE;
    }
    if (!(freq || idle || encoding || refcount) || kp->argc != 3) return object_bad_call(kp);
    const keel_arg *key = &kp->argv[2];
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key->ptr, key->len, false, &sp, &h);
    KEEL_OP_PROPAGATE(st);
    dk_ref r;
    if (st != KEEL_OK || !ks_find_untouched(&sp, key->ptr, key->len, h, p->cur->now_ms, &r, NULL)) {
        keel_reply_nil(kp);
        return KEEL_DONE;
    }
    if (encoding) {
        const char *name = entry_encoding(sp.t, r);
        keel_reply_bulk(kp, name, strlen(name));
        return KEEL_DONE;
    }
    if (refcount) { /* Keel never shares a value between keys */
        keel_reply_int(kp, 1);
        return KEEL_DONE;
    }
    bool lfu = evict_policy_lfu(limit_get(srv->cf.maxmemory_policy));
    uint16_t meta = dk_table_meta(sp.t, r);
    if (freq && !lfu) {
        keel_reply_error(kp, "ERR An LFU maxmemory policy is not selected, access frequency not "
                             "tracked. " POLICY_SWITCH_NOTE);
        return KEEL_FAIL;
    }
    if (idle && lfu) {
        keel_reply_error(
            kp,
            "ERR An LFU maxmemory policy is selected, idle time not tracked. " POLICY_SWITCH_NOTE);
        return KEEL_FAIL;
    }
    keel_reply_int(kp, freq ? (int64_t)evict_meta_freq(meta, p->cur->now_ms)
                            : evict_meta_idle_s(meta, p->cur->now_ms));
    return KEEL_DONE;
}

/* The key of OBJECT ENCODING/FREQ/IDLETIME/REFCOUNT key; none for HELP. */
static int object_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc == 3 && max >= 1 &&
        (keel_arg_is(&argv[1], "FREQ") || keel_arg_is(&argv[1], "IDLETIME") ||
         keel_arg_is(&argv[1], "ENCODING") || keel_arg_is(&argv[1], "REFCOUNT"))) {
        pos[0] = 2;
        return 1;
    }
    return 0;
}

static const keel_opcode_def object_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "object.run",
     .fn = op_object,
     .synopsis = "OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT of argv[2] (not counted as an "
                 "access) / HELP",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};
static const keel_insn_def object_prog[] = {{.op = "object.run"}, KEEL_END};
static const keel_cmd_def object_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "OBJECT",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .keys = object_keys,
     .summary =
         "Reports a key's layout (ENCODING), its LFU access frequency (FREQ, under an LFU "
         "maxmemory-policy), the seconds since its last access (IDLETIME, otherwise) or REFCOUNT.",
     .syntax = "OBJECT ENCODING key | OBJECT FREQ key | OBJECT IDLETIME key | OBJECT REFCOUNT key "
               "| OBJECT HELP",
     .group = "generic",
     .since = "0.1.0",
     .program = object_prog},
};

const keel_family cmd_object_family = KEEL_FAMILY(object_ops, object_cmds);

/* admin.c -- MODULE LIST, DEBUG ZVM EXPLAIN/SPIN, ADMIN TLS RELOAD and ADMIN LOGLEVEL:
 * looking inside the running server and adjusting it. */
#include "config.h"
#include "builtin.h"
#include "loader.h"
#include "ns.h"
#include "log.h"
#include "module_rt.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

/* Load arguments one MODULE LOAD may give. */
#define MODULE_ARGS_MAX 1024

/* MODULE LOAD path [arg ...] | MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]: loads
 * a module file while the server runs, with settings and arguments for it (keel_module_args). */
static keel_op_result module_load(keel_proc *p) {
    bool ex = keel_arg_is(&p->argv[1], "LOADEX");
    uint32_t nconfigs = 0, first_arg = p->argc; /* the arguments: argv[first_arg ..] */
    if (!ex) first_arg = 3;
    for (uint32_t a = 3; ex && a < p->argc; a += 3) {
        if (keel_arg_is(&p->argv[a], "ARGS")) {
            first_arg = a + 1; /* the rest of the line, as Redis takes it */
            break;
        }
        if (!keel_arg_is(&p->argv[a], "CONFIG") || a + 2 >= p->argc) {
            keel_reply_error(p, "ERR Error loading the extension. Please check the server logs.");
            return KEEL_FAIL;
        }
        nconfigs++;
    }
    uint32_t nargs = p->argc - first_arg;
    if (nargs > MODULE_ARGS_MAX) {
        keel_reply_error(p, "ERR Error loading the extension. Please check the server logs.");
        return KEEL_FAIL;
    }
    const char **args = keel_proc_alloc(p, sizeof *args * (nargs + 1));
    for (uint32_t i = 0; i < nargs; i++) {
        const keel_arg *a = &p->argv[first_arg + i];
        if (a->len > 4096 || memchr(a->ptr, '\0', a->len)) {
            keel_reply_error(p, "ERR Error loading the extension. Please check the server logs.");
            return KEEL_FAIL;
        }
        args[i] = a->ptr; /* NUL-terminated: the core copies every argument it keeps */
    }
    const keel_arg *path = &p->argv[2];
    char err[512];
    if (path->len == 0 || path->len > 4096 || memchr(path->ptr, '\0', path->len)) {
        keel_reply_error(p, "ERR Error loading the extension. Please check the server logs.");
        return KEEL_FAIL;
    }
    const char **names = keel_proc_alloc(p, sizeof *names * (nconfigs + 1));
    const char **values = keel_proc_alloc(p, sizeof *values * (nconfigs + 1));
    for (uint32_t i = 0; i < nconfigs; i++) {
        const keel_arg *name = &p->argv[4 + 3 * i], *value = &p->argv[5 + 3 * i];
        if (name->len > 128 || value->len > 4096 || memchr(name->ptr, '\0', name->len) ||
            memchr(value->ptr, '\0', value->len)) {
            keel_reply_error(p, "ERR Error loading the extension. Please check the server logs.");
            return KEEL_FAIL;
        }
        names[i] = name->ptr;
        values[i] = value->ptr;
    }
    if (module_rt_loadex(zvm_of(p)->cur, path->ptr, names, values, nconfigs, args, nargs, err,
                         sizeof err)) {
        keel_reply_error(p, "%s", err);
        return KEEL_FAIL;
    }
    keel_reply_simple(p, "OK");
    return KEEL_DONE;
}

/* Opcode: module.run — MODULE LIST | LOAD | LOADEX | UNLOAD.  Reductions 1. */
static keel_op_result op_module(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (keel_arg_is(&p->argv[1], "LIST") && p->argc == 2) {
        size_t n = loader_count();
        keel_reply_array(p, n + 1);
        for (size_t i = 0; i <= n; i++) {
            struct keel_module *m = i < n ? loader_at(i) : loader_core_module();
            keel_reply_map(p, 5);
            keel_reply_bulk(p, "name", sizeof "name" - 1);
            keel_reply_bulk(p, m->name, strlen(m->name));
            keel_reply_bulk(p, "ver", sizeof "ver" - 1);
            keel_reply_bulk(p, m->version, strlen(m->version));
            keel_reply_bulk(p, "path", sizeof "path" - 1);
            keel_reply_bulk(p, m->path, strlen(m->path));
            keel_reply_bulk(p, "description", sizeof "description" - 1);
            keel_reply_bulk(p, m->description, strlen(m->description));
            keel_reply_bulk(p, "commands", sizeof "commands" - 1);
            keel_reply_open(p, KEEL_REPLY_ARRAY);
            for (size_t c = 0; c < cmd_count(); c++)
                if (cmd_at(c)->module == m && !cmd_at(c)->is_alias)
                    keel_reply_bulk(p, cmd_at(c)->lname, strlen(cmd_at(c)->lname));
            keel_reply_close(p);
        }
        return KEEL_DONE;
    }
    if ((keel_arg_is(&p->argv[1], "LOAD") || keel_arg_is(&p->argv[1], "LOADEX")) && p->argc >= 3)
        return module_load(p);
    if (keel_arg_is(&p->argv[1], "UNLOAD") && p->argc == 3) {
        char err[512];
        const keel_arg *name = &p->argv[2];
        bool bad_name = name->len > 64 || memchr(name->ptr, '\0', name->len);
        if (bad_name || module_rt_unload(zvm_of(p)->cur, name->ptr, err, sizeof err)) {
            keel_reply_error(p, "%s",
                             bad_name ? "ERR Error unloading module: no such module with that name"
                                      : err);
            return KEEL_FAIL;
        }
        keel_reply_simple(p, "OK");
        return KEEL_DONE;
    }
    keel_reply_error(
        p, "ERR unknown subcommand or wrong number of arguments for '%.64s'. Try MODULE LIST.",
        p->argv[1].ptr);
    return KEEL_FAIL;
}

/* The program a command would run, with its keys, without running it. */
static keel_op_result debug_explain(keel_proc *p) {
    zvm_proc *self = zvm_of(p);
    const keel_arg *sub = &p->argv[3];
    const cmd_entry *ce = cmd_lookup(sub->ptr, sub->len);
    if (!ce) {
        keel_reply_error(p, "ERR unknown command '%.128s'", sub->ptr);
        return KEEL_FAIL;
    }
    zvm_proc *subject = zvm_proc_new(self->home);
    zvm_set_argv(subject, p->argc - 3, p->argv + 3);
    zvm_proc_set_cmd(subject, ce);
    subject->ns = ns_path_ref(self->ns); /* keys are placed as the caller's would be */
    bool ok = zvm_set_keys(subject);
    if (ok)
        zvm_explain(self, ce->prog, subject);
    else
        keel_reply_error(p, "ERR the arguments do not fit the command's key positions");
    zvm_proc_recycle(subject);
    return ok ? KEEL_DONE : KEEL_FAIL;
}

/* Opcode: debug.run — DEBUG ZVM EXPLAIN command [arg ...] | DEBUG ZVM SPIN reductions [key].
 * Reductions: 1, and for SPIN the reductions asked for, in slices (may yield; r0 counts the
 * reductions left, r1 the slices). */
static keel_op_result op_debug(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc >= 4 && keel_arg_is(&p->argv[1], "ZVM") && keel_arg_is(&p->argv[2], "EXPLAIN"))
        return debug_explain(p);
    if ((p->argc == 4 || p->argc == 5) && keel_arg_is(&p->argv[1], "ZVM") &&
        keel_arg_is(&p->argv[2], "SPIN")) {
        if (p->reg[0].type == DK_NULL) {
            int64_t n;
            if (!keel_arg_i64(&p->argv[3], &n) || n < 0) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return KEEL_FAIL;
            }
            p->reg[0] = dk_i64(n);
            p->reg[1] = dk_i64(1);
        }
        while (p->reg[0].v.i > 0) {
            int64_t step = p->reg[0].v.i < 1000 ? p->reg[0].v.i : 1000;
            p->reg[0].v.i -= step;
            if (keel_charge(p, step) && p->reg[0].v.i > 0) {
                p->reg[1].v.i++;
                return KEEL_YIELD;
            }
        }
        keel_reply_int(p, p->reg[1].v.i);
        return KEEL_DONE;
    }
    keel_reply_error(
        p, "ERR DEBUG subcommands: ZVM EXPLAIN <command> [arg ...], ZVM SPIN <reductions> [key]");
    return KEEL_FAIL;
}

/* DEBUG ZVM SPIN n key locks key. */
static int debug_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc == 5 && max >= 1 && keel_arg_is(&argv[1], "ZVM") && keel_arg_is(&argv[2], "SPIN")) {
        pos[0] = 4;
        return 1;
    }
    return 0;
}

/* ADMIN TLS RELOAD [network]: re-reads certificates, keys and CA; connections stay open. */
static keel_op_result admin_tls_reload(keel_proc *p) {
    const char *name = p->argc == 4 ? p->argv[3].ptr : NULL;
    if (name && (!net_find(name) || !net_find(name)->tls)) {
        keel_reply_error(p, "ERR no TLS network named '%.64s'", name);
        return KEEL_FAIL;
    }
    char *errs = NULL;
    int n = net_tls_reload(name, &errs);
    if (n < 0) {
        for (char *s = errs; s && *s; s++)
            if (*s == '\n') *s = s[1] ? ' ' : '\0';
        keel_reply_error(p, "ERR TLS reload failed (the previous certificates stay in use): %s",
                         errs ? errs : "");
        mem_free(errs);
        return KEEL_FAIL;
    }
    mem_free(errs);
    if (n == 0 && !name) {
        keel_reply_error(p, "ERR no network uses TLS");
        return KEEL_FAIL;
    }
    keel_reply_int(p, n);
    return KEEL_DONE;
}

/* Opcode: admin.run — ADMIN TLS RELOAD [network] | ADMIN LOGLEVEL [level].  Reductions 1
 * (TLS RELOAD reads the certificate files on this thread). */
static keel_op_result op_admin(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc >= 3 && p->argc <= 4 && keel_arg_is(&p->argv[1], "TLS") &&
        keel_arg_is(&p->argv[2], "RELOAD"))
        return admin_tls_reload(p);
    if (keel_arg_is(&p->argv[1], "LOGLEVEL") && p->argc <= 3) {
        if (p->argc == 3) {
            int lv = log_level_parse(p->argv[2].ptr);
            if (lv < 0) {
                keel_reply_error(
                    p,
                    "ERR log level must be one of: debug, info (verbose), notice, warning, error");
                return KEEL_FAIL;
            }
            log_set_level(lv);
            log_msg(LOG_NOTICE > lv ? LOG_NOTICE : lv, "log level set to %s", log_level_name(lv));
        }
        const char *name = log_level_name(log_get_level());
        keel_reply_simple(p, name);
        return KEEL_DONE;
    }
    keel_reply_error(
        p,
        "ERR ADMIN subcommands: TLS RELOAD [network], LOGLEVEL [debug|info|notice|warning|error]");
    return KEEL_FAIL;
}

static const keel_opcode_def admin_ops[] = {
    {sizeof(keel_opcode_def), "module.run", op_module, "MODULE LIST / LOAD / LOADEX / UNLOAD", 0, 0,
     1, 0},
    {sizeof(keel_opcode_def), "debug.run", op_debug, "DEBUG ZVM EXPLAIN / SPIN", 0, 0, 1,
     KEEL_OP_MAY_YIELD},
    {sizeof(keel_opcode_def), "admin.run", op_admin, "ADMIN TLS RELOAD / LOGLEVEL", 0, 0, 1, 0},
};
static const keel_insn_def module_prog[] = {{.op = "module.run"}, KEEL_END};
static const keel_insn_def debug_prog[] = {{.op = "debug.run"}, KEEL_END};
static const keel_insn_def admin_prog[] = {{.op = "admin.run"}, KEEL_END};
static const keel_cmd_def admin_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MODULE",
     .arity = -2,
     .flags = KEEL_CMD_ADMIN,
     .summary = "Lists, loads and unloads modules while the server runs.",
     .syntax =
         "MODULE LIST | LOAD path [arg ...] | LOADEX path [CONFIG name value ...] [ARGS arg ...] | "
         "UNLOAD name",
     .group = "server",
     .since = "0.1.0",
     .program = module_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "DEBUG",
     .arity = -2,
     .flags = KEEL_CMD_ADMIN,
     .keys = debug_keys,
     .summary =
         "Shows the zvm program a command compiles to (EXPLAIN), or burns reductions (SPIN).",
     .syntax = "DEBUG ZVM EXPLAIN command [arg ...] | DEBUG ZVM SPIN reductions [key]",
     .group = "server",
     .since = "0.1.0",
     .program = debug_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "ADMIN",
     .arity = -2,
     .flags = KEEL_CMD_ADMIN,
     .summary =
         "Reloads TLS certificates without dropping connections; reads or sets the log level.",
     .syntax =
         "ADMIN TLS RELOAD [network] | ADMIN LOGLEVEL [debug | info | notice | warning | error]",
     .group = "server",
     .since = "0.1.0",
     .program = admin_prog},
};

const keel_family cmd_admin_family = KEEL_FAMILY(admin_ops, admin_cmds);

/* builtin.c -- the one registration table of the core's own command families. */
#include "config.h"
#include "builtin.h"
#include "log.h"
#include "ns.h"
#include "zvm.h"

#include <ctype.h>

static int builtin_failures;

int builtin_opcodes(keel_module *core, const keel_opcode_def *ops, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *err = NULL;
        if (keel_register_opcode(core, &ops[i], &err) != KEEL_OK) {
            log_error("core opcode %s: %s", ops[i].name, err);
            builtin_failures++;
        }
    }
    return builtin_failures ? -1 : 0;
}

int builtin_commands(keel_module *core, const keel_cmd_def *cmds, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *err = NULL;
        if (keel_register_command(core, &cmds[i], &err) != KEEL_OK) {
            log_error("core command %s: %s", cmds[i].name, err);
            builtin_failures++;
        }
    }
    return builtin_failures ? -1 : 0;
}

static void (*const families[])(keel_module *) = {
    cmd_server_register, cmd_info_register,  cmd_config_register,
    cmd_command_register, cmd_admin_register, cmd_client_register, cmd_slowlog_register, cmd_latency_register,
    cmd_keys_register,   cmd_expire_register, cmd_scan_register,
    cmd_stats_register,  cmd_memory_register, cmd_tx_register,
    cmd_db_register,     cmd_object_register, cmd_dialect_register,
    cmd_persist_register, cmd_cluster_register,
};

int builtin_register_all(keel_module *core) {
    zvm_register_core_opcodes(core);
    ns_register_type(core);   /* first type: namespaces */
    for (size_t i = 0; i < BUILTIN_COUNT(families); i++) families[i](core);
    return builtin_failures ? -1 : 0;
}

keel_op_result builtin_bad_subcommand(keel_proc *p, const char *cmd, const char *const *known, size_t n) {
    const keel_arg *sub = &p->argv[1];
    for (size_t i = 0; i < n; i++) {
        if (!keel_arg_is(sub, known[i])) continue;
        keel_reply_error(p, "ERR wrong number of arguments for '%s|%s' command", cmd, known[i]);
        return KEEL_FAIL;
    }
    char upper[32];
    size_t k = 0;
    for (; cmd[k] && k + 1 < sizeof upper; k++) upper[k] = (char)toupper((unsigned char)cmd[k]);
    upper[k] = '\0';
    keel_reply_error(p, "ERR unknown subcommand '%.64s'. Try %s HELP.", sub->ptr, upper);
    return KEEL_FAIL;
}

/* builtin.c -- the one registration table of the core's own command families. */
#include "config.h"
#include "builtin.h"
#include "ns.h"
#include "zvm.h"

#include <ctype.h>

static const keel_family *const families[] = {
    &cmd_server_family,  &cmd_info_family,    &cmd_config_family,  &cmd_command_family,
    &cmd_admin_family,   &cmd_client_family,  &cmd_slowlog_family, &cmd_latency_family,
    &cmd_keys_family,    &cmd_expire_family,  &cmd_scan_family,    &cmd_stats_family,
    &cmd_memory_family,  &cmd_tx_family,      &cmd_db_family,      &cmd_object_family,
    &cmd_dialect_family, &cmd_persist_family, &cmd_cluster_family,
};

int builtin_register_all(keel_module *core) {
    zvm_register_core_opcodes(core);
    ns_register_type(core); /* first type: namespaces */
    return keel_register_families(core, "core", families, KEEL_COUNT(families)) == KEEL_OK ? 0 : -1;
}

keel_op_result builtin_bad_subcommand(keel_proc *p, const char *cmd, const char *const *known,
                                      size_t n) {
    const keel_arg *sub = &p->argv[1];
    for (size_t i = 0; i < n; i++) {
        if (!keel_arg_is(sub, known[i])) continue;
        keel_reply_error(p, "ERR wrong number of arguments for '%s|%s' command", cmd, known[i]);
        return KEEL_FAIL;
    }
    char upper[32];
    size_t k = 0;
    for (; cmd[k] && k + 1 < sizeof upper; k++)
        upper[k] = (char)toupper((unsigned char)cmd[k]);
    upper[k] = '\0';
    keel_reply_error(p, "ERR unknown subcommand '%.64s'. Try %s HELP.", sub->ptr, upper);
    return KEEL_FAIL;
}

/* builtin.h -- the core's own commands (server, connection and generic key commands), each
 * family registered from its own file under the pseudo-module "core". */
#ifndef KEEL_CORE_BUILTIN_H
#define KEEL_CORE_BUILTIN_H

#include <keel/sdk.h>

/* Registers every family below, then the core opcodes.  Returns 0 or -1 (logged). */
int builtin_register_all(keel_module *core);

/* PING ECHO SELECT TIME DBSIZE FLUSHALL FLUSHDB SHUTDOWN AUTH */
void cmd_server_register(keel_module *core);
void cmd_info_register(keel_module *core);      /* INFO */
void cmd_config_register(keel_module *core);    /* CONFIG */
void cmd_command_register(keel_module *core);   /* COMMAND */
void cmd_admin_register(keel_module *core);     /* MODULE DEBUG ADMIN */
void cmd_client_register(keel_module *core);    /* CLIENT */
void cmd_slowlog_register(keel_module *core);   /* SLOWLOG */
void cmd_latency_register(keel_module *core);   /* LATENCY */
void cmd_keys_register(keel_module *core);      /* DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX */
void cmd_expire_register(keel_module *core);    /* EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL ... PERSIST */
void cmd_scan_register(keel_module *core);      /* KEYS SCAN RANDOMKEY */
void cmd_stats_register(keel_module *core);     /* STATS SELF */
void cmd_memory_register(keel_module *core);    /* MEMORY */
void cmd_tx_register(keel_module *core);        /* MULTI EXEC DISCARD WATCH UNWATCH */
void cmd_cluster_register(keel_module *core);   /* CLUSTER READONLY READWRITE ASKING */
void cmd_db_register(keel_module *core);        /* SWAPDB MOVE COPY */
void cmd_object_register(keel_module *core);    /* OBJECT */
void cmd_dialect_register(keel_module *core);   /* DIALECT */
void cmd_persist_register(keel_module *core);   /* SAVE BGSAVE LASTSAVE */

/* Registers a table of opcodes or commands, logging any refusal. */
int builtin_opcodes(keel_module *core, const keel_opcode_def *ops, size_t n);
int builtin_commands(keel_module *core, const keel_cmd_def *cmds, size_t n);

#define BUILTIN_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Redis 7.0's error for a bad subcommand of cmd (lower case): "wrong number of arguments for
 * 'cmd|sub' command" when argv[1] is one of the n known ones (lower case), else "unknown
 * subcommand '...'. Try CMD HELP.".  Replies it and returns KEEL_FAIL. */
keel_op_result builtin_bad_subcommand(keel_proc *p, const char *cmd, const char *const *known, size_t n);

#endif

/* builtin.h -- the core's own commands (server, connection and generic key commands), each
 * family registered from its own file under the pseudo-module "core". */
#ifndef KEEL_CORE_BUILTIN_H
#define KEEL_CORE_BUILTIN_H

#include <keel/sdk.h>

/* Registers the core opcodes, the namespace type, then every family below.  Returns 0 or -1
 * (the refusal logged). */
int builtin_register_all(keel_module *core);

/* Each file cmd_NAME.c exports its opcodes and commands as cmd_NAME_family. */
extern const keel_family cmd_server_family;  /* PING ECHO SELECT TIME DBSIZE FLUSHALL ... AUTH */
extern const keel_family cmd_info_family;    /* INFO */
extern const keel_family cmd_config_family;  /* CONFIG */
extern const keel_family cmd_command_family; /* COMMAND */
extern const keel_family cmd_admin_family;   /* MODULE DEBUG ADMIN */
extern const keel_family cmd_client_family;  /* CLIENT */
extern const keel_family cmd_slowlog_family; /* SLOWLOG */
extern const keel_family cmd_latency_family; /* LATENCY */
extern const keel_family cmd_keys_family;    /* DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX */
extern const keel_family cmd_expire_family;  /* EXPIRE ... TTL PTTL ... PERSIST */
extern const keel_family cmd_scan_family;    /* KEYS SCAN RANDOMKEY */
extern const keel_family cmd_stats_family;   /* STATS SELF */
extern const keel_family cmd_memory_family;  /* MEMORY */
extern const keel_family cmd_tx_family;      /* MULTI EXEC DISCARD WATCH UNWATCH */
extern const keel_family cmd_cluster_family; /* CLUSTER READONLY READWRITE ASKING */
extern const keel_family cmd_db_family;      /* SWAPDB MOVE COPY */
extern const keel_family cmd_object_family;  /* OBJECT */
extern const keel_family cmd_dialect_family; /* DIALECT */
extern const keel_family cmd_persist_family; /* SAVE BGSAVE LASTSAVE */

#define BUILTIN_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Redis 7.0's error for a bad subcommand of cmd (lower case): "wrong number of arguments for
 * 'cmd|sub' command" when argv[1] is one of the n known ones (lower case), else "unknown
 * subcommand '...'. Try CMD HELP.".  Replies it and returns KEEL_FAIL. */
keel_op_result builtin_bad_subcommand(keel_proc *p, const char *cmd, const char *const *known,
                                      size_t n);

#endif

/* registry.h -- what modules registered: commands, opcodes, data types and protocols.
 * Filled while modules load (single-threaded), read-only once the server runs. */
#ifndef KEEL_CORE_REGISTRY_H
#define KEEL_CORE_REGISTRY_H

#include <keel/sdk.h>
#include <stdbool.h>

struct zvm_program;

/* A command as the core runs it. */
typedef struct cmd_entry {
    const keel_cmd_def *def; /* the module's definition (lives in the module), or own_def */
    keel_cmd_def own_def;    /* a definition older than this core's, copied and zero-filled */
    struct keel_module *module;
    struct zvm_program *prog; /* resolved after every module has loaded */
    char lname[40];           /* lower-case name, for replies like COMMAND INFO */
    uint64_t hash;            /* name_hash of lname (the index's probes compare it first) */
    bool is_alias;
    uint8_t tx_role;   /* TX_* bits of tx.h, from the name (MULTI's special commands) */
    uint32_t stat_idx; /* its counters in cmdstats.c (set once every module loaded) */
    const struct cmd_entry *target; /* for an alias: the command it names */
} cmd_entry;

typedef struct op_entry {
    keel_opcode_def def; /* copied (the size the module passed, zero-filled) */
    struct keel_module *module;
    uint32_t number;
} op_entry;

typedef struct type_entry {
    keel_type_def def;          /* the module's, or blob.h's ops while no module has the type */
    struct keel_module *module; /* NULL while its values are opaque blobs */
    keel_type_id id;
    char *own_name; /* the name kept while no module has the type */
    bool revive;    /* a module registered it again: its blobs are to be loaded */
} type_entry;

typedef struct proto_entry {
    keel_proto_def def;
    struct keel_module *module;
} proto_entry;

/* An INFO section a module added (keel_register_info). */
typedef struct info_entry {
    char name[32]; /* as the module wrote it: "Scripting" */
    keel_info_fn fn;
    struct keel_module *module;
} info_entry;

/* Registration: return KEEL_OK or a status with *err set to a static message. */
keel_status reg_command(struct keel_module *m, const keel_cmd_def *def, const char **err);
keel_status reg_opcode(struct keel_module *m, const keel_opcode_def *def, const char **err);
keel_status reg_type(struct keel_module *m, const keel_type_def *def, keel_type_id *id,
                     const char **err);
keel_status reg_protocol(struct keel_module *m, const keel_proto_def *def, const char **err);
keel_status reg_info(struct keel_module *m, const char *name, keel_info_fn fn, const char **err);
/* The modules' INFO sections, in registration order. */
size_t info_count(void);
const info_entry *info_at(size_t i);

/* The flags one call of ce needs for the permission check: the definition's flags, with the
 * WRITE and READONLY (and SHARED, when flagged) bits the command's access callback gives for these
 * arguments when it has one. */
uint64_t cmd_call_flags(const cmd_entry *ce, uint32_t argc, const keel_arg *argv);
/* The permission (PERM_* of a network) a call of ce lacks under perms, on a network locked to a
 * namespace or not (KEEL_CMD_SHARED calls need admin there): "admin", "write", "read", "stats",
 * or NULL when it may run. */
const char *cmd_missing_permission(const cmd_entry *ce, unsigned perms, bool ns_locked,
                                   uint32_t argc, const keel_arg *argv);

/* The server's publisher (keel_register_publisher: one, registered in a module's init), and
 * the one registered (NULL when none). */
keel_status reg_publisher(struct keel_module *m, keel_publish_fn fn, const char **err);
keel_publish_fn reg_publisher_fn(void);

/* The id of the type called name, made an opaque-blob type (blob.h) when no module registered
 * it; a later keel_register_type of that name takes the id over.  Safe from several threads
 * at once (the snapshot's loaders); KEEL_TYPE_NONE when the table is full. */
keel_type_id reg_type_blob(const char *name);
/* Clears the revive mark of every type (its values were loaded back). */
void reg_types_revived(void);

/* Drops everything a module registered (a failed init, or MODULE UNLOAD with every other
 * worker parked): its commands and their programs, protocols, INFO sections, publisher; its
 * opcode slots and type ids stay, unreachable, until a module registers again. */
void reg_forget_module(struct keel_module *m);
/* Why m cannot go while other modules stay (another module's program runs its opcodes, or it is
 * the publisher), or NULL. */
const char *reg_module_in_use(const struct keel_module *m);

/* Lookups.  cmd_lookup is case-insensitive and resolves aliases; cmd_lookup_name does not
 * (its entry's lname is the name the client used, for error messages). */
const cmd_entry *cmd_lookup(const char *name, size_t len);
const cmd_entry *cmd_lookup_name(const char *name, size_t len);
/* Bumped whenever command entries are freed (a module unloaded): a looked-up entry kept aside
 * is still good while this has not changed. */
uint64_t cmd_generation(void);
/* cmd_lookup_name through a small per-thread memo of the names last asked for (dropped when the
 * generation moves): for the per-request paths, a client's command and a script's calls. */
const cmd_entry *cmd_lookup_name_memo(const char *name, size_t len);
const op_entry *op_lookup(const char *name);
const op_entry *op_by_number(uint32_t n);
/* Reductions the VM charges before running opcode n. */
uint32_t op_cost(uint32_t n);
const type_entry *type_by_id(keel_type_id id);
const proto_entry *proto_lookup(const char *name);
/* The registered protocols, in registration order. */
size_t proto_count(void);
const proto_entry *proto_at(size_t i);
/* True when a network of pe may name `syntax` in its "reply_syntax": one of the protocol's
 * reply_syntaxes, or its own name. */
bool proto_has_syntax(const proto_entry *pe, const char *syntax);
/* The reply syntax a network of pe without "reply_syntax" uses: the first of its
 * reply_syntaxes, or NULL when it lists none. */
const char *proto_default_syntax(const proto_entry *pe);

/* Iteration over distinct commands (aliases included, flagged is_alias). */
size_t cmd_count(void);
const cmd_entry *cmd_at(size_t i);
size_t type_count(void);
/* Commands a module registered, for MODULE LIST. */
size_t cmd_count_for_module(const struct keel_module *m);

/* Resolves every command's program (prologue + module template).  Logs each problem with the
 * module and command names; returns the number of problems (0 = ok). */
int reg_resolve_programs(void);
/* The same for the commands of one module (one loaded while the server runs). */
int reg_resolve_module_programs(const struct keel_module *only);

/* Frees everything (at shutdown, after modules' fini). */
void reg_free(void);

#endif

/* cmd.h -- command definitions: what a module registers for each command it provides. */
#ifndef KEEL_CMD_H
#define KEEL_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <keel/vm.h>

/* Command flag bits.  A bit the core does not know makes the module load fail. */
#define KEEL_CMD_WRITE (1ull << 0)    /* may modify the keyspace (refused on read-only networks) */
#define KEEL_CMD_READONLY (1ull << 1) /* reads data only */
#define KEEL_CMD_ADMIN (1ull << 2)    /* needs the admin permission */
#define KEEL_CMD_STATS (1ull << 3)    /* server statistics: allowed on stats networks */
#define KEEL_CMD_MULTIKEY (1ull << 4) /* keys may live on several shards */
#define KEEL_CMD_BLOCKING (1ull << 5) /* may park the client (BLPOP) */
#define KEEL_CMD_CONN                                                                              \
    (1ull << 6)                     /* runs on the connection's own thread and may use             \
                                       keel_proc_conn() (HELLO, CLIENT, QUIT) */
#define KEEL_CMD_FAST (1ull << 7)   /* O(1) or O(log n): informational (COMMAND INFO) */
#define KEEL_CMD_NOAUTH (1ull << 8) /* allowed before AUTH (HELLO, AUTH, QUIT) */
#define KEEL_CMD_PUBSUB                                                                            \
    (1ull << 9) /* allowed in subscribed mode: on a connection with                                \
                   subscriptions whose pushes are not out of band (RESP2),                         \
                   only these run (SUBSCRIBE ..., PING, QUIT, RESET);                              \
                   added in ABI 1.2 */
#define KEEL_CMD_DENYOOM                                                                           \
    (1ull << 10) /* may grow memory: refused with -OOM while used memory is                        \
                    over maxmemory and nothing can be evicted (Redis's                             \
                    denyoom: SET, LPUSH, ...); added in ABI 1.3 */
#define KEEL_CMD_WIDE                                                                              \
    (1ull << 11) /* may need every shard: reaches keys it does not name (a script)                 \
                    or raises every shard's gate (FLUSHALL, SWAPDB).  A transaction                \
                    that queues one runs alone, holding every shard from its start,                \
                    and a script that calls one starts over alone first: taking                    \
                    shards one by one while holding keys could wait for ever;                      \
                    added in ABI 1.9 */
#define KEEL_CMD_SHARED                                                                            \
    (1ull << 12) /* reaches state every namespace shares, not the keyspace                         \
                    (function libraries, the script cache, a running script):                      \
                    a network locked to a namespace needs the admin permission                     \
                    for it; its changes are not logged (not with KEEL_CMD_WRITE                    \
                    either, which still asks the write permission); an access                      \
                    callback may narrow it per call; added in ABI 1.10 */
#define KEEL_CMD_FLAGS_ALL ((1ull << 13) - 1)

/* Returns the argument indexes of the keys of one call (for commands whose keys are not
 * first/last/step, e.g. "SINTERCARD numkeys key ...").  Writes at most max positions and
 * returns how many keys the call has, or -1 if the arguments are malformed.  A negative
 * position -i is a hint (added in ABI 1.4): argv[i] is a key the call may touch without
 * declaring it (a script's ARGV value learned to be a key); the core locks it up front with the
 * others, but COMMAND GETKEYS and cluster routing see only the declared keys. */
typedef int (*keel_keys_fn)(int argc, const keel_arg *argv, int *pos, int max);

/* Returns the access one call needs, as KEEL_CMD_WRITE and/or KEEL_CMD_READONLY bits (from ABI
 * 1.10 also KEEL_CMD_SHARED, when the command's flags have it; other bits are ignored), for
 * commands whose requests differ: memcached's "mg key v" reads while
 * "mg key T30" writes.  The core calls it before the call runs, on the connection's thread, with
 * the call's arguments (argv[0] is the command name); it must only look at them.  Its answer
 * replaces the WRITE and READONLY bits of `flags` for the network permission check, so `flags`
 * should say the most the command may do (what COMMAND INFO shows).  Added in ABI 1.2. */
typedef uint64_t (*keel_access_fn)(uint32_t argc, const keel_arg *argv);

typedef struct keel_cmd_def {
    size_t size;                  /* sizeof(keel_cmd_def) */
    const char *name;             /* upper case, e.g. "GET" */
    const char *const *aliases;   /* NULL-terminated list, or NULL */
    int arity;                    /* N: exactly N args (name included); -N: at least N */
    uint64_t flags;               /* KEEL_CMD_* */
    int first_key;                /* argv index of the first key, 0 = no keys */
    int last_key;                 /* index of the last key; -1 = last argument, -2 = one before */
    int key_step;                 /* distance between keys (MSET: 2) */
    keel_keys_fn keys;            /* optional, overrides first/last/step */
    const char *summary;          /* one line for COMMAND DOCS and docs/commands.md */
    const char *syntax;           /* "SET key value [NX | XX] ..." */
    const char *group;            /* "string", "generic", "server", "connection" ... */
    const char *since;            /* Keel version that added it */
    const keel_insn_def *program; /* the program every call of this command runs */
    keel_access_fn access;        /* optional (added in 1.2): the access each call needs */
} keel_cmd_def;

/* The size of a keel_cmd_def built against SDK ABI 1.0 or 1.1 headers (no access): the core
 * still registers it, as a command without the callback. */
#define KEEL_CMD_DEF_SIZE_1_0 offsetof(keel_cmd_def, access)

#endif

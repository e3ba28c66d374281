/* api.h -- the SDK function table: every call the core offers a module, in one list.
 *
 * KEEL_API_LIST is the single source of truth.  It expands to the members of struct keel_api
 * (the table handed to a module's init), to the core's own prototypes (with KEEL_CORE
 * defined), and, through the generated <keel/api_module.h>, to the keel_* names modules call.
 *
 * The table is APPEND-ONLY: never reorder, remove or change an entry; add new entries at the
 * end with an "added in 1.N" comment and bump KEEL_ABI_MINOR.  A module that needs 1.N sets
 * abi_minor = N in its descriptor and the core refuses it when the core's table is older.
 *
 * Threads: calls taking a keel_proc are legal only inside that process's opcode handlers (on
 * the thread running it).  Calls taking a keel_conn are legal only on the connection's own
 * thread: from protocol callbacks and KEEL_CMD_CONN commands.  register_* calls are legal only
 * inside init.  Every call that can fail returns a keel_status; registration calls also set
 * *err (when err is not NULL) to a message that stays valid until the module is unloaded.
 */
#ifndef KEEL_API_H
#define KEEL_API_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>
#include <keel/status.h>
#include <keel/vm.h>
#include <keel/cmd.h>
#include <keel/type.h>
#include <keel/reply.h>
#include <keel/proto.h>
#include <keel/conn.h>
#include <keel/pubsub.h>
#include <keel/notify.h>

typedef struct keel_module keel_module; /* opaque: the loading module's handle */

/* Log levels for keel_log. */
enum { KEEL_LOG_DEBUG = 0, KEEL_LOG_INFO, KEEL_LOG_NOTICE, KEEL_LOG_WARNING, KEEL_LOG_ERROR };

/* An INFO section's writer (keel_register_info, added in 1.2). */
typedef void (*keel_info_fn)(keel_buf *out);

/* A module setting (keel_register_config, added in 1.6): shown and changed by CONFIG GET/SET as
 * "module.name", given at load by MODULE LOADEX ... CONFIG name value or the config file's
 * "module_configs"; the module reads it with keel_config_get. */
typedef struct keel_config_def {
    size_t size;               /* sizeof(keel_config_def) */
    const char *name;          /* [a-z0-9_-], at most 48 bytes: the part after "module." */
    const char *default_value; /* NULL = "" */
    /* Checks a value before it is taken (any thread): KEEL_OK, or a failure status with *err a
     * static message CONFIG SET shows.  NULL = every string up to 1024 bytes is taken. */
    keel_status (*check)(const char *value, const char **err);
} keel_config_def;

/* keel_call_opts options (added in 1.2). */
#define KEEL_CALL_NOWAIT 1u /* never wait for a key another process holds: fail, call_conflict */
#define KEEL_CALL_WAIT_LIMITED                                                                     \
    2u /* wait for such a key at most busy-reply-threshold, then fail                              \
          with an error (for a caller that cannot start over) */

/* X(return type, name, (parameters)) */
/* clang-format off: the list keeps one entry a line, its comments beside it */
#define KEEL_API_LIST(X)                                                                           \
    /* ---- registration, only inside init (added in 1.0) ---- */                                  \
    X(keel_status, register_command, (keel_module * m, const keel_cmd_def *def, const char **err)) \
    X(keel_status, register_opcode,                                                                \
      (keel_module * m, const keel_opcode_def *def, const char **err))                             \
    X(keel_status, register_type,                                                                  \
      (keel_module * m, const keel_type_def *def, keel_type_id *id, const char **err))             \
    X(keel_status, register_protocol,                                                              \
      (keel_module * m, const keel_proto_def *def, const char **err))                              \
    /* ---- logging (added in 1.0): never blocks, callable from any thread ---- */                 \
    X(void, log, (keel_module * m, int level, const char *fmt, ...))                               \
    /* ---- memory, counted in INFO memory (added in 1.0): any thread ---- */                      \
    X(void *, alloc, (size_t n))                                                                   \
    X(void *, calloc, (size_t count, size_t n))                                                    \
    X(void *, realloc, (void *ptr, size_t n))                                                      \
    X(void, free, (void *ptr))                                                                     \
    /* ---- process (added in 1.0) ---- */                                                         \
    /* arena memory, freed all at once when the process is recycled; never NULL */                 \
    X(void *, proc_alloc, (keel_proc * p, size_t n))                                               \
    /* the client connection, only for KEEL_CMD_CONN commands (NULL otherwise) */                  \
    X(keel_conn *, proc_conn, (keel_proc * p))                                                     \
    /* wall clock in ms, cached per event-loop turn */                                             \
    X(int64_t, now_ms, (keel_proc * p))                                                            \
    /* the command's name as the client wrote it (alias included), lower case, for errors */       \
    X(const char *, proc_command, (keel_proc * p))                                                 \
    /* ---- replies (added in 1.0): each call adds one node to the reply tree ---- */              \
    X(void, reply_nil, (keel_proc * p))                                                            \
    X(void, reply_int, (keel_proc * p, int64_t v))                                                 \
    X(void, reply_uint, (keel_proc * p, uint64_t v))                                               \
    X(void, reply_double, (keel_proc * p, double v))                                               \
    X(void, reply_bool, (keel_proc * p, bool v))                                                   \
    X(void, reply_bulk, (keel_proc * p, const void *s, size_t n))                                  \
    X(void, reply_simple, (keel_proc * p, const char *s))                                          \
    X(void, reply_ok, (keel_proc * p))                                                             \
    /* message starts with its code word: "ERR ...", "WRONGTYPE ..." */                            \
    X(void, reply_error, (keel_proc * p, const char *fmt, ...))                                    \
    /* numbers -> int/uint/double, bytes -> bulk, null -> nil, bool -> bool */                     \
    X(void, reply_value, (keel_proc * p, const dk_val *v))                                         \
    X(void, reply_verbatim, (keel_proc * p, const char *fmt3, const void *s, size_t n))            \
    /* aggregates of known size: the next n (MAP: 2n) replies are its children */                  \
    X(void, reply_array, (keel_proc * p, size_t n))                                                \
    X(void, reply_map, (keel_proc * p, size_t npairs))                                             \
    X(void, reply_set, (keel_proc * p, size_t n))                                                  \
    /* aggregates whose size is known only at the end: open, add children, close */                \
    X(void, reply_open, (keel_proc * p, keel_reply_type type))                                     \
    X(void, reply_close, (keel_proc * p))                                                          \
    /* drops everything replied so far (e.g. before replying with an error) */                     \
    X(void, reply_reset, (keel_proc * p))                                                          \
    /* a stored value as GET shows it: boxes as bulk text (numbers in decimal), objects            \
     * through their type's to_reply */                                                            \
    X(void, reply_stored, (keel_proc * p, const keel_value *v))                                    \
    /* ---- keyspace (added in 1.0): inside opcodes; KEEL_MOVED/KEEL_WAIT must be passed on        \
     *      with KEEL_OP_PROPAGATE.  Expired keys are never seen. ---- */                          \
    X(keel_status, key_lookup, (keel_proc * p, const void *key, size_t klen, keel_value *out))     \
    X(keel_status, key_store,                                                                      \
      (keel_proc * p, const void *key, size_t klen, const dk_val *v, unsigned flags))              \
    X(keel_status, key_store_object,                                                               \
      (keel_proc * p, const void *key, size_t klen, keel_type_id type, void *obj, unsigned flags)) \
    X(keel_status, key_delete, (keel_proc * p, const void *key, size_t klen))                      \
    /* at_ms: absolute unix ms; -1 removes the expiry; a time in the past deletes the key */       \
    X(keel_status, key_expire, (keel_proc * p, const void *key, size_t klen, int64_t at_ms))       \
    /* name of a type id ("string" for KEEL_TYPE_BOX), for errors and TYPE */                      \
    X(const char *, type_name, (keel_type_id type))                                                \
    /* sets (present) or removes one of a key's optional words: KEEL_AUX32 or KEEL_AUX64;          \
     * KEEL_NOTFOUND when the key does not exist */                                                \
    X(keel_status, key_aux_set,                                                                    \
      (keel_proc * p, const void *key, size_t klen, unsigned slot, bool present, uint64_t value))  \
    /* ---- blocking (added in 1.0): BLPOP and friends ---- */                                     \
    /* asks to park p on all its keys once the opcode returns KEEL_BLOCK: no thread and no         \
     * lock is held while parked; the program starts over (registers and reply cleared) when       \
     * a key is signalled, the timeout (ms, 0 = none) passes, or the client goes away.  The        \
     * timeout counts from the first park of the command: a process woken without data that        \
     * parks again waits only for what is left of it (at least 1 ms), as Redis's BLPOP does */     \
    X(keel_status, block_keys, (keel_proc * p, int64_t timeout_ms))                                \
    /* true when this run follows a park that ended by timeout or disconnect: reply the            \
     * timeout answer (nil) and finish */                                                          \
    X(bool, proc_timed_out, (keel_proc * p))                                                       \
    /* wakes the processes parked on key (call after making data available there); returns         \
     * KEEL_MOVED if another thread owns the key */                                                \
    X(keel_status, key_signal, (keel_proc * p, const void *key, size_t klen))                      \
    /* ---- namespaces (added in 1.0) ---- */                                                      \
    /* the type id of namespace values (what TYPE calls "hash") */                                 \
    X(keel_type_id, ns_type, (void))                                                               \
    /* until the matching pop, this process's keys are read inside the namespace `name`            \
     * (relative to the current one), which lives with the command's declared key: how hash        \
     * commands reach fields one level below; KEEL_EDEPTH past KEEL_NS_DEPTH_MAX levels */         \
    X(keel_status, proc_ns_push, (keel_proc * p, const void *name, size_t n))                      \
    X(void, proc_ns_pop, (keel_proc * p))                                                          \
    /* one slice of a scan over the keys of the namespace stored at key, or (key NULL) of the      \
     * process's own namespace on the shard a shard walk is at; *cursor 0 starts and is 0 again    \
     * when done; KEEL_NOTFOUND when there is no such namespace there */                           \
    X(keel_status, key_scan,                                                                       \
      (keel_proc * p, const void *key, size_t klen, uint64_t *cursor, keel_scan_fn fn, void *ctx)) \
    /* the command's keys, ordered by shard so that walking 0..n-1 visits each shard once          \
     * (within a shard in no promised order: argv index tells the argument position);              \
     * keel_key_nth gives key i and its argv index, or KEEL_MOVED when it lives elsewhere */       \
    X(uint32_t, key_count, (keel_proc * p))                                                        \
    X(keel_status, key_nth, (keel_proc * p, uint32_t i, keel_arg * key, uint32_t * argi))          \
    /* ---- connections (added in 1.0): on the connection's thread only ---- */                    \
    X(uint64_t, conn_id, (keel_conn * c))                                                          \
    /* the protocol state of c if c speaks protocol proto, else NULL */                            \
    X(void *, conn_proto_state, (keel_conn * c, const char *proto))                                \
    X(keel_status, conn_set_name, (keel_conn * c, const char *name, size_t n))                     \
    X(const char *, conn_name, (keel_conn * c))                                                    \
    /* close the connection once every reply queued so far has been written */                     \
    X(void, conn_close_after_reply, (keel_conn * c))                                               \
    /* checks a password (requirepass of the connection's network) and marks c as                  \
     * authenticated; KEEL_EINVAL when wrong */                                                    \
    X(keel_status, conn_auth,                                                                      \
      (keel_conn * c, const char *user, size_t ulen, const char *pass, size_t plen))               \
    /* the connection's namespace: enter n nested names below the current namespace                \
     * (KEEL_EDEPTH when the path would pass KEEL_NS_DEPTH_MAX names, nothing changed);            \
     * reset to the network's locked base (or the top); read the path (valid until it next         \
     * changes) and how many leading names are locked; choose the co-location element */           \
    X(keel_status, conn_ns_enter, (keel_conn * c, const keel_arg *names, uint32_t n))              \
    X(void, conn_ns_reset, (keel_conn * c))                                                        \
    X(const keel_arg *, conn_ns_path, (keel_conn * c, uint32_t * n, uint32_t * locked))            \
    X(keel_status, conn_ns_coloc, (keel_conn * c, unsigned mode, uint32_t nth))                    \
    /* ---- buffers (added in 1.0) ---- */                                                         \
    /* makes room for n more bytes and returns where to write them (then add n to b->len) */       \
    X(char *, buf_reserve, (keel_buf * b, size_t n))                                               \
    /* ---- server statistics (added in 1.0): any thread ---- */                                   \
    /* a named counter: "keys", "expires", "used_memory", "rss", "connections",                    \
     * "total_connections", "commands", "uptime", "threads", "keyspace_hits",                      \
     * "keyspace_misses", "expired_keys", "net_input_bytes", "net_output_bytes", "pid",            \
     * "rejected_connections", "busy_reply_threshold" (ms, a setting: added in 1.2);               \
     * KEEL_NOTFOUND for another name */                                                           \
    X(keel_status, server_stat, (const char *name, int64_t *out))                                  \
    /* ---- networks (added in 1.0): on the connection's thread only ---- */                       \
    /* a setting of the network c was accepted on, as text: "name", "protocol", "tls"              \
     * ("tls" or "notls"), "reply_syntax" (NULL when the config sets none), "database" (the        \
     * numbered database its clients start in: "0" unless the config sets one; older cores         \
     * answer NULL, which means 0); NULL for a name the core does not know */                      \
    X(const char *, conn_network_setting, (keel_conn * c, const char *name))                       \
    /* ---- options (added in 1.0) ---- */                                                         \
    /* a connection's own options for modules, named "module.option": they start as its            \
     * network's "options" in the config; a command on the connection's thread may set one         \
     * (value NULL removes it); any process reads the value its connection had when the            \
     * request came (NULL when unset), on whatever thread it runs */                               \
    X(keel_status, conn_option_set, (keel_conn * c, const char *name, const char *value))          \
    X(const char *, proc_option, (keel_proc * p, const char *name))                                \
    /* ---- process cleanups (added in 1.0) ---- */                                                \
    /* calls fn(ptr) when the process is recycled, however it ended: for module memory a           \
     * register points to across yields and hops */                                                \
    X(keel_status, proc_defer_free, (keel_proc * p, void (*fn)(void *ptr), void *ptr))             \
    /* ---- stepped replies (added in 1.1) ---- */                                                 \
    /* reply_stored a part at a time: values whose type has to_reply_step are replied in           \
     * steps, everything else at once.  Start with *cursor = 0; true when the whole value is       \
     * replied; false when the budget ran out: return KEEL_YIELD and call again (after             \
     * looking the key up again: it stays locked) with the same cursor */                          \
    X(bool, reply_stored_step, (keel_proc * p, const keel_value *v, uint64_t *cursor))             \
    /* ---- namespace size (added in 1.1) ---- */                                                  \
    /* the number of keys directly in the namespace stored at key, when it is known without        \
     * a walk: KEEL_OK; KEEL_EINVAL when it is not (a key there has expired and not yet gone,      \
     * or a namespace was ever stored there: walk it with key_scan); KEEL_NOTFOUND,                \
     * KEEL_EWRONGTYPE, KEEL_MOVED and KEEL_WAIT as key_scan */                                    \
    X(keel_status, key_ns_size, (keel_proc * p, const void *key, size_t klen, uint64_t *n))        \
    /* ---- in-place append (added in 1.1) ---- */                                                 \
    /* appends n bytes to key's string value where it lies, when the keyspace can (a big bytes     \
     * value without aux words): amortised O(1) per byte, expiry kept; KEEL_OK with the new        \
     * length in *len; KEEL_EINVAL when it cannot (store the whole new value instead: nothing      \
     * changed); KEEL_NOTFOUND, KEEL_MOVED and KEEL_WAIT as key_lookup */                          \
    X(keel_status, key_append,                                                                     \
      (keel_proc * p, const void *key, size_t klen, const void *data, size_t n, size_t *len))      \
    /* ---- big values written in slices (added in 1.2) ---- */                                    \
    /* stores a string of len bytes (at least KEEL_STORE_BYTES_MIN) at key, without expiry,        \
     * whose bytes the caller then writes at *bytes, a slice per run, yielding in between:         \
     * nobody reads the key before the process ends, as it holds the key.  *bytes stays valid      \
     * until the process ends or changes that key again.  KEEL_EINVAL for a len out of range;      \
     * KEEL_ENOMEM; KEEL_MOVED, KEEL_WAIT and KEEL_EWRONGTYPE as key_store */                      \
    X(keel_status, key_store_bytes,                                                                \
      (keel_proc * p, const void *key, size_t klen, size_t len, void **bytes))                     \
    /* ---- connection options (added in 1.2): on the connection's thread only ---- */             \
    /* the value option `name` has on connection c now (NULL when unset): how a protocol reads     \
     * its network's settings (memcache.item_size_max) from conn_open or parse */                  \
    X(const char *, conn_option, (keel_conn * c, const char *name))                                \
    /* ---- commands run by a process (added in 1.2): EXEC, scripts ---- */                        \
    /* runs argv as a command of p's client, under p's locks (the keys p holds are the             \
     * command's; keys the command takes besides stay held until p ends).  KEEL_OK: it             \
     * finished, call_reply has its reply.  KEEL_WAIT: it runs on; return KEEL_BLOCK, and the      \
     * opcode runs again once it finished (call_reply non-NULL).  KEEL_MOVED: pass it on (a        \
     * command of the connection runs on its thread).  KEEL_EINVAL: no command, or one is          \
     * running.  Unknown commands, wrong arity and refused permissions finish at once with the     \
     * error as their reply; a blocking command does not block (it answers as on a timeout) */     \
    X(keel_status, call, (keel_proc * p, uint32_t argc, const keel_arg *argv))                     \
    /* the finished command's reply (NULL while it runs or when there is none); valid until the    \
     * next call, call_clear or the end of p */                                                    \
    X(const keel_reply *, call_reply, (keel_proc * p))                                             \
    /* true when the finished command failed (its reply is an error it ended on) */                \
    X(bool, call_failed, (keel_proc * p))                                                          \
    /* forgets the finished command and its reply */                                               \
    X(void, call_clear, (keel_proc * p))                                                           \
    /* a nil that RESP2 sends as a null array (*-1), as Redis answers EXEC and BLPOP */            \
    X(void, reply_nil_array, (keel_proc * p))                                                      \
    /* ---- what scripts need (added in 1.2) ---- */                                               \
    /* the flags (KEEL_CMD_*) one call of the command argv[0] names would be checked with (its     \
     * access callback's answer included): KEEL_OK; KEEL_EINVAL when argc does not fit its         \
     * arity (*flags: the command's own); KEEL_NOTFOUND for no such command.  Any thread */        \
    X(keel_status, command_flags, (uint32_t argc, const keel_arg *argv, uint64_t *flags))          \
    /* call, with KEEL_CALL_* options: KEEL_CALL_NOWAIT makes a key the command would wait for     \
     * (one another process holds and p does not) end it at once, failed, with call_conflict       \
     * true, instead of waiting */                                                                 \
    X(keel_status, call_opts, (keel_proc * p, uint32_t argc, const keel_arg *argv, unsigned opts)) \
    /* true when the finished command stopped at a key it may not wait for (KEEL_CALL_NOWAIT) */   \
    X(bool, call_conflict, (keel_proc * p))                                                        \
    /* how many keys the finished command locked that p did not hold (p holds them now) */         \
    X(uint32_t, call_keys_taken, (keel_proc * p))                                                  \
    /* asks p to start over wider: when the opcode next returns KEEL_YIELD, p gives back every     \
     * lock it holds and runs its program again from the start (registers and reply cleared)       \
     * with its keys widened by every key it held and the key its last call stopped at (left       \
     * uncleared: the restart clears it), all locked up front in the usual order.  For a script    \
     * that met a key it did not declare */                                                        \
    X(void, proc_restart_wider, (keel_proc * p))                                                   \
    /* marks p busy until it ends: a process that would wait for a key p holds (and those          \
     * waiting already) fails with `error` ("BUSY ...", a string that outlives p) instead */       \
    X(void, proc_set_busy, (keel_proc * p, const char *error))                                     \
    /* adds section `name` ("Scripting") to INFO: fn appends its "field:value\r\n" lines to        \
     * out (on any thread, so it reads only what is safe to read from there).  Only in init */     \
    X(keel_status, register_info,                                                                  \
      (keel_module * m, const char *name, keel_info_fn fn, const char **err))                      \
    /* ---- out-of-band pushes (added in 1.2): on the connection's thread only ---- */             \
    /* sends c an out-of-band message, an array of n bulk strings (a KEEL_REPLY_PUSH node: a       \
     * RESP3 push, a plain array in RESP2), as pub/sub messages are: after the replies of the      \
     * requests that finished before it, ahead of those still running (n at most 64).  Counts      \
     * as c's output (client-output-buffer-limit); KEEL_ESTATE when c is closing */                \
    X(keel_status, conn_push, (keel_conn * c, const keel_arg *parts, uint32_t n))                  \
    /* how many channels, patterns and shard channels c is subscribed to: what CLIENT LIST         \
     * shows, and while any is not 0, c is a pub/sub client (its output limit class, CLIENT        \
     * KILL TYPE pubsub) and, unless its pushes are out of band, in subscribed mode: only          \
     * commands flagged KEEL_CMD_PUBSUB run (Redis's RESP2 rule) */                                \
    X(void, conn_set_subscriptions,                                                                \
      (keel_conn * c, uint32_t channels, uint32_t patterns, uint32_t shard_channels))              \
    /* the protocol says whether c tells pushes from replies (RESP3: true); starts false */        \
    X(void, conn_set_out_of_band, (keel_conn * c, bool on))                                        \
    /* ---- connection data (added in 1.2): on the connection's thread only ---- */                \
    /* attaches data to c under hooks (one per kind of data: keel/conn.h); KEEL_EEXIST when        \
     * data is attached under hooks already, KEEL_ESTATE when c has closed */                      \
    X(keel_status, conn_attach, (keel_conn * c, const keel_conn_hooks *hooks, void *data))         \
    /* the data attached to c under hooks, or NULL */                                              \
    X(void *, conn_attached, (keel_conn * c, const keel_conn_hooks *hooks))                        \
    /* RESET: c leaves MULTI and forgets its watched keys, returns to its network's namespace,     \
     * database, options and authentication state, loses its name and out-of-band pushes, and      \
     * every attached data's reset hook runs (the protocol resets its own state) */                \
    X(void, conn_reset, (keel_conn * c))                                                           \
    /* ---- worker threads (added in 1.2) ---- */                                                  \
    /* how many worker threads the server runs (valid from init on) */                             \
    X(uint32_t, thread_count, (void))                                                              \
    /* the worker thread running the caller (0 .. thread_count-1), or -1 on any other thread */    \
    X(int, thread_self, (void))                                                                    \
    /* the worker thread c lives on (any thread may ask while c is open) */                        \
    X(uint32_t, conn_thread, (keel_conn * c))                                                      \
    /* runs fn(arg) on worker thread `thread`, soon, between its other work: calls posted from     \
     * one thread run in the order posted.  KEEL_EINVAL for no such thread, KEEL_ESTATE before     \
     * the threads start.  Once the server runs, every call posted is run (at shutdown too) */     \
    X(keel_status, thread_post, (uint32_t thread, void (*fn)(void *arg), void *arg))               \
    /* ---- publishing (added in 1.2): keel/pubsub.h ---- */                                       \
    /* registers the server's publisher (one; only inside init) */                                 \
    X(keel_status, register_publisher, (keel_module * m, keel_publish_fn fn, const char **err))    \
    /* publishes through the registered publisher (keel_publish_fn says how); -1 when no           \
     * module registered one (no pub/sub module loaded).  Any thread */                            \
    X(int64_t, publish,                                                                            \
      (const keel_arg *path, uint32_t npath, unsigned flags, const void *channel, size_t clen,     \
       const void *msg, size_t mlen))                                                              \
    /* ---- reply shapes (added in 1.3) ---- */                                                    \
    /* an array of npairs pairs (2 * npairs children, field then value): RESP3 shows each pair     \
     * as a two-element array, as Redis 7 does; RESP2 and the other syntaxes show it flat */       \
    X(void, reply_pairs, (keel_proc * p, size_t npairs))                                           \
    /* ---- keyspace notifications (added in 1.3): keel/notify.h ---- */                           \
    /* reports event (a lower-case name: "lpush") of class cls (one KEEL_NOTIFY_* class bit)       \
     * on key, named as p's keyspace calls name it (inside p's namespace and the names it          \
     * pushed), in p's database: published on __keyspace@<db>__:<key> and                          \
     * __keyevent@<db>__:<event> when notify-keyspace-events enables the class.  Costs one test    \
     * when it does not.  Call it after the change, in Redis's order; KEEL_EINVAL for a bad        \
     * class or an empty event name */                                                             \
    X(keel_status, notify,                                                                         \
      (keel_proc * p, unsigned cls, const char *event, const void *key, size_t klen))              \
    /* ---- persistence (added in 1.3): keel/type.h's save op ---- */                              \
    /* appends n bytes to the object a type's save op is writing: KEEL_OK, KEEL_ENOMEM.  Only      \
     * inside save, on the sink it was handed */                                                   \
    X(keel_status, sink_write, (keel_sink * sink, const void *data, size_t n))                     \
    /* appends box v packed as datakit packs it (dk_box_pack: a type byte, then the fewest         \
     * bytes), which dk_box_unpack reads back: KEEL_OK, KEEL_EINVAL for a DK_PTR, KEEL_ENOMEM */   \
    X(keel_status, sink_write_box, (keel_sink * sink, const dk_val *v))                            \
    /* ---- in-place string edits (added in 1.4) ---- */                                           \
    /* write access to key's string value where it lies, when the keyspace can (a big bytes        \
     * value without aux words, as key_append): first grows it with zero bytes to at least         \
     * len bytes (amortised O(1) per byte, expiry kept), then *bytes points at its *out_len        \
     * bytes, writable until the process next changes the keyspace, yields, hops or blocks.        \
     * KEEL_EINVAL when it cannot (store the whole new value instead: nothing changed);            \
     * KEEL_NOTFOUND, KEEL_MOVED and KEEL_WAIT as key_lookup */                                    \
    X(keel_status, key_bytes_edit,                                                                 \
      (keel_proc * p, const void *key, size_t klen, size_t len, void **bytes, size_t *out_len))    \
    /* ---- the append-only log (added in 1.4) ---- */                                             \
    /* logs command argv (argv[0] its name) in place of p's own arguments when p's write           \
     * succeeds: relative times as absolute (SET .. PXAT, PEXPIREAT), random choices as what       \
     * was chosen (SPOP as SREM), float arithmetic as its result (INCRBYFLOAT as SET).  The        \
     * last call counts (a handler re-run after a hop says it again): the command is replayed      \
     * in p's database and namespace; argc 0 logs nothing for p.  The arguments are copied.        \
     * KEEL_OK at once when the log is off;                                                        \
     * KEEL_EINVAL for argc > 0 without argv.  Only inside p's opcode handlers */                  \
    X(keel_status, proc_log_as, (keel_proc * p, uint32_t argc, const keel_arg *argv))              \
    /* ---- values in their snapshot form (added in 1.4): DUMP/RESTORE of module types ---- */     \
    /* appends what v's type's save op writes for v->obj to out: KEEL_OK; KEEL_EINVAL for a        \
     * box, a namespace or a type without save; KEEL_ENOMEM.  Inside p's opcode, v fresh from      \
     * keel_key_lookup */                                                                          \
    X(keel_status, value_save, (keel_proc * p, const keel_value *v, keel_buf *out))                \
    /* the id of the registered type named name ("btree"), KEEL_TYPE_NONE when none is */          \
    X(keel_type_id, type_lookup, (const char *name))                                               \
    /* rebuilds an object of `type` from bytes value_save gave (its load op, which checks          \
     * them) and stores it at key as keel_key_store_object does: KEEL_OK; KEEL_EINVAL with         \
     * *err set when the type has no load op or refuses the bytes; KEEL_MOVED/KEEL_WAIT as a       \
     * store (nothing is kept: call again) */                                                      \
    X(keel_status, key_store_saved,                                                                \
      (keel_proc * p, const void *key, size_t klen, keel_type_id type, const void *data,           \
       size_t len, const char **err))                                                              \
    /* ---- typed replies and foreign members (added in 1.4) ---- */                               \
    /* a double given as its text (Redis's own formats: GEOPOS's "%.17Lf" trimmed): a bulk         \
     * string node marked KEEL_REPLY_BULK_DOUBLE, which RESP3 writes as a double (",text")         \
     * and every other syntax as the bulk string.  text must be a number's text, no CR/LF */       \
    X(void, reply_double_text, (keel_proc * p, const char *text, size_t n))                        \
    /* visits up to max members of the value v (a key_lookup answer) from *cursor (0 starts)       \
     * through its type's members_step op (keel/type.h): KEEL_OK with *done set, *cursor           \
     * advanced; KEEL_EINVAL when v's type has no such op (a string, or a type that does not       \
     * offer its members).  For commands of one module that take another's values as input         \
     * (ZUNION takes a set) without including its headers */                                       \
    X(keel_status, value_members,                                                                  \
      (const keel_value *v, uint64_t *cursor, size_t max, keel_member_fn fn, void *ctx,            \
       bool *done))                                                                                \
    /* ---- state kept across parks (added in 1.4) ---- */                                         \
    /* n zeroed bytes of p's arena that keep their contents when p starts its program over         \
     * after a park (registers and reply do not): what XREAD BLOCK resolved `$` to.  The first     \
     * call allocates the block; later calls (with n no larger) return the same block; NULL        \
     * when n is larger than the first call's */                                                   \
    X(void *, proc_keep, (keel_proc * p, size_t n))                                                \
    /* ---- running alone (added in 1.5) ---- */                                                   \
    /* asks p to start over alone: when the opcode next returns KEEL_YIELD, p gives back every     \
     * lock it holds and runs its program again from the start (as proc_restart_wider does,        \
     * its keys widened the same way), first raising a gate on every shard in shard order and      \
     * waiting until no other process holds a key anywhere; until p ends, no other process         \
     * takes a key (commands without keys still run).  For a script that touches keys it does      \
     * not declare: alone it can take any key without waiting, as in Redis's one thread */         \
    X(void, proc_restart_alone, (keel_proc * p))                                                   \
    /* true when p runs alone (proc_restart_alone took effect), or is a call run by a process      \
     * that does (since 1.9: EXEC runs alone when it queued a KEEL_CMD_WIDE command) */            \
    X(bool, proc_alone, (keel_proc * p))                                                           \
    /* ---- eviction state (added in 1.5) ---- */                                                  \
    /* sets key's recency/frequency word as RESTORE's IDLETIME and FREQ do in Redis: under         \
     * an LFU maxmemory-policy freq (0..255; -1 = leave it) becomes its LFU counter as of          \
     * now; under every other policy idle_s (>= 0; -1 = leave it) makes its last access            \
     * that many seconds ago (the clock keeps 16 bits of seconds: more than 64800, 18              \
     * hours, is taken as 64800).  A value the policy in force does not track is ignored           \
     * (KEEL_OK).  KEEL_EINVAL for freq > 255 or values below -1; KEEL_NOTFOUND, KEEL_MOVED        \
     * and KEEL_WAIT as key_lookup */                                                              \
    X(keel_status, key_access_set,                                                                 \
      (keel_proc * p, const void *key, size_t klen, int64_t idle_s, int freq))                     \
    /* ---- key walks for aggregators (added in 1.6): keel/type.h's keel_walk_fn ---- */           \
    /* a walk over the keys of p's namespace (the client's, on every shard) whose names match      \
     * the glob `pattern` (NULL or "*": every key), with one partial result of partial_size        \
     * zeroed bytes per shard, all in p's arena (keep it in a register: dk_ptr).  NULL when        \
     * partial_size is above KEEL_WALK_PARTIAL_MAX.  The walk takes no lock (as KEYS) */           \
    X(keel_walk *, walk_new,                                                                       \
      (keel_proc * p, const void *pattern, size_t plen, size_t partial_size))                      \
    /* drives walk w: on each shard's own thread in turn, calls fn(ctx, that shard's partial,      \
     * key, value) for each live key that matches, so that each key is folded into the             \
     * partials once however the tables resize between slices (a shard whose table resized is      \
     * walked over once, its partial zeroed first: fn keeps its results in the partial only);      \
     * a key written meanwhile is seen in either state, one made or deleted meanwhile may be       \
     * seen or not.  Charges KEEL_WALK_VISIT_COST reductions per entry visited.                    \
     * Returns KEEL_YIELD (budget spent) or KEEL_HOP: return that from the opcode, and call        \
     * again with the same w when it runs again; KEEL_NEXT once every shard is walked (or fn       \
     * returned false) and p is back on its connection's thread: merge the partials there */       \
    X(keel_op_result, walk_step, (keel_proc * p, keel_walk * w, keel_walk_fn fn, void *ctx))       \
    /* how many partials w has (one per shard), and partial i (0 .. count-1) */                    \
    X(uint32_t, walk_partials, (const keel_walk *w))                                               \
    X(void *, walk_partial, (keel_walk * w, uint32_t i))                                           \
    /* ---- module settings (added in 1.6) ---- */                                                 \
    /* registers a setting (only inside init): its value is the one given at load, else the        \
     * default; KEEL_EINVAL for a bad name or a value its check refuses, KEEL_EEXIST twice */      \
    X(keel_status, register_config,                                                                \
      (keel_module * m, const keel_config_def *def, const char **err))                             \
    /* copies the setting's value now into buf (NUL-terminated, cut to cap - 1 bytes) and          \
     * returns its whole length, or -1 when m has no setting of that name; any thread */           \
    X(long, config_get, (keel_module * m, const char *name, char *buf, size_t cap))                \
    /* ---- namespace deadlines (added in 1.6) ---- */                                             \
    /* records that the deadline `name` (e.g. "memcache.flush") of c's namespace in c's            \
     * database falls due at at_ms (unix ms), replacing that namespace's earlier one of the        \
     * name; KEEL_ENOMEM when 1024 deadlines wait already, KEEL_EINVAL for no name.  Any           \
     * thread; the table is shared */                                                              \
    X(keel_status, deadline_set, (keel_conn * c, const char *name, int64_t at_ms))                 \
    /* forgets the deadline `name` of c's namespace (none: nothing) */                             \
    X(void, deadline_cancel, (keel_conn * c, const char *name))                                    \
    /* claims the deadline `name` of c's namespace when it is due: true once, and it is            \
     * forgotten; false when there is none or it is still to come */                               \
    X(bool, deadline_take, (keel_conn * c, const char *name))                                      \
    /* for a protocol, between requests on c's thread: true when the deadline `name` of c's        \
     * namespace is due (without claiming it), at most once per change of the table, so a          \
     * request that claims it is sent once; cheap while nothing changes (no lock).  It             \
     * remembers one name per connection: ask about one */                                         \
    X(bool, conn_deadline_due, (keel_conn * c, const char *name))                                  \
    /* ---- load arguments (added in 1.6) ---- */                                                  \
    /* the arguments m was loaded with (MODULE LOAD path arg ..., MODULE LOADEX path ... ARGS      \
     * arg ..., the config file's "module_args": {"name": ["arg", ...]}): their count, with        \
     * *argv set to them (NUL-terminated; valid until m is unloaded); 0 when none.  In init        \
     * or later, any thread */                                                                     \
    X(uint32_t, module_args, (keel_module * m, const char *const **argv))                          \
    /* ---- putting children's writes back (added in 1.8) ---- */                                  \
    /* from now on, before a child of p (keel_call) that may write first reaches a key, keeps      \
     * what the key held, so that keel_proc_undo can put it back: for a script that must start     \
     * over after writing (a key it did not declare is held by another process).  Costs a copy     \
     * of each value a child first writes: a value over value_max bytes (as its type counts it;    \
     * at most 4 MiB), or 16 times that in all, breaks the log instead (proc_undo_ready) */        \
    X(void, proc_undo_begin, (keel_proc * p, size_t value_max))                                    \
    /* true when p keeps that log and every write so far could be kept (not: a value past its      \
     * sizes, a hash or namespace counting whole; a type without a copy op; a command that         \
     * writes without naming keys; more than 4096 keys): only then can keel_proc_undo put it       \
     * back */                                                                                     \
    X(bool, proc_undo_ready, (keel_proc * p))                                                      \
    /* puts back every key p's children changed since proc_undo_begin, while p still holds its     \
     * locks (nobody saw the writes; nobody sees them go), each on its own shard's thread:         \
     * KEEL_HOP (return it from the opcode and call again when it runs there) until KEEL_NEXT:     \
     * done, and their log records dropped; the log then stops.  Keyspace notifications already    \
     * sent stay sent.  Call it with no child running (keel_call_clear first), and only when       \
     * proc_undo_ready said true before the writes (else it puts nothing back); then restart p */  \
    X(keel_op_result, proc_undo, (keel_proc * p))                                                  \
    /* the database p's later children (keel_call) name their keys in: SELECT inside a script,     \
     * which Redis 7 scopes to the script (p's own keys and its client's database stay).           \
     * KEEL_EINVAL past the `databases` setting, KEEL_ESTATE for another than 0 in cluster mode.   \
     * A restart of p goes back to its own database (added in 1.8) */                              \
    X(keel_status, call_select, (keel_proc * p, uint32_t db))
/* clang-format on */

#define KEEL_API_MEMBER(ret, name, params) ret(*name) params;

/* The table handed to init.  Read size before using any member added after 1.0. */
typedef struct keel_api {
    size_t size; /* sizeof(struct keel_api) as the core built it */
    uint16_t abi_major;
    uint16_t abi_minor;
    KEEL_API_LIST(KEEL_API_MEMBER)
} keel_api;

#endif

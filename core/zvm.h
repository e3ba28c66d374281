/* zvm.h -- the zvm: programs, processes, and running them with reduction counting.
 *
 * A process carries everything a command needs across yields, hops between threads and
 * waits on locks: its program counter, registers, declared keys, the locks it holds, its
 * arena (argv, reply tree, scratch) and the reply tree being built.  Processes are created
 * and recycled by their home thread (the connection's); any thread that owns one of its keys'
 * shards may run it.
 */
#ifndef KEEL_CORE_ZVM_H
#define KEEL_CORE_ZVM_H

#include <ck_stack.h>
#include <keel/sdk.h>
#include <stdbool.h>
#include <stdint.h>

struct thr;
struct keel_conn;
struct cmd_entry;
struct lock_ent;
struct blocker;
struct ns_path;
struct opt_set;
struct zvm_cleanup;

/* ---- programs ---- */

typedef struct zvm_program {
    const struct cmd_entry *cmd; /* NULL for programs built outside the command table */
    uint32_t n;
    keel_insn insn[];
} zvm_program;

/* Builds a program from a module's template; prepends key.lock when lock_prologue.  Resolves
 * opcode names to handlers.  On failure returns NULL with err filled. */
zvm_program *zvm_program_build(const keel_insn_def *tmpl, bool lock_prologue, char *err,
                               size_t errlen);
void zvm_program_free(zvm_program *prog);

/* ---- processes ---- */

/* Inter-thread message header; every message starts with one. */
enum msg_kind { MSG_RUN = 1, MSG_DONE, MSG_CONN, MSG_UNLOCK, MSG_CALL, MSG_CALL_KEPT };
typedef struct msg {
    ck_stack_entry_t link;
    uint8_t kind;
} msg;

typedef struct zvm_key {
    const char *ptr; /* the key as the command names it (argv) */
    size_t len;
    const char *lptr; /* its lock identity: the path's top-level entry */
    size_t llen;
    uint64_t hash; /* hash of the lock identity */
    uint32_t shard;
    uint32_t argi; /* its argv index */
} zvm_key;

typedef struct zvm_lockref {
    uint32_t shard;
    struct lock_ent *ent;
} zvm_lockref;

typedef struct arena_chunk arena_chunk;

enum zvm_state { ZVM_FREE = 0, ZVM_NEW, ZVM_RUNNING, ZVM_READY, ZVM_WAITING, ZVM_DONE };

typedef struct reply_frame {
    keel_reply *node; /* the open aggregate */
    keel_reply *last; /* its last child so far */
    int64_t left;     /* children still expected; -1 = open until reply_close */
} reply_frame;

#define ZVM_REPLY_DEPTH 32

typedef struct zvm_proc {
    keel_proc pub; /* what modules see; must stay first */
    msg m;         /* for sending the process between threads */
    dk_val reg[KEEL_NREGS];
    const zvm_program *prog;
    uint32_t pc;
    uint8_t state;    /* enum zvm_state */
    bool lazy_locks;  /* single shard: locks not in the lock table yet */
    bool failed;      /* ended with KEEL_FAIL */
    bool lock_watch;  /* waits for a lock to go away without taking it */
    uint64_t serial;  /* lock owner token, unique over the server's life */
    struct thr *home; /* the connection's thread: creates and recycles it */
    struct thr *cur;  /* the thread running it now */
    struct keel_conn *conn;
    const struct cmd_entry *cmd;      /* set with zvm_proc_set_cmd (counts it in its module) */
    struct keel_module *counted_in;   /* the module whose live count has this process */
    const char *cmd_name;             /* lower-case name the client used (an alias's own name) */
    void (*done)(struct zvm_proc *p); /* called on the home thread when it finished */
    struct blocker *blk;              /* set while parked by keel_block_keys */
    bool block_req;                   /* the running opcode asked to park (keel_block_keys) */
    uint8_t wake_reason;              /* enum blk_state after a park: woken, timed out, cancelled */
    int64_t block_timeout_ms;         /* 0 = no timeout */
    int64_t block_deadline_ms; /* set by the first timed park (keel_now_ms); later parks wait the
                                  rest */
    uint64_t tag;              /* protocol's request tag */
    int64_t started_ns;
    struct ns_path *ns;           /* the connection's namespace when the request came (a ref) */
    uint32_t db;                  /* ... and its database (SELECT) */
    struct opt_set *opts;         /* ... and its module options (a ref) */
    struct zvm_cleanup *cleanups; /* keel_proc_defer_free calls, run when recycled */
    keel_arg *push;               /* namespaces pushed by keel_proc_ns_push (arena) */
    uint32_t npush, cappush;
    uint64_t keymiss_sent; /* keymiss events sent, by declared key index (< 64) */
    /* the last key keel_key_lookup looked at (alive or absent, and not expired, at seen_ms): a
     * store to it at the same time with KEEPTTL need not look for an expired entry again; known
     * by table, length and 64-bit hash (the key's bytes may be gone by then) */
    const struct dk_table *seen_table;
    size_t seen_klen;
    uint64_t seen_hash;
    int64_t seen_ms;
    bool seen_found;   /* ... and it was there */
    uint32_t nth_hint; /* 1 + the index of the key keel_key_nth gave last (0: none) */

    /* keys, from the command's key positions (argv views) */
    zvm_key *keys;
    uint32_t nkeys;
    uint32_t *lshards; /* distinct shards of the keys, ascending */
    uint32_t nlshards;
    uint32_t lock_next; /* key.lock progress (index into lshards) */
    uint32_t lock_key;  /* ... and the first key of that shard (keys are sorted by shard) */
    uint32_t lock_pos;  /* ordered acquisition: the shard's keys before this are held */
    bool lock_ordered;  /* the shard's keys are being taken one by one, in lock order */
    zvm_lockref *locks; /* locks held (registered in lock tables) */
    uint32_t nlocks, caplocks;
    uint32_t target_shard; /* where a KEEL_HOP goes */
    uint32_t cur_shard;    /* shard-iterating opcodes: the shard being visited */

    /* arena */
    arena_chunk *arena;
    char *arena_ptr;
    size_t arena_left;

    /* reply tree */
    keel_reply *reply_first, *reply_last; /* top-level nodes */
    uint32_t nreplies;
    int depth;

    /* keel_call: commands this process runs as its children (EXEC, scripts), or it as one */
    struct zvm_proc *call_parent; /* this process runs a command for call_parent, under its locks */
    struct zvm_proc *call_child;  /* the command running, or finished and not yet cleared */
    bool call_done;               /* call_child has finished */
    bool call_inline;             /* keel_call is stepping call_child right now */
    uint32_t call_db;             /* keel_call_select: its children's database + 1 (0: its own) */
    struct tx_run *tx;            /* EXEC: the queued commands and watched keys it took over */
    keel_reply *step_node;        /* keel_reply_stored_step: the big string being filled */
    struct watch_rec **watch_out; /* WATCH: what it saw of its keys, for its connection */
    uint32_t nwatch_out;

    /* scripts (call.c, busy.c): keys a child may not wait for, starting over wider, BUSY */
    bool call_nowait;       /* the running child may not wait for a key this one lacks */
    bool call_wait_limited; /* ... may wait for one only up to busy-reply-threshold */
    int64_t wait_deadline;  /* (a child) when its limited wait for a key ends in an error */
    bool conflict;          /* (a child) stopped at conflict_key, held by another process */
    bool conflict_spread;   /* ... met in a spread walk: conflict_key is wanted on every shard */
    bool spread_wrote;      /* its spread walk (spread.h) changed a part: it cannot end as a
                               conflict unless its parent's undo log can put that back */
    bool restart_wider;     /* keel_proc_restart_wider: start over at the next yield */
    bool alone;             /* keel_proc_restart_alone: its key.lock raises a gate on
                               every shard (gate.h), held with its locks until it ends */
    bool busy;              /* keel_proc_set_busy: registered busy until it ends */
    uint32_t call_taken;    /* keys its last finished child took that it did not hold */
    zvm_key conflict_key;
    const char *busy_error; /* it waited on a busy process's key: it ends with this error */

    size_t arena_bytes; /* bytes of the arena's extra chunks */
    size_t arena_args;  /* ... of which the arguments took (the rest is reply and scratch) */
    bool started;       /* the connection started it (counted in its nstarted) */
    bool yielded;       /* has yielded: counted in its connection's nlong */
    bool orders;        /* later requests of the connection wait until it is done */
    bool quiet;         /* its reply is not sent (CLIENT REPLY OFF or SKIP) */
    bool no_touch;      /* its reads leave keys' recency/frequency (CLIENT NO-TOUCH) */

    struct zvm_proc *next;      /* run queue / lock waiters / pool */
    struct zvm_proc *conn_next; /* the connection's pending list, in request order */
    uint64_t conn_seq;          /* its place in that list (a push shares its predecessor's) */
    size_t push_bytes;          /* a push (conn_push): the output it stands for; 0 otherwise */
    uint64_t aof_seq;           /* its log record's sequence number + 1 (0: none; aof.h) */
    struct aof_pend *aof_pend;  /* what it logs besides its arguments (aof.c) */
    struct undo_log *undo;      /* keel_proc_undo_begin: its children's writes, kept (undo.h);
                                   a child shares its parent's */
    bool aof_replay;            /* replays the log at start: answers as on a timeout, never parks */
    bool direct_sent;           /* its reply was encoded (and written, but for direct_rest) by
                                   the thread it finished on (conn_direct.h) */
    bool direct_counted;        /* ... which counted it in the command statistics */
    uint32_t direct_errors;     /* ... error replies among it */
    size_t direct_bytes;        /* ... bytes written */
    char *direct_rest;          /* ... what the socket did not take (arena) */
    size_t direct_rest_len;
    size_t direct_out_taken; /* ... bytes of its connection's held output it wrote or kept */
    void *keep;              /* keel_proc_keep's block (arena), kept across parks */
    size_t keep_len;

    /* last: never cleared when recycled (only frames[0..depth] are ever read) */
    reply_frame frames[ZVM_REPLY_DEPTH];
} zvm_proc;

static inline zvm_proc *zvm_of(keel_proc *p) {
    return (zvm_proc *)p;
}
/* The state is read by the home thread while another thread runs the process. */
static inline uint8_t zvm_state(const zvm_proc *p) {
    return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
}
static inline void zvm_set_state(zvm_proc *p, uint8_t s) {
    __atomic_store_n(&p->state, s, __ATOMIC_RELEASE);
}
static inline zvm_proc *zvm_of_msg(msg *m) {
    return (zvm_proc *)(void *)((char *)m - __builtin_offsetof(zvm_proc, m));
}

/* Takes a process from the thread's pool (or allocates one), in state ZVM_NEW. */
zvm_proc *zvm_proc_new(struct thr *t);
/* Returns a finished process to its home thread's pool; frees the arena's extra chunks. */
void zvm_proc_recycle(zvm_proc *p);
/* Sets the command p runs and counts p in its module's live processes (loader_module_live) until
 * it is recycled or given another command; call it on p's home thread. */
void zvm_proc_set_cmd(zvm_proc *p, const struct cmd_entry *ce);
/* Called every second or so: frees the pooled processes the thread has not needed since the
 * last call, beyond a small reserve, so a burst of deep pipelines does not pin their memory. */
void zvm_pool_trim(struct thr *t);
/* Frees a pooled process for good. */
void zvm_proc_destroy(zvm_proc *p);

/* Arena allocation (8-byte aligned, never NULL: the memory reserve, or abort). */
static inline void *zvm_alloc(zvm_proc *p, size_t n);
/* The same, NULL when there is no memory: for what a request may fail on (its arguments, its
 * reply). */
static inline void *zvm_alloc_try(zvm_proc *p, size_t n);
/* Their way when the arena's chunk has no room for n (rounded up to 8) bytes. */
void *zvm_alloc_grow(zvm_proc *p, size_t n, bool may_fail);

static inline void *zvm_alloc_here(zvm_proc *p, size_t n, bool may_fail) {
    n = (n + 7) & ~(size_t)7;
    if (__builtin_expect(n > p->arena_left, 0)) return zvm_alloc_grow(p, n, may_fail);
    void *r = p->arena_ptr;
    p->arena_ptr += n;
    p->arena_left -= n;
    return r;
}
static inline void *zvm_alloc(zvm_proc *p, size_t n) {
    return zvm_alloc_here(p, n, false);
}
static inline void *zvm_alloc_try(zvm_proc *p, size_t n) {
    return zvm_alloc_here(p, n, true);
}
/* Copies argv into the arena (NUL-terminating each argument) and sets pub.argc/argv. */
void zvm_set_argv(zvm_proc *p, uint32_t argc, const keel_arg *argv);
/* The same, but arguments of ZVM_ARG_MOVE_MIN bytes or more lying wholly inside [lo, hi), with
 * the byte after them inside it too, are used where they are (that byte becomes their NUL): the
 * caller keeps that memory alive until p is recycled.  False (argc 0) when the copies found no
 * memory: the caller fails the request. */
#define ZVM_ARG_MOVE_MIN (1024 * 1024)
bool zvm_set_argv_moved(zvm_proc *p, uint32_t argc, const keel_arg *argv, const char *lo,
                        const char *hi);

/* Computes the process's keys and shards from its command's key spec.  Returns false (with an
 * error reply set) when the arguments are malformed for the spec. */
bool zvm_set_keys(zvm_proc *p);
/* Makes p's key.lock visit every shard (p->alone: it raises a gate on each); its keys stay. */
void zvm_set_every_shard(zvm_proc *p);
/* The argument positions of the keys of a call of d (at most argc into pos): how many, or -1
 * when the arguments are malformed for the spec.  Includes the keys a keys callback hints at
 * (a script's ARGV values learned to be keys): they are locked up front like the others. */
int zvm_key_positions(const keel_cmd_def *d, uint32_t argc, const keel_arg *argv, int *pos);
/* The same without the hints: the keys the call declares (COMMAND GETKEYS, cluster routing). */
int zvm_declared_key_positions(const keel_cmd_def *d, uint32_t argc, const keel_arg *argv,
                               int *pos);
/* Places key a (argument argi) as process p would: shard, lock identity, hash. */
void zvm_key_place(zvm_proc *p, const keel_arg *a, uint32_t argi, zvm_key *k);
/* Sets p's keys to a copy of raw[0..n), sorted by shard (stable), and its shard list. */
void zvm_set_key_list(zvm_proc *p, const zvm_key *raw, uint32_t n);

/* What running a process came to. */
typedef enum zvm_outcome { ZVM_OUT_DONE, ZVM_OUT_YIELD, ZVM_OUT_BLOCK, ZVM_OUT_HOP } zvm_outcome;

/* Runs p on the current thread from its pc until it finishes, yields, blocks or must hop. */
zvm_outcome zvm_run(zvm_proc *p);

/* Runs p and deals with the outcome: finished processes go home (or to the connection now when
 * home is this thread), yielded ones to the back of this thread's run queue, hopping ones to
 * the owner of their target shard; blocked ones are already parked by whoever blocked them. */
void zvm_step(zvm_proc *p);

/* Starts loading the table bucket of p's key when it is a single top-level key of a shard t
 * owns: a batch of processes prefetched together overlap their cache misses.  Called twice over
 * a batch: stage 0 loads the buckets, stage 1 (once they have arrived) the chains' first
 * entries. */
void zvm_prefetch(zvm_proc *p, struct thr *t, int stage);

/* ---- lock bookkeeping (zvm_lock.c) ---- */

/* Releases every lock p holds: local lock tables now, other threads' through MSG_UNLOCK. */
void zvm_release_locks(zvm_proc *p);
/* The same in two steps, for a process that may run elsewhere as soon as the first unlock is
 * sent: zvm_take_locks releases the local locks and prepares the messages (p is not touched
 * again by zvm_send_unlocks). */
struct unlock_msg;
struct unlock_msg *zvm_take_locks(zvm_proc *p);
void zvm_send_unlocks(struct unlock_msg *batch);
/* Takes the locks of p's keys [first, end) (all on shard_id; on that shard's thread). */
void zvm_lock_keys(zvm_proc *p, uint32_t shard_id, uint32_t first, uint32_t end);
/* Records s's gate (raised by p, which runs alone) among p's locks: it goes down when they are
 * given back. */
void zvm_hold_gate(zvm_proc *p, uint32_t shard_id);
/* True once p's gate on the shard is up with no other holder left (zvm_hold_gate recorded it),
 * or one of the processes p runs a call for holds it so (they share p's token): such a gate is
 * held once, by whoever raised it, and goes down when that one lets go of its locks. */
bool zvm_holds_gate(const zvm_proc *p, uint32_t shard_id);
/* Takes p's keys [first, end) of shard_id one by one in lock order (keys sorted by lock identity
 * on the first call), from p->lock_pos on: true when all are held; false when one is held by
 * another process, behind which p now waits (keeping the ones before it). */
bool zvm_lock_keys_ordered(zvm_proc *p, uint32_t shard_id, uint32_t first, uint32_t end);
/* Enters p's keys in its shard's lock table (when a lazily-locked process leaves the CPU). */
void zvm_register_lazy_locks(zvm_proc *p);
/* True when p, waiting for a lock, may give back the keys it holds and take them over: a
 * request (not a child) still in its key.lock prologue (nothing run), holding keys, not running
 * alone, not replaying the log. */
bool zvm_may_retake_keys(const zvm_proc *p);
/* On p's thread, p taken off the lock's waiters: gives back every key p holds and starts its
 * key.lock over (busy.c, to free a script that wrote and waits for a key p holds). */
void zvm_retake_keys(zvm_proc *p);
/* Handles an MSG_UNLOCK sent by zvm_release_locks from another thread. */
void zvm_unlock_msg(struct thr *t, msg *m);
/* Child c finished: its locks pass to its parent, held until the parent ends (the ones the
 * parent held already were never c's). */
void zvm_give_locks(zvm_proc *c, zvm_proc *parent);

/* Reply tree (the keel_reply_* SDK calls build it). */
void zvm_reply_reset(zvm_proc *p);
void zvm_reply_errorf(zvm_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a copy of reply tree r (a child's reply, for EXEC). */
void zvm_reply_copy(zvm_proc *p, const keel_reply *r);
/* An error reply of any length, taken as it is (no formatting). */
void zvm_reply_error_text(zvm_proc *p, const char *s, size_t n);
/* Pads unfinished aggregates with nils so the tree is well formed. */
void zvm_reply_finish(zvm_proc *p);

/* Writes a readable listing of prog (DEBUG ZVM EXPLAIN) as one reply line per instruction. */
void zvm_explain(zvm_proc *out, const zvm_program *prog, const zvm_proc *subject);

/* True when p's command may write (its call's flags: KEEL_CMD_WRITE or KEEL_CMD_ADMIN). */
bool zvm_writes(const zvm_proc *p);
/* True when p must run even if its client has gone: it writes, or it is an EXEC (whose queued
 * commands may write). */
bool zvm_must_run(const zvm_proc *p);

/* Reductions a process gets per time slice. */
#define ZVM_SLICE 20000

/* Registers the core's own opcodes (key.*, reply.*, vm.*, shard.*). */
void zvm_register_core_opcodes(struct keel_module *core);

#endif

/* fake_api.h -- a keel_api backed by malloc and a tiny in-process server, for module unit tests.
 *
 * Module code calls keel_xxx(...) through keel_api_ptr.  This harness defines keel_api_ptr and
 * backs every entry of the table without a core: memory (malloc, with a live-block count),
 * logging (kept for assertions), registration (recorded, looked up by name), processes (argv,
 * registers, an arena, a reply tree built exactly as the SDK describes, a small VM that runs a
 * registered program, the command's keys), connections (id, protocol state, name, auth,
 * close-after-reply), a keyspace (one list, expiry on a settable clock, the optional per-key
 * words), server counters and output buffers.  test_fake_api checks that no entry is NULL.
 *
 * It is deterministic: the clock moves only when a test sets it (fake_set_now_ms), threads run
 * posted calls only when a test says (fake_run_posted).  fake_set_yield_every_op makes every
 * process yield at every opcode boundary, with a hook that runs other commands there, so a
 * module that keeps a command's state on the C stack or in globals between opcodes fails its
 * tests here rather than under load.  Installed with the SDK (pkg-config keel-sdk
 * --variable=harnessdir): compile its .c files beside the module and the tests.
 *
 * Typical test:
 *     fake_api_reset();
 *     my_register_everything(fake_module());
 *     keel_proc *p = fake_proc_new(NULL, 3, (const char *[]){"SET", "k", "v"});
 *     ck_assert_int_eq(fake_call(p), KEEL_DONE);
 *     ... fake_proc_reply(p) ...
 *     fake_proc_free(p);
 */
#ifndef KEEL_TEST_FAKE_API_H
#define KEEL_TEST_FAKE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

/* ---- the table ---- */

/* Points keel_api_ptr at the fake table and forgets everything registered, stored and logged
 * before.  Call it in every test's setup. */
void fake_api_reset(void);

/* The fake table, to copy and patch (an allocator that fails, say) before pointing
 * keel_api_ptr at the copy. */
const keel_api *fake_api_table(void);

/* Blocks allocated through keel_alloc/calloc/realloc and not yet freed. */
long fake_api_live_allocs(void);

/* The last message logged through keel_log ("" if none).  Set FAKE_API_LOG=1 in the
 * environment to also print every message on stderr. */
const char *fake_last_log(void);

/* ---- loading a module ---- */

/* Loads a module through its descriptor (extern const keel_module_desc keel_module_descriptor,
 * what KEEL_MODULE defines), checking it as the server does (magic, ABI major, a minor no newer
 * than these headers', size, init), then runs its init with the fake table.  init's status;
 * KEEL_EINVAL, with the reason in fake_last_log, for a descriptor the server would refuse. */
keel_status fake_module_load(const keel_module_desc *d);

/* ---- registrations (since the last reset) ---- */

/* A module handle to pass to init functions and register calls. */
keel_module *fake_module(void);
/* A command by name or alias, case-insensitive; NULL if none. */
const keel_cmd_def *fake_command(const char *name);
const keel_opcode_def *fake_opcode(const char *name);
const keel_proto_def *fake_protocol(const char *name);
/* What keel_module_args answers, for every module (the caller keeps argv alive); none at first
 * (fake_api_reset does not clear it). */
void fake_set_module_args(uint32_t argc, const char *const *argv);
/* A registered type by id (ids start at 1; KEEL_TYPE_BOX is the core's); NULL if none. */
const keel_type_def *fake_type(keel_type_id id);

/* A sink for a type's save op (fake_sink.c): its bytes so far, then freed. */
keel_sink *fake_sink_new(void);
const uint8_t *fake_sink_bytes(const keel_sink *s, size_t *len);
void fake_sink_free(keel_sink *s);
/* The check every type's save/load pair must pass, on obj (a value of type id): save it, load
 * those bytes, save the copy: the two saves are the same bytes; and load, given any shorter
 * prefix of them (a torn file), returns an object or an error message, never crashes or reads
 * past the end (each prefix is its own block, for AddressSanitizer).  NULL when it holds, else
 * what failed. */
const char *fake_type_roundtrip(keel_type_id id, const void *obj);

/* ---- connections ---- */

/* A client connection.  Tests read and set these fields directly. */
struct keel_conn {
    uint64_t id;
    const keel_proto_def *proto; /* the protocol it speaks (NULL: none) */
    void *proto_state;           /* proto->conn_state_size bytes, zeroed at creation */
    char *name;                  /* CLIENT SETNAME / HELLO SETNAME; NULL = none */
    const char *password;        /* the network's requirepass; NULL = none */
    bool authenticated;
    bool close_after_reply;
    const char *database; /* its network's "database" setting; NULL = "0" */
    keel_arg ns[8];       /* the namespace path (names owned by the connection) */
    uint32_t ns_n;
    unsigned ns_coloc; /* KEEL_COLOC_* */
    uint32_t ns_nth;
    uint32_t thread;  /* keel_conn_thread (0 unless a test sets it) */
    uint32_t subs[3]; /* keel_conn_set_subscriptions: channels, patterns, shard channels */
    bool out_of_band; /* keel_conn_set_out_of_band */
    bool closed;      /* keel_conn_attach and keel_conn_push refuse (as on a closed one) */
    char *pushes;     /* every keel_conn_push: its parts joined by ' ', a line each */
    size_t pushes_len;
    long npushes;
    struct fake_attachment {
        const keel_conn_hooks *hooks;
        void *data;
    } attached[4]; /* keel_conn_attach */
    uint32_t nattached;
};

/* A connection speaking proto (may be NULL): allocates its state and calls conn_open.  Ids
 * count from 1. */
keel_conn *fake_conn_new(const keel_proto_def *proto);
/* Runs the close hook of everything attached (as the core does when a connection closes), calls
 * conn_close and frees everything the connection holds. */
void fake_conn_free(keel_conn *c);
/* The pushes c received, a line each ("" if none), and forgets them. */
const char *fake_conn_pushes(keel_conn *c);

/* ---- keyspace notifications ---- */

/* The event name of the last keel_notify call ("" when none since the reset) and how many
 * calls there were. */
const char *fake_last_notify(void);
long fake_notify_count(void);

/* ---- worker threads ---- */

/* keel_thread_count answers n (1 after each reset). */
void fake_set_threads(uint32_t n);
/* keel_thread_self answers t (0 after each reset; -1 for "no worker thread"). */
void fake_set_thread_self(int t);
/* Runs the calls keel_thread_post queued for thread t, in the order posted, with
 * keel_thread_self answering t meanwhile (calls they post run too); returns how many ran. */
int fake_run_posted(uint32_t t);
/* Calls queued for thread t and not run yet. */
int fake_posted(uint32_t t);

/* ---- processes ---- */

/* A process for argv[0..argc) (copied into its arena, NUL-terminated); c may be NULL (then
 * keel_proc_conn returns NULL). */
keel_proc *fake_proc_new(keel_conn *c, int argc, const char *const *argv);
/* The same with binary-safe arguments. */
keel_proc *fake_proc_new_args(keel_conn *c, int argc, const keel_arg *argv);
void fake_proc_free(keel_proc *p);

/* Runs program, resolving opcode names through the registered opcodes and charging their
 * cost, until a handler returns KEEL_DONE, KEEL_FAIL, KEEL_BLOCK or KEEL_HOP (returned), or
 * the program's end (KEEL_DONE).  KEEL_YIELD refills the budget and resumes.  An unknown
 * opcode is KEEL_FAIL with an error reply. */
keel_op_result fake_proc_run(keel_proc *p, const keel_insn_def *program);
/* Runs argv[0]'s registered command, checking arity as the core does (KEEL_FAIL with Redis's
 * "unknown command" / "wrong number of arguments" errors). */
keel_op_result fake_call(keel_proc *p);
/* Does what the core does with a request a protocol parsed: a reply-only one (argc 0,
 * reply_only) gets a process holding just a nil reply; any other runs argv[0]'s command
 * (fake_call).  Free the process with fake_proc_free. */
keel_proc *fake_request_run(keel_conn *c, const keel_request *req);
/* When on, every process yields at every opcode boundary (after an opcode that returns
 * KEEL_NEXT or KEEL_JUMP), as a busy server may make it: its budget is refilled and the yield
 * hook runs.  Off after each reset. */
void fake_set_yield_every_op(bool on);
/* fn(p, ctx) runs at every yield of a process p (its own KEEL_YIELD, a budget spent at a jump,
 * or a boundary forced above): what other clients' commands do on the thread while p waits.
 * Commands fn runs do not call it again.  NULL: none (after each reset).  A process that yields
 * 10,000,000 times without finishing fails with "ERR harness: OP yielded N times ...": its
 * handler starts over on every resume (progress kept on the C stack). */
void fake_set_yield_hook(void (*fn)(keel_proc *p, void *ctx), void *ctx);
/* Times fake_proc_run resumed after a yield. */
long fake_proc_yields(const keel_proc *p);
/* Budget each run and each resume starts with (default 1000). */
void fake_proc_set_budget(keel_proc *p, int64_t budget);

/* The first top-level reply (later top-level replies follow through ->next); NULL if none. */
const keel_reply *fake_proc_reply(const keel_proc *p);
/* True while an aggregate is still waiting for children (a malformed reply so far). */
bool fake_proc_reply_open(const keel_proc *p);

/* ---- clock and keyspace ---- */

/* keel_now_ms; defaults to 1,000,000,000,000 after each reset. */
void fake_set_now_ms(int64_t ms);
/* Sets (value NULL: removes) a module option every fake connection and process sees. */
void fake_set_option(const char *name, const char *value);
/* Keys stored and not expired. */
size_t fake_key_count(void);

/* ---- buffers ---- */

/* Frees a keel_buf grown by keel_buf_reserve and zeroes it. */
void fake_buf_free(keel_buf *b);

#endif

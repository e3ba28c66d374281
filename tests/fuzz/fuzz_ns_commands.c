/* fuzz_ns_commands.c -- fuzz targets: sequences of commands run by a whole keel-server inside
 * this process (inproc_server.h), over a real connection, on a real worker thread.  Built three
 * times:
 *   ns_commands     the namespace and key commands (NS HS CS NSRESET WHEREAMI SET GET DEL RENAME
 *                   KEYS GETALL HSET EXPIRE ...) with the strings and maps modules;
 *   data_commands   (FUZZ_DATA_COMMANDS) the commands of every data-type module besides: lists,
 *                   sets, sorted sets, HyperLogLogs, streams, SORT, sparse bitsets, B-trees;
 *   tx_commands     (FUZZ_TX_COMMANDS too) those with transactions (MULTI EXEC WATCH ...), scripts
 *                   and functions (EVAL EVALSHA FCALL ..., bounded: fuzz_tx_rewrite.c), the
 *                   blocking commands (timeouts of at most 20 ms) and the numbered databases
 *                   (SELECT MOVE SWAPDB FLUSHDB).
 *
 * Input: a header line, then one command a line, arguments split at single spaces (so empty
 * and odd names occur).  Header: byte 0 'a' runs on an admin network at the top, anything else
 * on a tenant network locked in namespace "tenant" (read + write, no admin); byte 1 picks the
 * worker thread; byte 2 's' sends one command at a time instead of one pipeline.  A line that
 * starts with '@' is a second client's (on the same network, on the next worker thread): its
 * pipeline goes at the same time as the first one's, or, one at a time, the two take turns in
 * input order.  Commands outside the target's list are skipped (they would stop the server,
 * block, or burn time).
 *
 * Checks: the server never crashes, hangs or leaks; every command gets exactly one well-formed
 * reply, in order; and a tenant never gets out of its namespace: no reply of its carries the
 * secret stored outside (in a value of every type the target has), afterwards everything
 * outside is exactly as it was, and (tx_commands) no other database holds anything but the
 * tenant's namespace.  FUZZ_SHOW_REPLIES=1 in the environment prints each input's replies. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz_admin.h"
#include "fuzz_ns_profile.h"
#ifdef FUZZ_TX_COMMANDS
#include "fuzz_tx_rewrite.h"
#endif
#include "inproc_server.h"
#include "resp_reply.h"
#include "resp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COMMANDS 200
#define TIMEOUT_MS 60000

static bool is_allowed(const char *name, size_t len) {
    return fuzz_allowed(allowed, sizeof allowed / sizeof allowed[0], name, len);
}

/* ---- the world outside the tenant's namespace ---- */

static fuzz_world world = {.admin_fd = -1}; /* its secret: random each run */
static resp_buf pristine;                   /* what the outside check answers before any input */

static void admin(const char *script, resp_buf *out) {
    fuzz_admin(world.admin_fd, world.secret, script, out, TIMEOUT_MS);
}

static size_t secret_count(const char *s, size_t n) {
    return fuzz_count_of(world.secret, s, n);
}

#ifdef FUZZ_TX_COMMANDS
static void load_scripts(void);
#endif

static void init(void) {
    fuzz_world_start(&world, modules, (int)(sizeof modules / sizeof modules[0]));
    resp_buf scratch = {0};
    admin(setup_script, &scratch);
    admin(outside_script, &pristine);
    /* every value holding the secret was stored and reads back: else a check would be blind */
    CHECK(secret_count(pristine.data, pristine.len) == SECRETS_OUTSIDE,
          "the set-up stored %zu secrets, not %d:\n%.*s", secret_count(pristine.data, pristine.len),
          SECRETS_OUTSIDE, (int)pristine.len, pristine.data);
    free(scratch.data);
#ifdef FUZZ_TX_COMMANDS
    load_scripts();
#endif
}

/* Checks the array of names at p ("*N\r\n" then "$len\r\nname\r\n" each), KEYS *'s reply at the
 * top of database db: each is one of known[0..nknown).  Returns where the array ends. */
static const char *check_names(const char *p, int db, const char *const *known, size_t nknown) {
    CHECK(*p == '*', "KEYS * in database %d answered %.40s", db, p);
    long n = strtol(p + 1, NULL, 10);
    p = strchr(p, '\n') + 1;
    for (long k = 0; k < n; k++) {
        long len = strtol(p + 1, NULL, 10);
        const char *name = strchr(p, '\n') + 1;
        bool ok = false;
        for (size_t i = 0; i < nknown; i++)
            ok |= strlen(known[i]) == (size_t)len && !memcmp(name, known[i], (size_t)len);
        CHECK(ok, "a tenant made the key \"%.*s\" at the top of database %d", (int)len, name, db);
        p = name + len + 2;
    }
    return p;
}

/* The top-level keys of database 0 are among sentinel, outside, tenant2 and tenant. */
static void check_top_keys(void) {
    resp_buf r = {0};
    admin("KEYS|*", &r);
    static const char *const known[] = {"sentinel", "outside", "tenant2", "tenant"};
    check_names(r.data, 0, known, 4);
    free(r.data);
}

#ifdef FUZZ_TX_COMMANDS
/* Every other database holds at most the tenant's namespace at its top. */
static void check_other_databases(void) {
    char script[512];
    size_t at = 0;
    for (int db = 1; db < CONF_DEFAULT_DATABASES; db++)
        at += (size_t)snprintf(script + at, sizeof script - at, "SELECT|%d;KEYS|*;", db);
    snprintf(script + at, sizeof script - at, "SELECT|0");
    resp_buf r = {0};
    admin(script, &r);
    static const char *const known[] = {"tenant"};
    const char *p = r.data;
    for (int db = 1; db < CONF_DEFAULT_DATABASES; db++) {
        CHECK(strncmp(p, "+OK\r\n", 5) == 0, "SELECT %d answered %.40s", db, p);
        p = check_names(p + 5, db, known, 1);
    }
    free(r.data);
}

/* Loads the script templates, keeping their SHA1s for EVALSHA, and the function library. */
static void load_scripts(void) {
    resp_buf r = {0};
    char cmd[1024];
    for (int i = 0; i < FUZZ_TX_NTEMPLATES; i++) {
        snprintf(cmd, sizeof cmd, "SCRIPT|LOAD|%s", fuzz_tx_templates[i]);
        admin(cmd, &r);
        CHECK(r.len == 47 && memcmp(r.data, "$40\r\n", 5) == 0, "SCRIPT LOAD of template %d: %.*s",
              i, (int)r.len, r.data);
        memcpy(fuzz_tx_shas[i], r.data + 5, 40);
    }
    snprintf(cmd, sizeof cmd, "FUNCTION|LOAD|REPLACE|%s", fuzz_tx_library);
    admin(cmd, &r);
    CHECK(r.len == 8 && memcmp(r.data, "$2\r\nfz\r\n", 8) == 0, "FUNCTION LOAD: %.*s", (int)r.len,
          r.data);
    free(r.data);
}
#endif

/* ---- the input ---- */

/* Two clients: lines starting with '@' are the second one's (on the other worker thread). */
#define NCONNS 2

typedef struct seq {
    resp_buf wire[NCONNS]; /* each client's commands, as RESP */
    size_t ncmds[NCONNS];
    size_t total;
    unsigned char conn[MAX_COMMANDS]; /* whose each command is, in input order */
    size_t ends[MAX_COMMANDS];        /* where it ends in its client's wire */
} seq;

static bool take(void *ctx, int who, int argc, const char **argv, size_t *lens) {
    seq *s = ctx;
    if (!is_allowed(argv[0], lens[0])) return false;
#ifdef FUZZ_TX_COMMANDS
    fuzz_tx_rewrite(argc, argv, lens);
#endif
    resp_buf_command(&s->wire[who], argc, argv, lens);
    s->conn[s->total] = (unsigned char)who;
    s->ends[s->total++] = s->wire[who].len;
    s->ncmds[who]++;
    return true;
}

/* Sends each client's commands and reads their replies: one command at a time in input order
 * (one_by_one), or each client's as one pipeline, both at once. */
static void exchange(seq *s, const int *fds, bool one_by_one, resp_buf *replies) {
    if (one_by_one) {
        size_t from[NCONNS] = {0};
        for (size_t i = 0; i < s->total; i++) {
            int c = s->conn[i];
            CHECK(resp_exchange(fds[c], s->wire[c].data + from[c], s->ends[i] - from[c], 1,
                                &replies[c], TIMEOUT_MS) == 0,
                  "command %zu got no reply (or a malformed one)", i + 1);
            from[c] = s->ends[i];
        }
        return;
    }
    resp_peer peers[NCONNS];
    size_t n = 0;
    for (int c = 0; c < NCONNS; c++)
        if (s->ncmds[c])
            peers[n++] = (resp_peer){.fd = fds[c],
                                     .req = s->wire[c].data,
                                     .len = s->wire[c].len,
                                     .nreplies = s->ncmds[c],
                                     .out = &replies[c]};
    CHECK(resp_exchange_many(peers, n, TIMEOUT_MS) == 0,
          "the pipelines of %zu and %zu commands did not get their replies", s->ncmds[0],
          s->ncmds[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (world.admin_fd < 0) init();
    fuzz_input in = fuzz_read_input(data, size);
    bool as_admin = in.as_admin, one_by_one = in.one_by_one;
    int thread = in.thread;
    seq *s = calloc(1, sizeof *s);
    fuzz_each_command(&in, MAX_COMMANDS, take, s);

    resp_buf scratch = {0};
    admin(setup_script, &scratch);
    int fds[NCONNS];
    for (int c = 0; c < NCONNS; c++) {
        fds[c] = inproc_connect(as_admin ? world.admin_net : world.tenant_net, thread + c);
        CHECK(fds[c] >= 0, "no socketpair");
    }
    resp_buf replies[NCONNS] = {{0}};
    exchange(s, fds, one_by_one, replies);
    for (int c = 0; c < NCONNS; c++) {
        close(fds[c]);
        const char *got = replies[c].data ? replies[c].data : "";
        if (getenv("FUZZ_SHOW_REPLIES")) /* for reading what an input did */
            fprintf(stderr, "%s%.*s---\n", c ? "@" : "", (int)replies[c].len, got);
        CHECK(resp_wire_valid(got, replies[c].len, 2, s->ncmds[c]),
              "client %d's replies are not %zu well-formed RESP2 replies", c + 1, s->ncmds[c]);
        CHECK(as_admin || secret_count(got, replies[c].len) == 0,
              "a tenant read a value outside its namespace");
    }
    if (!as_admin) {
        admin(outside_script, &scratch);
        CHECK(scratch.len == pristine.len && memcmp(scratch.data, pristine.data, pristine.len) == 0,
              "a tenant changed what is outside its namespace:\n%.*s\nwas:\n%.*s", (int)scratch.len,
              scratch.data, (int)pristine.len, pristine.data);
        check_top_keys();
#ifdef FUZZ_TX_COMMANDS
        check_other_databases();
#endif
    }
    /* Empty again, so that after each input the server holds only what its own structures
     * point at: libFuzzer's leak check cannot see the object pointers a table packs unaligned */
    admin("FLUSHALL", &scratch);
    free(scratch.data);
    for (int c = 0; c < NCONNS; c++) {
        free(replies[c].data);
        free(s->wire[c].data);
    }
    free(s);
    return 0;
}

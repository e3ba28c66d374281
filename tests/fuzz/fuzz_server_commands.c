/* fuzz_server_commands.c -- fuzz target: the server and connection control commands (CLIENT,
 * CONFIG, INFO, SLOWLOG, LATENCY, COMMAND, MEMORY, OBJECT, SCRIPT, FUNCTION ...) run by a whole
 * keel-server inside this process (inproc_server.h), over real connections, on real worker
 * threads.
 *
 * Input: a header line, then one command a line, arguments split at single spaces.  Header: byte
 * 0 'a' runs on an admin network at the top, anything else on a tenant network locked in
 * namespace "tenant" (read + write); byte 1 picks the worker thread.  A line that starts with
 * '@' is a second client's (same network, next worker thread); the two pipelines go at once,
 * each ending with PING <marker> (fuzz_peers.h).  Commands outside the list below are skipped,
 * and so are those that would end or silence the conversation or change what the harness
 * stands on: CLIENT REPLY, an admin's CLIENT KILL (the admin connection is on its network),
 * CONFIG SET of anything but the settings in `settable` (no ports, limits, files or password),
 * CONFIG REWRITE, SCRIPT LOAD (the cache would grow from input to input: tx_commands fuzzes
 * scripts), an admin's FUNCTION LOAD/RESTORE/DELETE/FLUSH and SCRIPT FLUSH; CLIENT PAUSE is cut
 * to 20 ms.  After each input the admin flushes the keys and empties the slow log and the
 * latency history.
 *
 * The admin connection is named by the secret, the library it loads carries it in a comment,
 * and a key outside the tenant's namespace holds it.  Checks: the server never crashes, hangs
 * or leaks; every byte a client gets is well-formed RESP2, nothing after its marker; a tenant
 * never receives the secret (CLIENT LIST of other networks, FUNCTION LIST WITHCODE, DUMP), and
 * afterwards the admin connection still answers, keeps its name, and the settings (CONFIG GET
 * *), the libraries and the script cache are as before the input (an admin's input: once its
 * settings are put back). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz_admin.h"
#include "fuzz_peers.h"
#include "inproc_server.h"
#include "resp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_server_commands"
#define MAX_COMMANDS 200
#define TIMEOUT_MS 60000
#define NCONNS 2
#define PAUSE_MAX "20"

static const char *const allowed[] = {
    "CLIENT", "CONFIG", "INFO",     "SLOWLOG",  "LATENCY", "COMMAND",  "MEMORY",
    "OBJECT", "SELECT", "RESET",    "PING",     "ECHO",    "TIME",     "DBSIZE",
    "STATS",  "SELF",   "SCRIPT",   "FUNCTION", "FCALL",   "SET",      "GET",
    "DEL",    "INCR",   "LASTSAVE", "NS",       "NSRESET", "WHEREAMI", "TYPE",
};
static const char *const modules[] = {"resp", "strings", "maps", "scripting"};

/* The settings an admin's input may change: none of them moves a port, a limit the harness's
 * own connections could meet, a file, or the password; each is put back after the input. */
static const char *const settable[] = {
    "latency-monitor-threshold",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "maxmemory-policy",
    "maxmemory-samples",
    "lfu-log-factor",
    "lfu-decay-time",
    "snapshot-compression",
    "rdbcompression",
    "tcp-keepalive",
    "busy-reply-threshold",
    "lua-time-limit",
    "notify-keyspace-events",
    "hz",
    "dynamic-hz",
    "activerehashing",
    "active-expire-effort",
    "hash-max-listpack-entries",
    "list-max-listpack-size",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "stream-node-max-bytes",
    "hll-sparse-max-bytes",
    "lazyfree-lazy-user-del",
};
#define NSETTABLE (sizeof settable / sizeof settable[0])

/* What the admin sets up: the secret outside "tenant", a library holding it, a cached script. */
static const char setup_script[] = "CLIENT|SETNAME|@;SCRIPT|LOAD|return 'cached'";
static const char keys_script[] = "SET|sentinel|@;NS|outside;SET|k|@;NSRESET";
/* What an input may have left that would grow from input to input (libFuzzer counts it as a
 * leak): keys, slow log and latency entries. */
static const char cleanup_script[] = "FLUSHALL;SLOWLOG|RESET;LATENCY|RESET";
static const char library[] = "#!lua name=fz\n"
                              "-- secret: %s\n"
                              "redis.register_function('fz_get', function(k) "
                              "return redis.call('GET', k[1]) end)\n";
/* What must be as it was after every input. */
static const char state_script[] =
    "CONFIG|GET|*;FUNCTION|LIST|WITHCODE;SCRIPT|EXISTS|952f49ffc8f7b098d8ab5da45d3164ca36ed18b1;"
    "CLIENT|GETNAME;GET|sentinel";

static fuzz_world world = {.admin_fd = -1}; /* its secret: random each run */
static char marker[FUZZ_WORD_LEN + 1];      /* so is this */
static resp_buf pristine;                   /* state_script's answer before any input */
static char restore[NSETTABLE][256];        /* "CONFIG|SET|name|value" for each settable */

static void admin(const char *script, resp_buf *out) {
    fuzz_admin(world.admin_fd, world.secret, script, out, TIMEOUT_MS);
}

static bool arg_is(const char *a, size_t len, const char *word) {
    return strlen(word) == len && strncasecmp(a, word, len) == 0;
}

static bool in_list(const char *const *list, size_t n, const char *a, size_t len) {
    return fuzz_allowed(list, n, a, len);
}

/* The value of a CONFIG GET reply for one name: "*2 $n name $m value" -> value (to out). */
static void config_value(const resp_buf *r, char *out, size_t cap) {
    const char *p = r->data, *end = r->data + r->len;
    for (int line = 0; line < 4 && p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        CHECK(nl, "CONFIG GET: short reply %.*s", (int)r->len, r->data);
        p = nl + 1;
    }
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    CHECK(cr && (size_t)(cr - p) < cap, "CONFIG GET: odd reply %.*s", (int)r->len, r->data);
    memcpy(out, p, (size_t)(cr - p));
    out[cr - p] = '\0';
    CHECK(!strpbrk(out, "|;"), "a setting's value has a separator: %s", out);
}

static void init(void) {
    fuzz_world_start(&world, modules, (int)(sizeof modules / sizeof modules[0]));
    fuzz_random_word(marker);
    resp_buf r = {0};
    admin(setup_script, &r);
    for (size_t i = 0; i < NSETTABLE; i++) {
        char get[128], value[200];
        snprintf(get, sizeof get, "CONFIG|GET|%s", settable[i]);
        admin(get, &r);
        config_value(&r, value, sizeof value);
        snprintf(restore[i], sizeof restore[i], "CONFIG|SET|%s|%s", settable[i], value);
    }
    /* FUNCTION LOAD's code has newlines: sent as one argument, not through a script */
    char code[512];
    snprintf(code, sizeof code, library, world.secret);
    const char *argv[3] = {"FUNCTION", "LOAD", code};
    size_t lens[3] = {8, 4, strlen(code)};
    resp_buf req = {0};
    resp_buf_command(&req, 3, argv, lens);
    r.len = 0;
    CHECK(resp_exchange(world.admin_fd, req.data, req.len, 1, &r, TIMEOUT_MS) == 0 && r.len > 0 &&
              r.data[0] == '$',
          "FUNCTION LOAD: %.*s", (int)r.len, r.data);
    free(req.data);
    admin(keys_script, &r);
    admin(state_script, &pristine);
    admin(cleanup_script, &r);
    free(r.data);
}

/* Whether the command may go, after making it harmless to the harness (see the top). */
static bool rewrite(int argc, const char **argv, size_t *lens, bool as_admin) {
    if (!in_list(allowed, sizeof allowed / sizeof allowed[0], argv[0], lens[0])) return false;
    if (argc < 2) return true;
    const char *sub = argv[1];
    size_t sl = lens[1];
    if (arg_is(argv[0], lens[0], "CLIENT")) {
        if (arg_is(sub, sl, "REPLY")) return false;
        if (arg_is(sub, sl, "KILL")) return !as_admin;
        if (arg_is(sub, sl, "PAUSE") && argc >= 3) {
            char num[24];
            size_t n = lens[2] < sizeof num - 1 ? lens[2] : sizeof num - 1;
            memcpy(num, argv[2], n);
            num[n] = '\0';
            char *e;
            long long ms = strtoll(num, &e, 10);
            if (*e == '\0' && n > 0 && ms > atoi(PAUSE_MAX)) {
                argv[2] = PAUSE_MAX;
                lens[2] = strlen(PAUSE_MAX);
            }
        }
        return true;
    }
    if (arg_is(argv[0], lens[0], "CONFIG")) {
        if (arg_is(sub, sl, "REWRITE")) return false;
        if (!arg_is(sub, sl, "SET")) return true;
        for (int i = 2; i < argc; i += 2)
            if (!in_list(settable, NSETTABLE, argv[i], lens[i])) return false;
        return true;
    }
    if (as_admin && arg_is(argv[0], lens[0], "FUNCTION"))
        return !(arg_is(sub, sl, "LOAD") || arg_is(sub, sl, "RESTORE") ||
                 arg_is(sub, sl, "DELETE") || arg_is(sub, sl, "FLUSH"));
    if (arg_is(argv[0], lens[0], "SCRIPT")) /* LOAD: the cache would grow input by input */
        return !arg_is(sub, sl, "LOAD") && !(as_admin && arg_is(sub, sl, "FLUSH"));
    return true;
}

/* The peers and the network of one input, for take. */
typedef struct run {
    fuzz_peer *peers;
    bool as_admin;
} run;

static bool take(void *ctx, int who, int argc, const char **argv, size_t *lens) {
    run *r = ctx;
    if (!rewrite(argc, argv, lens, r->as_admin)) return false;
    resp_buf_command(&r->peers[who].req, argc, argv, lens);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (world.admin_fd < 0) init();
    fuzz_input in = fuzz_read_input(data, size);
    bool as_admin = in.as_admin;

    resp_buf scratch = {0};
    admin(keys_script, &scratch);
    fuzz_peer peers[NCONNS];
    fuzz_peers_connect(peers, NCONNS, as_admin ? world.admin_net : world.tenant_net, in.thread);
    run r = {peers, as_admin};
    fuzz_each_command(&in, MAX_COMMANDS, take, &r);
    for (int c = 0; c < NCONNS; c++)
        fuzz_peer_add_marker(&peers[c].req, marker);
    fuzz_peers_converse(peers, NCONNS, marker, TIMEOUT_MS, FUZZ_NAME, "the input");

    for (int c = 0; c < NCONNS; c++) {
        if (getenv("FUZZ_SHOW_REPLIES")) /* for reading what an input did */
            fprintf(stderr, "%s%.*s---\n", c ? "@" : "", (int)peers[c].out.len, peers[c].out.data);
        CHECK(peers[c].parsed == peers[c].out.len, "client %d got bytes after its marker", c + 1);
        CHECK(as_admin || fuzz_count_of(world.secret, peers[c].out.data, peers[c].out.len) == 0,
              "a tenant received the secret from outside its namespace:\n%.*s",
              (int)peers[c].out.len, peers[c].out.data);
    }
    fuzz_peers_close(peers, NCONNS);

    admin("CLIENT|UNPAUSE", &scratch);
    if (as_admin) {
        for (size_t i = 0; i < NSETTABLE; i++)
            admin(restore[i], &scratch);
        admin("SET|sentinel|@", &scratch); /* its own to change */
    }
    admin(state_script, &scratch);
    CHECK(scratch.len == pristine.len && memcmp(scratch.data, pristine.data, pristine.len) == 0,
          "after the input (%s):\n%.*s\nbefore it:\n%.*s", as_admin ? "admin" : "tenant",
          (int)scratch.len, scratch.data, (int)pristine.len, pristine.data);
    admin(cleanup_script, &scratch);
    free(scratch.data);
    return 0;
}

/* fuzz_pubsub_commands.c -- fuzz target: publish/subscribe sequences run by a whole keel-server
 * inside this process (inproc_server.h), over real connections, on real worker threads.
 *
 * Input: a header line, then one command a line, arguments split at single spaces.  Header: byte
 * 0 'a' runs on an admin network at the top, anything else on a tenant network locked in
 * namespace "tenant" (read + write); byte 1 picks the worker thread.  A line that starts with
 * '@' is a second client's (same network, next worker thread); the two pipelines go at once.
 * Commands outside the list below are skipped (QUIT would end the conversation, HELLO 3 leave
 * RESP2).
 *
 * A subscribed client gets any number of replies and messages, so each pipeline ends with
 * PING <marker>: its reply (a bulk string, or ["pong", marker] while subscribed) says that
 * everything before it has come.  Then the admin publishes a secret on channels and shard
 * channels a client could name, at the top and in the namespaces beside the tenant's, and
 * writes and deletes keys named by the secret (keyspace notifications are on); then each client
 * sends RESET and PING <marker> again.
 *
 * Checks: the server never crashes, hangs or leaks; every byte a client gets is well-formed
 * RESP2; a tenant never receives the secret (a message published outside its namespace, or a
 * notification about a key there); after RESET no subscription is left (PUBSUB CHANNELS,
 * SHARDCHANNELS and NUMPAT, at the top and in the tenant's namespace, answer as before the
 * input). */
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

#define FUZZ_NAME "fuzz_pubsub_commands"
#define MAX_COMMANDS 200
#define TIMEOUT_MS 60000
#define NCONNS 2

static const char *const allowed[] = {
    "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE",
    "PUBLISH",   "SPUBLISH",    "PUBSUB",     "PING",         "RESET",      "ECHO",
    "NS",        "NSRESET",     "HS",         "HSRESET",      "WHEREAMI",   "SET",
    "GET",       "DEL",         "EXPIRE",     "PEXPIRE",      "PERSIST",    "RENAME",
    "INCR",      "APPEND",      "HSET",       "HDEL",         "FLUSHALL",
};
static const char *const modules[] = {"resp", "strings", "maps", "pubsub"};

/* What the admin publishes and writes, '@' standing for the secret: never inside "tenant". */
static const char publish_script[] =
    "PUBLISH|@|@;PUBLISH|news|@;PUBLISH|tenant|@;SPUBLISH|news|@;SPUBLISH|@|@;"
    "SET|@|1;EXPIRE|@|100;DEL|@;"
    "NS|outside;PUBLISH|news|@;PUBLISH|@|@;SPUBLISH|news|@;SET|@|1;DEL|@;NSRESET;"
    "NS|tenant2;PUBLISH|news|@;PUBLISH|tenant|@;SPUBLISH|@|@;SET|@|1;DEL|@;NSRESET";
/* The subscriptions left, at the top and in the tenant's namespace. */
static const char subs_script[] =
    "PUBSUB|CHANNELS;PUBSUB|SHARDCHANNELS;PUBSUB|NUMPAT;"
    "NS|tenant;PUBSUB|CHANNELS;PUBSUB|SHARDCHANNELS;PUBSUB|NUMPAT;NSRESET";

static bool is_allowed(const char *name, size_t len) {
    return fuzz_allowed(allowed, sizeof allowed / sizeof allowed[0], name, len);
}

static fuzz_world world = {.admin_fd = -1}; /* its secret: random each run */
static char marker[FUZZ_WORD_LEN + 1];      /* so is this */
static resp_buf no_subs;                    /* subs_script's answer before any input */

static void admin(const char *script, resp_buf *out) {
    fuzz_admin(world.admin_fd, world.secret, script, out, TIMEOUT_MS);
}

static void init(void) {
    fuzz_world_start(&world, modules, (int)(sizeof modules / sizeof modules[0]));
    fuzz_random_word(marker);
    resp_buf r = {0};
    admin("CONFIG|SET|notify-keyspace-events|KEA", &r);
    CHECK(r.len == 5 && memcmp(r.data, "+OK\r\n", 5) == 0, "notify-keyspace-events: %.*s",
          (int)r.len, r.data);
    free(r.data);
    admin(subs_script, &no_subs);
}

static bool take(void *ctx, int who, int argc, const char **argv, size_t *lens) {
    fuzz_peer *peers = ctx;
    if (!is_allowed(argv[0], lens[0])) return false;
    resp_buf_command(&peers[who].req, argc, argv, lens);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (world.admin_fd < 0) init();
    fuzz_input in = fuzz_read_input(data, size);
    bool as_admin = in.as_admin;

    resp_buf scratch = {0};
    admin("FLUSHALL", &scratch);
    fuzz_peer peers[NCONNS];
    fuzz_peers_connect(peers, NCONNS, as_admin ? world.admin_net : world.tenant_net, in.thread);
    fuzz_each_command(&in, MAX_COMMANDS, take, peers);
    for (int c = 0; c < NCONNS; c++)
        fuzz_peer_add_marker(&peers[c].req, marker);
    fuzz_peers_converse(peers, NCONNS, marker, TIMEOUT_MS, FUZZ_NAME, "the input");

    admin(publish_script, &scratch);
    static const char *const reset[] = {"RESET"};
    static const size_t reset_len[] = {5};
    for (int c = 0; c < NCONNS; c++) {
        peers[c].req.len = 0;
        resp_buf_command(&peers[c].req, 1, reset, reset_len);
        fuzz_peer_add_marker(&peers[c].req, marker);
    }
    fuzz_peers_converse(peers, NCONNS, marker, TIMEOUT_MS, FUZZ_NAME, "RESET after the publishing");

    for (int c = 0; c < NCONNS; c++) {
        if (getenv("FUZZ_SHOW_REPLIES")) /* for reading what an input did */
            fprintf(stderr, "%s%.*s---\n", c ? "@" : "", (int)peers[c].out.len, peers[c].out.data);
        CHECK(peers[c].parsed == peers[c].out.len, "client %d got bytes after its last marker",
              c + 1);
        CHECK(as_admin || fuzz_count_of(world.secret, peers[c].out.data, peers[c].out.len) == 0,
              "a tenant received a message or notification from outside its namespace:\n%.*s",
              (int)peers[c].out.len, peers[c].out.data);
    }
    admin(subs_script, &scratch);
    CHECK(scratch.len == no_subs.len && memcmp(scratch.data, no_subs.data, no_subs.len) == 0,
          "subscriptions are left after RESET:\n%.*s\nbefore the input:\n%.*s", (int)scratch.len,
          scratch.data, (int)no_subs.len, no_subs.data);

    fuzz_peers_close(peers, NCONNS);
    admin("FLUSHALL", &scratch);
    free(scratch.data);
    return 0;
}

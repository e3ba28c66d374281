/* cluster.c -- CLUSTER INFO | MYID | SLOTS | SHARDS | NODES | KEYSLOT | COUNTKEYSINSLOT |
 * GETKEYSINSLOT | LINKS | HELP, and READONLY, READWRITE, ASKING: Redis Cluster's commands over
 * the static map of cluster.h, as cluster clients ask them.  Without cluster mode each answers
 * Redis's "cluster support disabled" error. */
#include "config.h"
#include "builtin.h"
#include "cluster.h"
#include "keyspace.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "zvm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool cluster_disabled(keel_proc *p) {
    if (cluster_on) return false;
    keel_reply_error(p, "ERR This instance has cluster support disabled");
    return true;
}

/* A slot argument: 0..16383. */
static bool parse_slot(const keel_arg *a, long long *out) {
    char buf[24];
    if (a->len == 0 || a->len >= sizeof buf) return false;
    memcpy(buf, a->ptr, a->len);
    buf[a->len] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end) return false;
    *out = v;
    return true;
}

/* Calls fn for each run of consecutive slots one node owns, in slot order. */
static void each_run(void (*fn)(void *ctx, int lo, int hi, int node), void *ctx) {
    int lo = 0;
    for (int s = 1; s <= CLUSTER_SLOTS; s++)
        if (s == CLUSTER_SLOTS ||
            cluster_slot_owner((uint16_t)s) != cluster_slot_owner((uint16_t)lo)) {
            fn(ctx, lo, s - 1, cluster_slot_owner((uint16_t)lo));
            lo = s;
        }
}

static void count_run(void *ctx, int lo, int hi, int node) {
    (void)lo, (void)hi, (void)node;
    ++*(size_t *)ctx;
}

static void reply_slots_run(void *ctx, int lo, int hi, int node) {
    keel_proc *p = ctx;
    const cluster_node *n = cluster_node_at((size_t)node);
    keel_reply_array(p, 3);
    keel_reply_int(p, lo);
    keel_reply_int(p, hi);
    keel_reply_array(p, 4);
    keel_reply_bulk(p, n->host, strlen(n->host));
    keel_reply_int(p, n->port);
    keel_reply_bulk(p, n->id, CLUSTER_ID_LEN);
    keel_reply_array(p, 0); /* no extra networking metadata */
}

/* CLUSTER SLOTS: [start, end, [host, port, id, []]] per run of slots. */
static void reply_slots(keel_proc *p) {
    size_t runs = 0;
    each_run(count_run, &runs);
    keel_reply_array(p, runs);
    each_run(reply_slots_run, p);
}

typedef struct node_runs {
    int node;
    char *text; /* NODES: "0-5460 5462" */
    size_t len, cap;
    keel_proc *p; /* SHARDS: reply the runs */
    size_t count;
} node_runs;

static void collect_run(void *ctx, int lo, int hi, int node) {
    node_runs *r = ctx;
    if (node != r->node) return;
    r->count++;
    if (r->p) {
        keel_reply_int(r->p, lo);
        keel_reply_int(r->p, hi);
    }
    if (!r->text) return;
    char one[24];
    int n = lo == hi ? snprintf(one, sizeof one, " %d", lo)
                     : snprintf(one, sizeof one, " %d-%d", lo, hi);
    if (r->len + (size_t)n + 1 > r->cap) return; /* sized for the worst case below */
    memcpy(r->text + r->len, one, (size_t)n + 1);
    r->len += (size_t)n;
}

/* CLUSTER NODES: Redis's one line per node. */
static void reply_nodes(keel_proc *p) {
    size_t cap = 256 * cluster_node_count() + (size_t)CLUSTER_SLOTS * 12;
    char *out = keel_proc_alloc(p, cap), *slots = keel_proc_alloc(p, (size_t)CLUSTER_SLOTS * 12);
    size_t len = 0;
    for (size_t i = 0; i < cluster_node_count(); i++) {
        const cluster_node *n = cluster_node_at(i);
        node_runs r = {(int)i, slots, 0, (size_t)CLUSTER_SLOTS * 12, NULL, 0};
        slots[0] = '\0';
        each_run(collect_run, &r);
        int w =
            snprintf(out + len, cap - len, "%s %s:%d@%d %smaster - 0 0 %zu connected%s\n", n->id,
                     n->host, n->port, n->port + 10000, n->myself ? "myself," : "", i + 1, slots);
        if (w > 0) len += (size_t)w < cap - len ? (size_t)w : cap - len - 1;
    }
    keel_reply_verbatim(p, "txt", out, len);
}

static void reply_kv_bulk(keel_proc *p, const char *k, const char *v) {
    keel_reply_bulk(p, k, strlen(k));
    keel_reply_bulk(p, v, strlen(v));
}

/* CLUSTER SHARDS: one shard per node (no replicas): its slot runs and the node. */
static void reply_shards(keel_proc *p) {
    keel_reply_array(p, cluster_node_count());
    for (size_t i = 0; i < cluster_node_count(); i++) {
        const cluster_node *n = cluster_node_at(i);
        keel_reply_map(p, 2);
        keel_reply_bulk(p, "slots", 5);
        node_runs r = {(int)i, NULL, 0, 0, NULL, 0};
        each_run(collect_run, &r);
        keel_reply_array(p, r.count * 2);
        r.p = p;
        r.count = 0;
        each_run(collect_run, &r);
        keel_reply_bulk(p, "nodes", 5);
        keel_reply_array(p, 1);
        keel_reply_map(p, 7);
        reply_kv_bulk(p, "id", n->id);
        keel_reply_bulk(p, "port", 4);
        keel_reply_int(p, n->port);
        reply_kv_bulk(p, "ip", n->host);
        reply_kv_bulk(p, "endpoint", n->host);
        reply_kv_bulk(p, "role", "master");
        keel_reply_bulk(p, "replication-offset", 18);
        keel_reply_int(p, 0);
        reply_kv_bulk(p, "health", "online");
    }
}

static void reply_info(keel_proc *p) {
    char text[1024];
    size_t n = cluster_node_count();
    int len = snprintf(
        text, sizeof text,
        "cluster_state:ok\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\n"
        "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:%zu\r\n"
        "cluster_size:%zu\r\ncluster_current_epoch:%zu\r\ncluster_my_epoch:%zu\r\n"
        "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n"
        "total_cluster_links_buffer_limit_exceeded:0\r\n",
        CLUSTER_SLOTS, CLUSTER_SLOTS, n, n, n, (size_t)(cluster_myself() - cluster_node_at(0)) + 1);
    keel_reply_verbatim(p, "txt", text, (size_t)len);
}

static keel_op_result cluster_help(keel_proc *p) {
    static const char *const lines[] = {
        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "LINKS",
        "    Return information about all network links between this node and its peers.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "HELP",
        "    Print this help.",
    };
    keel_reply_array(p, BUILTIN_COUNT(lines));
    for (size_t i = 0; i < BUILTIN_COUNT(lines); i++)
        keel_reply_simple(p, lines[i]);
    return KEEL_DONE;
}

/* What the key walk of COUNTKEYSINSLOT / GETKEYSINSLOT gathers (in the process arena). */
typedef struct slot_walk {
    uint16_t slot;
    bool collect;
    int64_t want; /* GETKEYSINSLOT: at most this many */
    int64_t count;
    keel_arg *keys;
    int64_t cap; /* of keys */
    int64_t now_ms;
    zvm_proc *p;
} slot_walk;

/* Opcode: cluster.run — every CLUSTER subcommand; COUNTKEYSINSLOT and GETKEYSINSLOT set r0 up
 * and go on to the walk of every shard (cluster.collect), the others reply and finish.
 * Reductions 1. */
static keel_op_result op_cluster(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (cluster_disabled(p)) return KEEL_FAIL;
    const keel_arg *sub = &p->argv[1];
    if (p->argc == 2 && keel_arg_is(sub, "INFO"))
        reply_info(p);
    else if (p->argc == 2 && keel_arg_is(sub, "MYID"))
        keel_reply_bulk(p, cluster_myself()->id, CLUSTER_ID_LEN);
    else if (p->argc == 2 && keel_arg_is(sub, "SLOTS"))
        reply_slots(p);
    else if (p->argc == 2 && keel_arg_is(sub, "SHARDS"))
        reply_shards(p);
    else if (p->argc == 2 && keel_arg_is(sub, "NODES"))
        reply_nodes(p);
    else if (p->argc == 2 && keel_arg_is(sub, "LINKS"))
        keel_reply_array(p, 0);
    else if (p->argc == 2 && keel_arg_is(sub, "HELP"))
        return cluster_help(p);
    else if (p->argc == 3 && keel_arg_is(sub, "KEYSLOT"))
        keel_reply_int(p, cluster_keyslot(p->argv[2].ptr, p->argv[2].len));
    else if ((p->argc == 3 && keel_arg_is(sub, "COUNTKEYSINSLOT")) ||
             (p->argc == 4 && keel_arg_is(sub, "GETKEYSINSLOT"))) {
        long long slot, count = 0;
        bool get = p->argc == 4;
        if (!parse_slot(&p->argv[2], &slot) || slot < 0 || slot >= CLUSTER_SLOTS ||
            (get && (!parse_slot(&p->argv[3], &count) || count < 0))) {
            keel_reply_error(p, get ? "ERR Invalid slot or number of keys" : "ERR Invalid slot");
            return KEEL_FAIL;
        }
        zvm_proc *zp = zvm_of(p);
        slot_walk *w = zvm_alloc(zp, sizeof *w);
        *w = (slot_walk){.slot = (uint16_t)slot,
                         .collect = get,
                         .want = count,
                         .now_ms = keel_now_ms(p),
                         .p = zp};
        p->reg[0] = dk_ptr(w);
        return KEEL_NEXT;
    } else {
        static const char *const known[] = {
            "info",  "myid", "slots",   "shards",          "nodes",
            "links", "help", "keyslot", "countkeysinslot", "getkeysinslot"};
        return builtin_bad_subcommand(p, "cluster", known, BUILTIN_COUNT(known));
    }
    return KEEL_DONE;
}

typedef struct walk_visit {
    slot_walk *w;
    size_t visited;
} walk_visit;

static void slot_visit(void *arg, dk_table *t, dk_ref r) {
    walk_visit *v = arg;
    slot_walk *w = v->w;
    v->visited++;
    dk_entry e;
    dk_table_view(t, r, &e);
    if ((e.expire_ms != DK_NO_EXPIRY && e.expire_ms <= w->now_ms) || ks_empty_namespace(&e)) return;
    if (cluster_keyslot(e.key, e.klen) != w->slot) return;
    if (w->collect && w->count >= w->want) return;
    if (w->collect) {
        if (w->count == w->cap) { /* grow: double (a huge count costs only what is found) */
            w->cap = w->cap ? w->cap * 2 : 64;
            keel_arg *more = zvm_alloc(w->p, sizeof *more * (size_t)w->cap);
            if (w->count) memcpy(more, w->keys, sizeof *more * (size_t)w->count);
            w->keys = more;
        }
        char *copy = zvm_alloc(w->p, e.klen + 1);
        memcpy(copy, e.key, e.klen);
        copy[e.klen] = '\0';
        w->keys[w->count] = (keel_arg){.ptr = copy, .len = e.klen};
    }
    w->count++;
}

/* Opcode: cluster.collect — counts (or gathers) the keys of r0's slot on the walk's current
 * shard, in slices.  Registers: r0 = the walk, r1 = the table cursor.  Reductions: 1 per entry
 * visited.  May yield. */
static keel_op_result op_cluster_collect(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    slot_walk *w = (slot_walk *)kp->reg[0].v.ptr;
    if (kp->reg[1].type == DK_NULL) kp->reg[1] = dk_u64(0);
    dk_table *t = shard_table(shard_get(p->cur_shard), 0);
    if (!t) return KEEL_NEXT;
    walk_visit v = {w, 0};
    uint64_t cursor = kp->reg[1].v.u;
    do {
        cursor = dk_table_scan(t, cursor, slot_visit, &v);
        if (cursor != 0 && keel_charge(kp, (int64_t)v.visited * KS_VISIT_COST + 1)) {
            kp->reg[1].v.u = cursor;
            return KEEL_YIELD;
        }
        v.visited = 0;
    } while (cursor != 0);
    return KEEL_NEXT;
}

/* Opcode: cluster.reply — the count, or the keys gathered.  Reductions 1. */
static keel_op_result op_cluster_reply(keel_proc *p, const keel_insn *in) {
    (void)in;
    const slot_walk *w = p->reg[0].v.ptr;
    if (!w->collect) {
        keel_reply_int(p, w->count);
        return KEEL_DONE;
    }
    keel_reply_array(p, (size_t)w->count);
    for (int64_t i = 0; i < w->count; i++)
        keel_reply_bulk(p, w->keys[i].ptr, w->keys[i].len);
    return KEEL_DONE;
}

/* Opcode: cluster.conn — READONLY, READWRITE, ASKING: +OK in cluster mode (every node is a
 * master and no slot migrates).  Reductions 1. */
static keel_op_result op_cluster_conn(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (cluster_disabled(p)) return KEEL_FAIL;
    keel_reply_ok(p);
    return KEEL_DONE;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def cluster_ops[] = {
    OP("cluster.run", op_cluster, "CLUSTER subcommands; the key walks go on to cluster.collect", 0),
    OP("cluster.collect", op_cluster_collect,
       "count or gather r0's slot's keys on the current shard", KEEL_OP_MAY_YIELD),
    OP("cluster.reply", op_cluster_reply, "reply what the slot walk found", 0),
    OP("cluster.conn", op_cluster_conn, "READONLY / READWRITE / ASKING", 0),
};

static const keel_insn_def cluster_prog[] = {
    {.op = "cluster.run"},
    {.op = "shard.reset"},
    {.op = "shard.enter"},
    {.op = "cluster.collect"},
    {.op = "shard.next", .a = KEEL_R(1), .b = KEEL_NONE, .c = KEEL_NONE, .imm = 2},
    {.op = "cluster.reply"},
    KEEL_END};
static const keel_insn_def conn_prog[] = {{.op = "cluster.conn"}, KEEL_END};

static const keel_cmd_def cluster_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "CLUSTER",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .summary = "Redis Cluster's introspection over Keel's static slot map (docs/scale-out.md).",
     .syntax = "CLUSTER INFO | MYID | SLOTS | SHARDS | NODES | LINKS | KEYSLOT key | "
               "COUNTKEYSINSLOT slot | "
               "GETKEYSINSLOT slot count | HELP",
     .group = "cluster",
     .since = "0.1.0",
     .program = cluster_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "READONLY",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Cluster mode: allows reads from replicas (every Keel node is a master: +OK).",
     .syntax = "READONLY",
     .group = "cluster",
     .since = "0.1.0",
     .program = conn_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "READWRITE",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Cluster mode: ends READONLY (+OK).",
     .syntax = "READWRITE",
     .group = "cluster",
     .since = "0.1.0",
     .program = conn_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "ASKING",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Cluster mode: the next command follows an -ASK redirection (no slot migrates in "
                "Keel: +OK).",
     .syntax = "ASKING",
     .group = "cluster",
     .since = "0.1.0",
     .program = conn_prog},
};

const keel_family cmd_cluster_family = KEEL_FAMILY(cluster_ops, cluster_cmds);

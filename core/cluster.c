/* cluster.c -- the static slot map (from the config's "cluster"), Redis's key slots, and the
 * check that sends a client to the node that owns its keys (-MOVED) or refuses keys of several
 * slots in one call (-CROSSSLOT). */
#include "config.h"
#include "cluster.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "server.h"
#include "tx.h"
#include "zvm.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

bool cluster_on;

static struct {
    cluster_node *nodes;
    size_t nnodes;
    int myself;
    int16_t owner[CLUSTER_SLOTS]; /* node index, -1: no node (never, once init succeeded) */
} map;

/* ---- slots ---- */

static uint16_t crc16_table[256];
static pthread_once_t crc16_once = PTHREAD_ONCE_INIT;

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as Redis Cluster hashes keys. */
static void crc16_make_table(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
        crc16_table[i] = crc;
    }
}

static uint16_t crc16(const unsigned char *s, size_t n) {
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++)
        crc = (uint16_t)((crc << 8) ^ crc16_table[((crc >> 8) ^ s[i]) & 0xff]);
    return crc;
}

uint16_t cluster_keyslot(const char *key, size_t len) {
    pthread_once(&crc16_once, crc16_make_table);
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close > open + 1) {
            key = open + 1;
            len = (size_t)(close - open - 1);
        }
    }
    return crc16((const unsigned char *)key, len) & (CLUSTER_SLOTS - 1);
}

/* ---- the map ---- */

size_t cluster_node_count(void) {
    return map.nnodes;
}
const cluster_node *cluster_node_at(size_t i) {
    return i < map.nnodes ? &map.nodes[i] : NULL;
}
const cluster_node *cluster_myself(void) {
    return &map.nodes[map.myself];
}
int cluster_slot_owner(uint16_t slot) {
    return map.owner[slot & (CLUSTER_SLOTS - 1)];
}

/* A node's id when the config names none: 40 hex digits from its address, the same in every
 * node's config. */
static void id_from_address(const char *host, int port, char *out) {
    char addr[300];
    int n = snprintf(addr, sizeof addr, "%s:%d", host, port);
    XXH128_hash_t h = XXH3_128bits(addr, (size_t)n);
    snprintf(out, CLUSTER_ID_LEN + 1, "%016llx%016llx%08x", (unsigned long long)h.high64,
             (unsigned long long)h.low64, (unsigned)XXH32(addr, (size_t)n, 0));
}

static bool id_ok(const char *s) {
    if (strlen(s) != CLUSTER_ID_LEN) return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return false;
    return true;
}

/* Parses one slot range of "slots" ("0-5460" or "42") into [*lo, *hi]. */
static bool parse_range(const char *s, long *lo, long *hi) {
    char *end;
    *lo = strtol(s, &end, 10);
    if (end == s) return false;
    *hi = *lo;
    if (*end == '-') {
        const char *h = end + 1;
        *hi = strtol(h, &end, 10);
        if (end == h) return false;
    }
    return *end == '\0' && *lo >= 0 && *hi < CLUSTER_SLOTS && *lo <= *hi;
}

/* Calls fn for each range of a node's "slots": a string of ranges separated by spaces or an
 * array of such strings.  False (with the bad text in *bad) when one does not parse. */
static bool each_range(json_t *slots, void (*fn)(void *ctx, long lo, long hi), void *ctx, char *bad,
                       size_t badcap) {
    json_t *one = json_is_string(slots) ? slots : NULL;
    size_t count = json_is_array(slots) ? json_array_size(slots) : 1;
    for (size_t i = 0; i < count; i++) {
        json_t *v = one ? one : json_array_get(slots, i);
        if (!json_is_string(v)) {
            snprintf(bad, badcap, "(not a string)");
            return false;
        }
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
        for (char *save = NULL, *tok = strtok_r(buf, " ,", &save); tok;
             tok = strtok_r(NULL, " ,", &save)) {
            long lo, hi;
            if (!parse_range(tok, &lo, &hi)) {
                snprintf(bad, badcap, "%s", tok);
                return false;
            }
            fn(ctx, lo, hi);
        }
    }
    return true;
}

static void count_range(void *ctx, long lo, long hi) {
    *(long *)ctx += hi - lo + 1;
}

void cluster_conf_check(const void *json, char **errs) {
    json_t *c = (json_t *)json;
    if (!json_is_object(c)) {
        conf_error(errs, "$.cluster: expected an object");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v) {
        if (!strcmp(key, "enabled")) {
            if (!json_is_boolean(v)) conf_error(errs, "$.cluster.enabled: expected true or false");
        } else if (!strcmp(key, "nodes")) {
            if (!json_is_array(v)) {
                conf_error(errs, "$.cluster.nodes: expected an array");
                continue;
            }
            size_t i;
            json_t *n;
            json_array_foreach(v, i, n) {
                json_t *host = json_object_get(n, "host"), *port = json_object_get(n, "port");
                json_t *id = json_object_get(n, "id"), *slots = json_object_get(n, "slots");
                if (!json_is_object(n) || !json_is_string(host) || !json_is_integer(port) ||
                    json_integer_value(port) < 1 || json_integer_value(port) > 65535) {
                    conf_error(errs,
                               "$.cluster.nodes[%zu]: expected {\"host\": ..., \"port\": 1..65535, "
                               "\"slots\": \"0-5460 ...\"}",
                               i);
                    continue;
                }
                if (id && (!json_is_string(id) || !id_ok(json_string_value(id))))
                    conf_error(errs, "$.cluster.nodes[%zu].id: expected 40 lower-case hex digits",
                               i);
                long n_slots = 0;
                char bad[64];
                if (!slots || !each_range(slots, count_range, &n_slots, bad, sizeof bad))
                    conf_error(
                        errs,
                        "$.cluster.nodes[%zu].slots: expected ranges such as \"0-5460 5461\"%s%s",
                        i, slots ? ", got " : "", slots ? bad : "");
                const char *k;
                json_t *f;
                json_object_foreach(n, k, f) if (strcmp(k, "host") && strcmp(k, "port") &&
                                                 strcmp(k, "id") && strcmp(k, "slots"))
                    conf_error(errs, "$.cluster.nodes[%zu].%s: unknown field", i, k);
            }
        } else {
            conf_error(errs, "$.cluster.%s: unknown field", key);
        }
    }
}

typedef struct assign_ctx {
    int node;
    int conflict; /* the first slot given twice, or -1 */
} assign_ctx;

static void assign_range(void *arg, long lo, long hi) {
    assign_ctx *a = arg;
    for (long s = lo; s <= hi; s++) {
        if (map.owner[s] >= 0 && a->conflict < 0) a->conflict = (int)s;
        map.owner[s] = (int16_t)a->node;
    }
}

/* This server's RESP listener: its address is the node's. */
static const listener *resp_listener(void) {
    for (int i = 0; i < srv->nlisteners; i++)
        if (!strcmp(srv->listeners[i]->proto->def.name, "resp")) return srv->listeners[i];
    return NULL;
}

static void add_node(const char *host, int port, const char *id) {
    map.nodes = mem_realloc(map.nodes, sizeof *map.nodes * (map.nnodes + 1));
    cluster_node *n = &map.nodes[map.nnodes++];
    memset(n, 0, sizeof *n);
    n->host = mem_strndup(host, strlen(host));
    n->port = port;
    if (id)
        snprintf(n->id, sizeof n->id, "%s", id);
    else
        id_from_address(host, port, n->id);
}

int cluster_init(void) {
    json_t *c = srv->cf.cluster;
    bool enabled = srv->cf.cluster_enabled > 0 || (srv->cf.cluster_enabled < 0 && c &&
                                                   json_is_true(json_object_get(c, "enabled")));
    if (!enabled) return 0;
    const listener *me = resp_listener();
    if (!me) {
        log_error("cluster: enabled, but no network speaks RESP");
        return -1;
    }
    for (int s = 0; s < CLUSTER_SLOTS; s++)
        map.owner[s] = -1;
    json_t *nodes = c ? json_object_get(c, "nodes") : NULL;
    map.myself = -1;
    if (!nodes || !json_array_size(nodes)) { /* emulated: this node holds every slot */
        add_node(me->cf->host, me->port, NULL);
        map.myself = 0;
        for (int s = 0; s < CLUSTER_SLOTS; s++)
            map.owner[s] = 0;
    } else {
        size_t i;
        json_t *n;
        json_array_foreach(nodes, i, n) {
            const char *host = json_string_value(json_object_get(n, "host"));
            int port = (int)json_integer_value(json_object_get(n, "port"));
            json_t *id = json_object_get(n, "id");
            add_node(host, port, id ? json_string_value(id) : NULL);
            if (port == me->port && map.myself < 0) {
                map.myself = (int)i;
                map.nodes[i].myself = true;
            }
            assign_ctx a = {(int)i, -1};
            char bad[64];
            each_range(json_object_get(n, "slots"), assign_range, &a, bad, sizeof bad);
            if (a.conflict >= 0) {
                log_error("cluster: slot %d is given to two nodes", a.conflict);
                return -1;
            }
        }
        if (map.myself < 0) {
            log_error("cluster: no node of $.cluster.nodes has this server's RESP port %d",
                      me->port);
            return -1;
        }
        for (int s = 0; s < CLUSTER_SLOTS; s++)
            if (map.owner[s] < 0) {
                log_error("cluster: slot %d belongs to no node (every slot 0..16383 needs one)", s);
                return -1;
            }
    }
    map.nodes[map.myself].myself = true;
    cluster_on = true;
    log_notice("cluster: on, node %s (%s:%d) of %zu", map.nodes[map.myself].id,
               map.nodes[map.myself].host, map.nodes[map.myself].port, map.nnodes);
    return 0;
}

void cluster_fini(void) {
    for (size_t i = 0; i < map.nnodes; i++)
        mem_free(map.nodes[i].host);
    mem_free(map.nodes);
    map.nodes = NULL;
    map.nnodes = 0;
    cluster_on = false;
}

/* ---- routing ---- */

/* Folds the keys of one call into *slot (-1 before the first key): false on a second slot. */
static bool same_slot(zvm_proc *p, const cmd_entry *ce, uint32_t argc, const keel_arg *argv,
                      int *slot) {
    if (!ce->def->first_key && !ce->def->keys) return true;
    int *pos = zvm_alloc(p, sizeof *pos * (argc ? argc : 1));
    int n = zvm_declared_key_positions(ce->def, argc, argv, pos);
    for (int i = 0; i < n; i++) {
        int s = cluster_keyslot(argv[pos[i]].ptr, argv[pos[i]].len);
        if (*slot >= 0 && s != *slot) return false;
        *slot = s;
    }
    return true;
}

static bool routed_here(zvm_proc *p, int slot, bool same) {
    if (!same) {
        zvm_reply_errorf(p, "CROSSSLOT Keys in request don't hash to the same slot");
        return false;
    }
    if (slot < 0 || map.owner[slot] == map.myself) return true;
    const cluster_node *n = &map.nodes[map.owner[slot]];
    zvm_reply_errorf(p, "MOVED %d %s:%d", slot, n->host, n->port);
    return false;
}

bool cluster_route(zvm_proc *p, const cmd_entry *ce, uint32_t argc, const keel_arg *argv) {
    int slot = -1;
    bool same = same_slot(p, ce, argc, argv, &slot);
    return routed_here(p, slot, same);
}

bool cluster_route_tx(zvm_proc *p, const tx_run *run) {
    int slot = -1;
    bool same = true;
    for (uint32_t i = 0; i < run->ncmds && same; i++)
        same = same_slot(p, run->cmds[i].ce, run->cmds[i].argc, run->cmds[i].argv, &slot);
    return routed_here(p, slot, same);
}

/* cluster.h -- Redis Cluster's protocol on a static slot map, so cluster clients (redis-py's
 * RedisCluster, ioredis Cluster, redis-cli -c) can use Keel: keys hash to 16384 slots as Redis
 * computes them (CRC16 of the key or of its {tag}), each slot belongs to one node of the map,
 * and a command whose keys are in another node's slot is answered -MOVED, one whose keys span
 * slots -CROSSSLOT.  The map comes from the config ("cluster") and never changes while running:
 * no gossip, no failover, no resharding (docs/scale-out.md).  With "cluster" enabled and no
 * nodes listed, this server is the one node and owns every slot (emulated mode). */
#ifndef KEEL_CLUSTER_H
#define KEEL_CLUSTER_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLUSTER_SLOTS 16384
#define CLUSTER_ID_LEN 40

struct cmd_entry;
struct zvm_proc;
struct tx_run;

typedef struct cluster_node {
    char id[CLUSTER_ID_LEN + 1];
    char *host;
    int port;
    bool myself;
} cluster_node;

/* True once cluster_init has set the map up ("cluster" in the config, --cluster-enabled). */
extern bool cluster_on;

/* Validates the config's "cluster" object (kept in conf as JSON), appending errors to errs. */
void cluster_conf_check(const void *json, char **errs);
/* Sets the map up from the config once the listeners are bound (this node's address is its RESP
 * listener's).  Logs and returns -1 when the map is unusable. */
int cluster_init(void);
void cluster_fini(void);

/* Redis's hash slot of a key: CRC16 (XMODEM) of the part between the first '{' and the next '}'
 * when that part is not empty, else of the whole key, modulo 16384. */
uint16_t cluster_keyslot(const char *key, size_t len);

/* The nodes of the map and the slot owners (index into the nodes). */
size_t cluster_node_count(void);
const cluster_node *cluster_node_at(size_t i);
const cluster_node *cluster_myself(void);
int cluster_slot_owner(uint16_t slot);

/* Checks where a call's keys live: true when they may run here; false after replying -MOVED or
 * -CROSSSLOT on p.  Only called with cluster_on. */
bool cluster_route(struct zvm_proc *p, const struct cmd_entry *ce, uint32_t argc,
                   const keel_arg *argv);
/* The same over every command an EXEC runs. */
bool cluster_route_tx(struct zvm_proc *p, const struct tx_run *run);

#endif

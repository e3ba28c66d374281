/* server.h -- the one server instance: configuration, threads, shards, listeners, clients.
 * Filled by main before the threads start; fields marked "atomic" may be read anywhere. */
#ifndef KEEL_CORE_SERVER_H
#define KEEL_CORE_SERVER_H

#include "conf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct thr;
struct shard;
struct listener;
struct keel_conn;
struct event_base;

typedef struct server {
    conf cf;
    int nthreads;
    struct thr **threads;
    uint32_t nshards;
    struct shard **shards;
    uint32_t ndbs;                /* numbered databases (cf.databases): each shard has as many */
    struct event_base *main_base; /* the main thread's loop: listeners and signals */
    struct listener **listeners;
    int nlisteners;
    int64_t start_ms;
    _Atomic int shutting_down;         /* atomic */
    _Atomic uint64_t next_conn_id;     /* atomic */
    _Atomic int64_t total_connections; /* atomic: accepted since start */
    _Atomic int64_t rejected_connections;
    _Atomic int64_t expired_keys; /* atomic */
    _Atomic int64_t conn_moves;   /* connections handed to the thread of their keys */
    _Atomic int64_t lock_retakes; /* waiting requests that gave back their keys for a script that
                                     wrote and waits (busy.c) */
    _Atomic int64_t lock_cycles_broken;     /* scripts failed for closing a wait cycle (busy.c) */
    _Atomic int64_t obuf_disconnections;    /* clients closed by client-output-buffer-limit */
    _Atomic int64_t qbuf_disconnections;    /* ... by client-query-buffer-limit */
    _Atomic int64_t timeout_disconnections; /* ... for being idle past the timeout */
    pthread_mutex_t clients_lock;           /* guards the client list and client names */
    struct keel_conn *clients;
    _Atomic int nclients;   /* atomic */
    _Atomic int nblocked;   /* atomic: processes parked by a blocking command */
    _Atomic bool ns_spread; /* atomic: a namespace has had parts away from its home shard
                             * (HS, CS): DEL must look on every shard */
    char run_id[41];
    int shutdown_fd; /* eventfd the main loop watches */
} server;

/* The process's server (set once by main). */
extern server *srv;

/* Shard i (i < srv->nshards): owned by one thread, shard->owner. */
static inline struct shard *shard_get(uint32_t i) {
    return srv->shards[i];
}

/* Starts an orderly shutdown from any thread (SHUTDOWN, SIGTERM). */
void server_request_shutdown(void);

#endif

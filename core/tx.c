/* tx.c -- MULTI/EXEC on the connection's side: queueing, watched keys, and handing both to EXEC's
 * process (see tx.h). */
#include "config.h"
#include "tx.h"
#include "conn.h"
#include "mem.h"
#include "registry.h"
#include "server.h"
#include "spread.h"
#include "watch.h"
#include "zvm.h"

#include <string.h>

uint8_t tx_role_of(const char *lname) {
    if (!strcmp(lname, "exec")) return TX_AT_ONCE | TX_EXEC;
    if (!strcmp(lname, "watch")) return TX_AT_ONCE | TX_WATCH;
    if (!strcmp(lname, "multi")) return TX_AT_ONCE | TX_MULTI;
    if (!strcmp(lname, "discard") || !strcmp(lname, "quit") || !strcmp(lname, "reset"))
        return TX_AT_ONCE;
    return 0;
}

bool tx_multi(conn *c, zvm_proc *p) {
    if (c->flags & CONN_MULTI) {
        zvm_reply_errorf(p, "ERR MULTI calls can not be nested");
        return false;
    }
    c->flags |= CONN_MULTI;
    keel_reply_ok(&p->pub);
    return true;
}

static tx_conn *tx_of(conn *c) {
    if (!c->tx) c->tx = mem_calloc(1, sizeof *c->tx);
    return c->tx;
}

static void tx_cmds_free(tx_cmd *cmds, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        mem_free(cmds[i].argv);
    mem_free(cmds);
}

void tx_queue(conn *c, zvm_proc *p, const cmd_entry *named, const cmd_entry *ce) {
    tx_conn *tx = tx_of(c);
    uint32_t argc = p->pub.argc;
    size_t bytes = sizeof(keel_arg) * argc;
    for (uint32_t i = 0; i < argc; i++)
        bytes += p->pub.argv[i].len + 1;
    /* a transaction is input the client sent: it is bounded as its input is */
    if ((int64_t)(tx->bytes + bytes) > limit_get(srv->cf.query_buffer_limit)) {
        zvm_reply_errorf(p, "ERR the transaction passed client-query-buffer-limit");
        tx->dirty = true;
        return;
    }
    if (tx->ncmds == tx->capcmds) {
        tx->capcmds = tx->capcmds ? tx->capcmds * 2 : 8;
        tx->cmds = mem_realloc(tx->cmds, sizeof *tx->cmds * tx->capcmds);
    }
    keel_arg *argv = mem_alloc(bytes ? bytes : 1);
    char *w = (char *)(argv + argc);
    for (uint32_t i = 0; i < argc; i++) {
        memcpy(w, p->pub.argv[i].ptr, p->pub.argv[i].len);
        w[p->pub.argv[i].len] = '\0';
        argv[i].ptr = w;
        argv[i].len = p->pub.argv[i].len;
        w += p->pub.argv[i].len + 1;
    }
    tx->cmds[tx->ncmds++] = (tx_cmd){argc, argv, ce, named};
    tx->bytes += bytes;
    keel_reply_simple(&p->pub, "QUEUED");
}

void tx_refused(conn *c) {
    tx_of(c)->dirty = true;
}

/* Frees what EXEC's process took over: its commands, and its watched keys (released on their
 * shards).  On the process's home thread, the connection's. */
static void tx_run_free(void *arg) {
    tx_run *run = arg;
    tx_cmds_free(run->cmds, run->ncmds);
    watch_release_all(run->watches, run->nwatches);
    mem_free(run->watches); /* run itself is in the process's arena */
}

/* Past this many top-level entries locked on every shard, EXEC runs alone instead (as with a
 * wide command): then it needs none of them, and a transaction of many such keys cannot make
 * its key list the number of shards times longer. */
#define TX_SPREAD_MAX 16

/* What tx_spread_key has spread: the last entry, and how many. */
typedef struct tx_spread {
    const zvm_key *last;
    uint32_t n;
} tx_spread;

/* Adds to raw[*n] key k's top-level entry on every shard but its own, unless the previous key
 * spread so was the same entry (inside a namespace, every key's entry is the namespace's); past
 * TX_SPREAD_MAX entries, makes p run alone instead. */
static void tx_spread_key(zvm_proc *p, const zvm_key *k, tx_spread *sp, zvm_key *raw, uint32_t *n) {
    const zvm_key *l = sp->last;
    if (p->alone) return;
    if (l && l->hash == k->hash && l->llen == k->llen && !memcmp(l->lptr, k->lptr, k->llen)) return;
    if (sp->n == TX_SPREAD_MAX) {
        p->alone = true;
        return;
    }
    sp->last = k;
    sp->n++;
    for (uint32_t s = 0; s < srv->nshards; s++) {
        if (s == k->shard) continue;
        raw[*n] = *k;
        raw[(*n)++].shard = s;
    }
}

/* EXEC's keys: every key of every queued command, placed as its command would place it, and
 * every watched key (to compare its counters while nobody can change it).  Once namespaces are
 * spread, a command that may look for a name's parts on every shard (spread.h) gets its keys'
 * top-level entries on every shard: its call could not wait for them while EXEC holds keys.  (A
 * process running alone has every shard to itself once its gates are up: it needs none.) */
static void tx_exec_keys(zvm_proc *p, tx_run *run) {
    bool spread = atomic_load_explicit(&srv->ns_spread, memory_order_relaxed);
    uint32_t n = run->nwatches, cap = run->nwatches;
    for (uint32_t i = 0; i < run->ncmds; i++)
        cap += run->cmds[i].argc;
    if (spread) cap += TX_SPREAD_MAX * srv->nshards;
    zvm_key *raw = zvm_alloc(p, sizeof *raw * (cap ? cap : 1));
    for (uint32_t i = 0; i < run->nwatches; i++) {
        const watch_rec *w = run->watches[i];
        raw[i] = (zvm_key){.ptr = w->ident,
                           .len = w->len,
                           .lptr = w->ident,
                           .llen = w->len,
                           .hash = w->hash,
                           .shard = w->shard,
                           .argi = 0};
    }
    int *pos = zvm_alloc(p, sizeof *pos * (cap ? cap : 1));
    tx_spread spread_done = {0};
    for (uint32_t i = 0; i < run->ncmds; i++) {
        const tx_cmd *tc = &run->cmds[i];
        int k = zvm_key_positions(tc->ce->def, tc->argc, tc->argv, pos);
        bool walks = spread && k > 0 && spread_program_walks(tc->ce->prog);
        for (int j = 0; j < k; j++) {
            zvm_key *placed = &raw[n++];
            zvm_key_place(p, &tc->argv[pos[j]], (uint32_t)pos[j], placed);
            if (walks) tx_spread_key(p, placed, &spread_done, raw, &n);
        }
        /* a command that may need every shard: EXEC takes them all, in order, before anything
         * runs (one of its commands taking them itself, while EXEC holds keys, could wait for
         * ever on a process that waits for those keys) */
        if (tc->ce->def->flags & KEEL_CMD_WIDE) p->alone = true;
    }
    zvm_set_key_list(p, raw, n);
    if (p->alone) zvm_set_every_shard(p);
}

void tx_exec_take(conn *c, zvm_proc *p) {
    if (!(c->flags & CONN_MULTI)) return; /* EXEC without MULTI: p->tx stays NULL */
    c->flags &= ~CONN_MULTI;
    tx_conn *tx = tx_of(c);
    tx_run *run = zvm_alloc(p, sizeof *run);
    *run = (tx_run){tx->cmds, tx->ncmds, tx->dirty, tx->watches, tx->nwatches};
    memset(tx, 0, sizeof *tx); /* EXEC forgets the watched keys, whatever it finds */
    p->tx = run;
    keel_proc_defer_free(&p->pub, tx_run_free, run);
    if (!run->abort) tx_exec_keys(p, run);
}

void tx_watch_adopt(conn *c, zvm_proc *p) {
    if (c->flags & CONN_CLOSED) { /* nobody to keep them for */
        watch_release_all(p->watch_out, p->nwatch_out);
        return;
    }
    tx_conn *tx = tx_of(c);
    for (uint32_t i = 0; i < p->nwatch_out; i++) {
        if (tx->nwatches == tx->capwatches) {
            tx->capwatches = tx->capwatches ? tx->capwatches * 2 : 8;
            tx->watches = mem_realloc(tx->watches, sizeof *tx->watches * tx->capwatches);
        }
        tx->watches[tx->nwatches++] = p->watch_out[i];
    }
    p->nwatch_out = 0;
}

void tx_unwatch(conn *c) {
    if (!c->tx) return;
    watch_release_all(c->tx->watches, c->tx->nwatches);
    c->tx->nwatches = 0;
}

void tx_discard(conn *c) {
    c->flags &= ~CONN_MULTI;
    if (!c->tx) return;
    tx_cmds_free(c->tx->cmds, c->tx->ncmds);
    c->tx->cmds = NULL;
    c->tx->ncmds = c->tx->capcmds = 0;
    c->tx->bytes = 0;
    c->tx->dirty = false;
}

void tx_conn_free(conn *c) {
    if (!c->tx) return;
    tx_discard(c);
    tx_unwatch(c);
    mem_free(c->tx->watches);
    mem_free(c->tx);
    c->tx = NULL;
}

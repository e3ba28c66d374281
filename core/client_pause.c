/* client_pause.c -- CLIENT PAUSE / UNPAUSE (see client_pause.h). */
#include "config.h"
#include "client_pause.h"
#include "conn.h"
#include "registry.h"
#include "thread.h"
#include "tx.h"
#include "zvm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static _Atomic int64_t pause_end; /* unix ms */
static _Atomic int pause_mode;
static _Atomic int paused_conns;
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER; /* orders concurrent PAUSEs */

void client_pause(int64_t end_ms, int mode) {
    pthread_mutex_lock(&pause_lock);
    bool active = atomic_load(&pause_mode) != PAUSE_NONE;
    if (!active || end_ms > atomic_load(&pause_end)) atomic_store(&pause_end, end_ms);
    if (!active || mode > atomic_load(&pause_mode)) atomic_store(&pause_mode, mode);
    pthread_mutex_unlock(&pause_lock);
}

void client_unpause(void) {
    pthread_mutex_lock(&pause_lock);
    atomic_store(&pause_mode, PAUSE_NONE);
    atomic_store(&pause_end, 0);
    pthread_mutex_unlock(&pause_lock);
}

bool client_pause_may_write_by_name(const char *lname) {
    static const char *const names[] = {"eval",     "evalsha", "fcall",  "publish",
                                        "spublish", "pfcount", "script", "function"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(lname, names[i])) return true;
    return false;
}

static bool entry_may_write(const cmd_entry *ce, uint32_t argc, const keel_arg *argv) {
    return (cmd_call_flags(ce, argc, argv) & KEEL_CMD_WRITE) ||
           client_pause_may_write_by_name(ce->lname);
}

/* True when p may write: its command, or for EXEC any queued command. */
static bool proc_may_write(const zvm_proc *p) {
    if (!p->cmd) return false;
    if (tx_is_exec(p->cmd) && p->tx) {
        for (uint32_t i = 0; i < p->tx->ncmds; i++)
            if (entry_may_write(p->tx->cmds[i].ce, p->tx->cmds[i].argc, p->tx->cmds[i].argv))
                return true;
        return false;
    }
    return entry_may_write(p->cmd, p->pub.argc, p->pub.argv);
}

bool client_pause_holds(conn *c, const zvm_proc *p, int64_t now_ms) {
    int mode = atomic_load_explicit(&pause_mode, memory_order_relaxed);
    if (mode == PAUSE_NONE || now_ms >= atomic_load_explicit(&pause_end, memory_order_relaxed))
        return false;
    if (mode == PAUSE_WRITE && !proc_may_write(p)) return false;
    if (!c->paused) {
        c->paused = true;
        atomic_fetch_add_explicit(&paused_conns, 1, memory_order_relaxed);
    }
    return true;
}

void client_pause_tick(thr *t) {
    if (atomic_load_explicit(&paused_conns, memory_order_relaxed) == 0) return;
    int mode = atomic_load_explicit(&pause_mode, memory_order_relaxed);
    if (mode != PAUSE_NONE && t->now_ms < atomic_load_explicit(&pause_end, memory_order_relaxed))
        return;
    conn_resume_paused(t);
}

void client_pause_release(conn *c) {
    if (!c->paused) return;
    c->paused = false;
    atomic_fetch_sub_explicit(&paused_conns, 1, memory_order_relaxed);
}

int client_pause_held(void) {
    return atomic_load_explicit(&paused_conns, memory_order_relaxed);
}

/* monitor.c -- MONITOR's delivery (see monitor.h). */
#include "config.h"
#include "monitor.h"
#include "conn.h"
#include "mem.h"
#include "registry.h"
#include "server.h"
#include "thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* Each thread's monitors (only that thread walks or changes its list). */
typedef struct mon_list {
    struct keel_conn **conns;
    uint32_t n, cap;
} mon_list;

static mon_list *lists; /* by thread id, made on first use */
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;
static _Atomic int total;            /* monitors on every thread */
static _Atomic uint32_t *per_thread; /* monitors by thread: who needs a line */
static _Atomic uint64_t dropped;

static void lists_make(void) {
    lists = mem_calloc((size_t)srv->nthreads, sizeof *lists);
    per_thread = mem_calloc((size_t)srv->nthreads, sizeof *per_thread);
}

void monitor_add(conn *c) {
    pthread_once(&lists_once, lists_make);
    mon_list *l = &lists[c->t->id];
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->conns = mem_realloc(l->conns, sizeof *l->conns * l->cap);
    }
    l->conns[l->n++] = c;
    c->monitor = true;
    atomic_fetch_add(&per_thread[c->t->id], 1);
    atomic_fetch_add(&total, 1);
}

void monitor_remove(conn *c) {
    if (!c->monitor) return;
    mon_list *l = &lists[c->t->id];
    for (uint32_t i = 0; i < l->n; i++)
        if (l->conns[i] == c) {
            l->conns[i] = l->conns[--l->n];
            break;
        }
    c->monitor = false;
    atomic_fetch_sub(&per_thread[c->t->id], 1);
    atomic_fetch_sub(&total, 1);
}

bool monitor_active(void) {
    return atomic_load_explicit(&total, memory_order_acquire) > 0;
}
uint64_t monitor_dropped(void) {
    return atomic_load_explicit(&dropped, memory_order_relaxed);
}

/* A line on its way to one thread's monitors. */
typedef struct mon_line {
    int thread;
    size_t len;
    char text[];
} mon_line;

/* Pushes the line to this thread's monitors. */
static void deliver(mon_line *m, int thread) {
    mon_list *l = &lists[thread];
    keel_reply r = {.type = KEEL_REPLY_SIMPLE, .len = (uint32_t)m->len, .v.s = m->text};
    for (uint32_t i = 0; i < l->n; i++) {
        if (conn_output_bytes(l->conns[i]) > MONITOR_BACKLOG_MAX) {
            atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
            continue;
        }
        conn_push(l->conns[i], &r);
    }
}

static void deliver_msg(void *arg) {
    mon_line *m = arg;
    deliver(m, m->thread);
    mem_free(m);
}

/* Appends a quoted argument as Redis's sdscatrepr writes it. */
static size_t quote(char *w, const char *s, size_t n) {
    size_t k = 0;
    w[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '\\':
        case '"':
            w[k++] = '\\';
            w[k++] = (char)ch;
            break;
        case '\n':
            w[k++] = '\\';
            w[k++] = 'n';
            break;
        case '\r':
            w[k++] = '\\';
            w[k++] = 'r';
            break;
        case '\t':
            w[k++] = '\\';
            w[k++] = 't';
            break;
        case '\a':
            w[k++] = '\\';
            w[k++] = 'a';
            break;
        case '\b':
            w[k++] = '\\';
            w[k++] = 'b';
            break;
        default:
            if (ch >= 0x20 && ch < 0x7f)
                w[k++] = (char)ch;
            else
                k += (size_t)sprintf(w + k, "\\x%02x", ch);
        }
    }
    w[k++] = '"';
    return k;
}

/* The bytes of one argument a line shows: a bigger one ends with "... (N more bytes)", so a
 * 512 MB argument never makes a line of gigabytes (Redis shows it whole). */
#define MONITOR_ARG_MAX (64u << 10)

/* The line for argv, in a new mon_line. */
static mon_line *line_new(const conn *c, const cmd_entry *ce, uint32_t argc, const keel_arg *argv) {
    bool redact = !strcmp(ce->lname, "auth");
    size_t cap = 128 + strlen(c->addr);
    for (uint32_t i = 0; i < argc; i++)
        cap += 3 + 40 +
               (redact && i ? 10
                            : (argv[i].len < MONITOR_ARG_MAX ? argv[i].len : MONITOR_ARG_MAX) * 4);
    mon_line *m = mem_alloc(sizeof *m + cap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    size_t k =
        (size_t)snprintf(m->text, cap, "%lld.%06ld [%u %s]", (long long)tv.tv_sec, (long)tv.tv_usec,
                         atomic_load_explicit(&c->db, memory_order_relaxed), c->addr);
    for (uint32_t i = 0; i < argc; i++) {
        m->text[k++] = ' ';
        if (redact && i)
            k += quote(m->text + k, "(redacted)", 10);
        else if (argv[i].len <= MONITOR_ARG_MAX)
            k += quote(m->text + k, argv[i].ptr, argv[i].len);
        else {
            k += quote(m->text + k, argv[i].ptr, MONITOR_ARG_MAX);
            k +=
                (size_t)sprintf(m->text + k, "... (%zu more bytes)", argv[i].len - MONITOR_ARG_MAX);
        }
    }
    m->len = k;
    return m;
}

/* Redis's admin commands: not shown (some of Keel's take the admin permission per call). */
static bool admin_command(const cmd_entry *ce) {
    return (ce->def->flags & KEEL_CMD_ADMIN) || !strcmp(ce->lname, "config") ||
           !strcmp(ce->lname, "debug") || !strcmp(ce->lname, "acl");
}

void monitor_feed(const conn *c, const cmd_entry *ce, uint32_t argc, const keel_arg *argv) {
    if (!ce || admin_command(ce) || c->monitor) return;
    mon_line *m = line_new(c, ce, argc, argv);
    for (int t = 0; t < srv->nthreads; t++) {
        if (atomic_load_explicit(&per_thread[t], memory_order_relaxed) == 0) continue;
        if (t == c->t->id) {
            deliver(m, t);
            continue;
        }
        mon_line *copy = mem_alloc(sizeof *copy + m->len); /* one per thread: it frees its own */
        memcpy(copy->text, m->text, m->len);
        copy->len = m->len;
        copy->thread = t;
        thr_call_on(srv->threads[t], deliver_msg, copy);
    }
    mem_free(m);
}

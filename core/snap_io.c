/* snap_io.c -- a background save's I/O thread: a queue of filled buffers and closes, written in
 * the order they were handed over, with per-file and total byte counts for backpressure. */
#include "config.h"
#include "snap_io.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* One hand-over: bytes to write, or (buf NULL) the file's fsync and close. */
typedef struct io_item {
    struct io_item *next;
    snap_io_file *f;
    void *buf;
    size_t len;
} io_item;

struct snap_io_file {
    struct snap_io_file *next; /* the group's files */
    struct snap_io_group *g;
    int fd;
    _Atomic size_t queued;
    _Atomic int err;
    void (*room_fn)(void *); /* snap_io_when_room's, until called (g->mu) */
    void *room_arg;
};

struct snap_io_group {
    pthread_mutex_t mu;
    pthread_cond_t work, room, idle;
    io_item *head, *tail;
    size_t queued; /* every file's bytes handed over, not yet written */
    int open;      /* files not yet closed */
    bool stop;
    snap_io_file *files;
    pthread_t pt;
};

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno;
        if (w == 0) return ENOSPC;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void note_err(snap_io_file *f, int e) {
    int none = 0;
    if (e) atomic_compare_exchange_strong(&f->err, &none, e);
}

/* Writes (or closes) one item, outside the lock. */
static void do_item(io_item *it) {
    snap_io_file *f = it->f;
    if (it->buf) {
        if (!atomic_load(&f->err)) note_err(f, write_all(f->fd, it->buf, it->len));
        free(it->buf);
        return;
    }
    if (!atomic_load(&f->err) && fsync(f->fd) != 0) note_err(f, errno);
    if (close(f->fd) != 0) note_err(f, errno);
    f->fd = -1;
}

static void *io_main(void *arg) {
    snap_io_group *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->head && !g->stop)
            pthread_cond_wait(&g->work, &g->mu);
        if (!g->head) break;
        io_item *it = g->head;
        g->head = it->next;
        if (!g->head) g->tail = NULL;
        pthread_mutex_unlock(&g->mu);
        do_item(it);
        pthread_mutex_lock(&g->mu);
        if (it->buf) {
            snap_io_file *f = it->f;
            g->queued -= it->len;
            atomic_fetch_sub(&f->queued, it->len);
            pthread_cond_broadcast(&g->room);
            if (f->room_fn && atomic_load(&f->queued) <= SNAP_IO_SOFT / 2) {
                void (*fn)(void *) = f->room_fn;
                f->room_fn = NULL;
                fn(f->room_arg);
            }
        } else if (--g->open == 0) {
            pthread_cond_broadcast(&g->idle);
        }
        free(it);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

snap_io_group *snap_io_group_new(void) {
    snap_io_group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->work, NULL);
    pthread_cond_init(&g->room, NULL);
    pthread_cond_init(&g->idle, NULL);
    if (pthread_create(&g->pt, NULL, io_main, g) != 0) {
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->work);
        pthread_cond_destroy(&g->room);
        pthread_cond_destroy(&g->idle);
        free(g);
        return NULL;
    }
    return g;
}

int snap_io_group_wait(snap_io_group *g) {
    pthread_mutex_lock(&g->mu);
    while (g->open > 0)
        pthread_cond_wait(&g->idle, &g->mu);
    g->stop = true;
    pthread_cond_signal(&g->work);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->pt, NULL);
    int err = 0;
    while (g->files) {
        snap_io_file *f = g->files;
        g->files = f->next;
        if (!err) err = atomic_load(&f->err);
        free(f);
    }
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->work);
    pthread_cond_destroy(&g->room);
    pthread_cond_destroy(&g->idle);
    free(g);
    return err;
}

snap_io_file *snap_io_open(snap_io_group *g, int fd) {
    snap_io_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->fd = fd;
    f->g = g;
    pthread_mutex_lock(&g->mu);
    f->next = g->files;
    g->files = f;
    g->open++;
    pthread_mutex_unlock(&g->mu);
    return f;
}

/* Queues an item; a write waits while the group's queue is past SNAP_IO_HARD. */
static void enqueue(snap_io_file *f, void *buf, size_t len) {
    snap_io_group *g = f->g;
    io_item *it = malloc(sizeof *it);
    pthread_mutex_lock(&g->mu);
    if (buf)
        while (g->queued > 0 && g->queued + len > SNAP_IO_HARD)
            pthread_cond_wait(&g->room, &g->mu);
    if (!it) { /* no memory for the item: write it here instead */
        pthread_mutex_unlock(&g->mu);
        io_item local = {NULL, f, buf, len};
        do_item(&local);
        if (!buf) {
            pthread_mutex_lock(&g->mu);
            if (--g->open == 0) pthread_cond_broadcast(&g->idle);
            pthread_mutex_unlock(&g->mu);
        }
        return;
    }
    *it = (io_item){NULL, f, buf, len};
    if (buf) {
        g->queued += len;
        atomic_fetch_add(&f->queued, len);
    }
    if (g->tail)
        g->tail->next = it;
    else
        g->head = it;
    g->tail = it;
    pthread_cond_signal(&g->work);
    pthread_mutex_unlock(&g->mu);
}

void snap_io_write(snap_io_file *f, void *buf, size_t len) {
    if (!len) {
        free(buf);
        return;
    }
    enqueue(f, buf, len);
}

bool snap_io_backlogged(const snap_io_file *f) {
    return atomic_load(&f->queued) > SNAP_IO_SOFT;
}

bool snap_io_when_room(snap_io_file *f, void (*fn)(void *), void *arg) {
    pthread_mutex_lock(&f->g->mu);
    bool wait = atomic_load(&f->queued) > SNAP_IO_SOFT / 2;
    if (wait) {
        f->room_fn = fn;
        f->room_arg = arg;
    }
    pthread_mutex_unlock(&f->g->mu);
    return wait;
}

int snap_io_error(const snap_io_file *f) {
    return atomic_load(&f->err);
}

void snap_io_close(snap_io_file *f) {
    enqueue(f, NULL, 0);
}

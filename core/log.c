/* log.c -- the log thread: data threads format a line and enqueue it on a ck_ring (MPMC); the
 * log thread, woken through an eventfd, writes lines out.  A full ring drops the line and
 * counts it rather than blocking. */
#include "config.h"
#include "log.h"
#include "mem.h"

#include <ck_ring.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_RING_SIZE 4096u
#define LOG_LINE_MAX 1024

static struct {
    ck_ring_t ring;
    ck_ring_buffer_t buf[LOG_RING_SIZE];
    pthread_t thread;
    int running;
    int wake_fd;
    int out_fd;
    char *path;
    _Atomic int level;
    _Atomic int stop;
    volatile sig_atomic_t reopen;
    _Atomic uint64_t dropped, written;
} lg = {.out_fd = 2, .wake_fd = -1, .level = LOG_NOTICE};

static const char *const level_names[] = {"debug", "info", "notice", "warning", "error"};
static const char level_marks[] = {'.', '-', '*', '#', '!'};

const char *log_level_name(int level) {
    return level >= LOG_DEBUG && level <= LOG_ERROR ? level_names[level] : "?";
}

int log_level_parse(const char *name) {
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (strcasecmp(name, level_names[i]) == 0) return i;
    if (strcasecmp(name, "verbose") == 0) return LOG_INFO;
    return -1;
}

void log_set_level(int level) {
    atomic_store(&lg.level, level);
}
int log_get_level(void) {
    return atomic_load(&lg.level);
}
void log_request_reopen(void) {
    lg.reopen = 1;
}
uint64_t log_dropped(void) {
    return atomic_load(&lg.dropped);
}
const char *log_path(void) {
    return lg.path ? lg.path : "";
}
unsigned log_ring_size(void) {
    return LOG_RING_SIZE;
}
uint64_t log_written(void) {
    return atomic_load(&lg.written);
}

/* Formats "pid:L dd Mon yyyy hh:mm:ss.mmm * text\n" into out; returns its length. */
static size_t log_format(char *out, size_t cap, int level, const char *fmt, va_list ap) {
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t n = (size_t)snprintf(out, cap, "%d:M ", (int)getpid());
    n += strftime(out + n, cap - n, "%d %b %Y %H:%M:%S", &tm);
    n += (size_t)snprintf(out + n, cap - n, ".%03d %c ", (int)(tv.tv_usec / 1000),
                          level_marks[level]);
    int m = vsnprintf(out + n, cap - n, fmt, ap);
    n = m < 0 ? n : (n + (size_t)m >= cap - 1 ? cap - 2 : n + (size_t)m);
    out[n++] = '\n';
    out[n] = '\0';
    return n;
}

static void log_write_fd(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

void log_vmsg(int level, const char *fmt, va_list ap) {
    if (level < atomic_load_explicit(&lg.level, memory_order_relaxed)) return;
    if (level > LOG_ERROR) level = LOG_ERROR;
    if (!lg.running) {
        char line[LOG_LINE_MAX];
        size_t n = log_format(line, sizeof line, level, fmt, ap);
        log_write_fd(lg.out_fd, line, n);
        atomic_fetch_add(&lg.written, 1);
        return;
    }
    char *line = malloc(LOG_LINE_MAX);
    if (!line) {
        atomic_fetch_add(&lg.dropped, 1);
        return;
    }
    log_format(line, LOG_LINE_MAX, level, fmt, ap);
    if (!ck_ring_enqueue_mpmc(&lg.ring, lg.buf, line)) {
        free(line);
        atomic_fetch_add(&lg.dropped, 1);
        return;
    }
    uint64_t one = 1;
    ssize_t w = write(lg.wake_fd, &one, sizeof one);
    (void)w;
}

void log_msg(int level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

static int log_open(const char *path) {
    if (!path || !*path) return 2;
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void log_drain(void) {
    void *p;
    while (ck_ring_dequeue_mpmc(&lg.ring, lg.buf, &p)) {
        log_write_fd(lg.out_fd, p, strlen(p));
        free(p);
        atomic_fetch_add(&lg.written, 1);
    }
}

static void *log_thread_main(void *arg) {
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct pollfd pfd = {.fd = lg.wake_fd, .events = POLLIN};
    while (!atomic_load(&lg.stop)) {
        int r = poll(&pfd, 1, 100);
        if (r > 0) {
            uint64_t v;
            ssize_t n = read(lg.wake_fd, &v, sizeof v);
            (void)n;
        }
        if (lg.reopen) {
            lg.reopen = 0;
            int fd = log_open(lg.path);
            if (fd >= 0) {
                if (lg.out_fd > 2) close(lg.out_fd);
                lg.out_fd = fd;
            }
        }
        log_drain();
    }
    log_drain();
    return NULL;
}

int log_start(const char *path, int level) {
    log_set_level(level);
    int fd = log_open(path);
    if (fd < 0) return -1;
    lg.out_fd = fd;
    lg.path = path && *path ? strdup(path) : NULL;
    ck_ring_init(&lg.ring, LOG_RING_SIZE);
    lg.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (lg.wake_fd < 0) return -1;
    atomic_store(&lg.stop, 0);
    if (pthread_create(&lg.thread, NULL, log_thread_main, NULL) != 0) return -1;
    lg.running = 1;
    return 0;
}

void log_stop(void) {
    if (!lg.running) return;
    atomic_store(&lg.stop, 1);
    uint64_t one = 1;
    ssize_t w = write(lg.wake_fd, &one, sizeof one);
    (void)w;
    pthread_join(lg.thread, NULL);
    lg.running = 0;
    close(lg.wake_fd);
    lg.wake_fd = -1;
    if (lg.out_fd > 2) close(lg.out_fd);
    lg.out_fd = 2;
    free(lg.path);
    lg.path = NULL;
}

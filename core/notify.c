/* notify.c -- keyspace notifications: the notify-keyspace-events flags (Redis's letters) and the
 * publishing of key events on __keyspace@<db>__ / __keyevent@<db>__ through keel_publish. */
#include "config.h"
#include "notify.h"
#include "mem.h"
#include "zvm.h"

#include <stdio.h>
#include <string.h>

unsigned notify_active;
static unsigned notify_flags; /* what CONFIG GET shows */

/* Redis's letters, in the order its CONFIG GET writes them after "A" (or instead of it). */
static const struct {
    char letter;
    unsigned flag;
} letters[] = {
    {'g', KEEL_NOTIFY_GENERIC}, {'$', KEEL_NOTIFY_STRING},  {'l', KEEL_NOTIFY_LIST},
    {'s', KEEL_NOTIFY_SET},     {'h', KEEL_NOTIFY_HASH},    {'z', KEEL_NOTIFY_ZSET},
    {'x', KEEL_NOTIFY_EXPIRED}, {'e', KEEL_NOTIFY_EVICTED}, {'t', KEEL_NOTIFY_STREAM},
    {'d', KEEL_NOTIFY_MODULE},  {'n', KEEL_NOTIFY_NEW},
};

bool notify_parse(const char *s, unsigned *flags) {
    unsigned f = 0;
    for (; *s; s++) {
        unsigned bit = 0;
        switch (*s) {
        case 'A':
            bit = KEEL_NOTIFY_ALL;
            break;
        case 'K':
            bit = KEEL_NOTIFY_KEYSPACE;
            break;
        case 'E':
            bit = KEEL_NOTIFY_KEYEVENT;
            break;
        case 'm':
            bit = KEEL_NOTIFY_KEYMISS;
            break;
        default:
            for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
                if (letters[i].letter == *s) bit = letters[i].flag;
        }
        if (!bit) return false;
        f |= bit;
    }
    *flags = f;
    return true;
}

/* As Redis 7.0 writes it: "A" hides every class it covers and "n" too. */
void notify_format(unsigned flags, char *out, size_t cap) {
    char buf[32];
    size_t n = 0;
    if ((flags & KEEL_NOTIFY_ALL) == KEEL_NOTIFY_ALL)
        buf[n++] = 'A';
    else
        for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
            if (flags & letters[i].flag) buf[n++] = letters[i].letter;
    if (flags & KEEL_NOTIFY_KEYSPACE) buf[n++] = 'K';
    if (flags & KEEL_NOTIFY_KEYEVENT) buf[n++] = 'E';
    if (flags & KEEL_NOTIFY_KEYMISS) buf[n++] = 'm';
    buf[n] = '\0';
    snprintf(out, cap, "%s", buf);
}

void notify_configure(unsigned flags) {
    __atomic_store_n(&notify_flags, flags, __ATOMIC_RELAXED);
    unsigned on = (flags & (KEEL_NOTIFY_KEYSPACE | KEEL_NOTIFY_KEYEVENT)) ? flags : 0;
    __atomic_store_n(&notify_active, on, __ATOMIC_RELAXED);
}

unsigned notify_configured(void) {
    return __atomic_load_n(&notify_flags, __ATOMIC_RELAXED);
}

/* A byte string under construction: on the stack while short. */
typedef struct notify_buf {
    char *p;
    size_t len, cap;
    char local[256];
} notify_buf;

static void nb_add(notify_buf *b, const void *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
        char *p = mem_alloc(cap);
        memcpy(p, b->p, b->len);
        if (b->p != b->local) mem_free(b->p);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void nb_free(notify_buf *b) {
    if (b->p != b->local) mem_free(b->p);
}

/* Publishes the two channels of one event inside namespace path[0..level), the key named by
 * the names path[level..npath) then key. */
static void notify_level(const keel_arg *path, uint32_t npath, uint32_t level, uint32_t db,
                         const char *event, const void *key, size_t klen, bool keyspace,
                         bool keyevent) {
    notify_buf name = {.p = name.local, .cap = sizeof name.local};
    for (uint32_t i = level; i < npath; i++) {
        nb_add(&name, path[i].ptr, path[i].len);
        nb_add(&name, "/", 1);
    }
    nb_add(&name, key, klen);
    size_t elen = strlen(event);
    char prefix[48];
    if (keyspace) {
        notify_buf ch = {.p = ch.local, .cap = sizeof ch.local};
        int n = snprintf(prefix, sizeof prefix, "__keyspace@%u__:", db);
        nb_add(&ch, prefix, (size_t)n);
        nb_add(&ch, name.p, name.len);
        keel_publish(path, level, 0, ch.p, ch.len, event, elen);
        nb_free(&ch);
    }
    if (keyevent) {
        notify_buf ch = {.p = ch.local, .cap = sizeof ch.local};
        int n = snprintf(prefix, sizeof prefix, "__keyevent@%u__:", db);
        nb_add(&ch, prefix, (size_t)n);
        nb_add(&ch, event, elen);
        keel_publish(path, level, 0, ch.p, ch.len, name.p, name.len);
        nb_free(&ch);
    }
    nb_free(&name);
}

void notify_publish(const keel_arg *path, uint32_t npath, uint32_t db, unsigned cls,
                    const char *event, const void *key, size_t klen) {
    unsigned on = __atomic_load_n(&notify_active, __ATOMIC_RELAXED);
    if (!(on & cls)) return;
    bool keyspace = (on & KEEL_NOTIFY_KEYSPACE) != 0, keyevent = (on & KEEL_NOTIFY_KEYEVENT) != 0;
    for (uint32_t level = npath + 1; level-- > 0;)
        notify_level(path, npath, level, db, event, key, klen, keyspace, keyevent);
}

/* Copies the first n names of p's path (its namespace, then the names it pushed) into out. */
static uint32_t proc_path(const zvm_proc *p, uint32_t n, keel_arg *out) {
    uint32_t depth = ns_proc_depth(p);
    if (n > depth) n = depth;
    if (n > KEEL_NS_DEPTH_MAX) n = KEEL_NS_DEPTH_MAX;
    for (uint32_t i = 0; i < n; i++)
        out[i] = *ns_proc_name(p, i);
    return n;
}

void notify_proc_event_db(zvm_proc *p, uint32_t db, unsigned cls, const char *event,
                          const void *key, size_t klen) {
    keel_arg path[KEEL_NS_DEPTH_MAX];
    uint32_t n = proc_path(p, KEEL_NS_DEPTH_MAX, path);
    notify_publish(path, n, db, cls, event, key, klen);
}

void notify_proc_event_depth(zvm_proc *p, uint32_t depth, unsigned cls, const char *event,
                             const void *key, size_t klen) {
    keel_arg path[KEEL_NS_DEPTH_MAX];
    uint32_t n = proc_path(p, depth, path);
    notify_publish(path, n, p->db, cls, event, key, klen);
}

void notify_proc_event(zvm_proc *p, unsigned cls, const char *event, const void *key, size_t klen) {
    notify_proc_event_db(p, p->db, cls, event, key, klen);
}

void notify_key_gone(const ks_space *sp, unsigned cls, const char *event, const void *key,
                     size_t klen) {
    keel_arg path[KEEL_NS_DEPTH_MAX];
    uint32_t n = 0;
    uint32_t db = sp->db;
    if (sp->owner && sp->proc) {
        n = proc_path(sp->proc, sp->depth, path);
    } else if (sp->owner) { /* no process: the namespaces' own names (active expiry) */
        int depth = ns_obj_path(sp->owner, sp->s, path, &db);
        if (depth < 0) return; /* a namespace deleted and waiting to be freed */
        n = (uint32_t)depth;
    }
    notify_publish(path, n, db, cls, event, key, klen);
}

keel_status keel_notify(keel_proc *kp, unsigned cls, const char *event, const void *key,
                        size_t klen) {
    if (!cls || (cls & ~KEEL_NOTIFY_CLASSES) || (cls & (cls - 1)) || !event || !*event)
        return KEEL_EINVAL;
    if (notify_wanted(cls)) notify_proc_event(zvm_of(kp), cls, event, key, klen);
    return KEEL_OK;
}

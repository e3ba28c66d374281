/* zvm_reply.c -- building a process's reply tree in its arena (the keel_reply_* SDK calls). */
#include "config.h"
#include "registry.h"
#include "zvm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* True while the rest of the reply is dropped (nested too deep, or no memory). */
static bool reply_swallowing(const zvm_proc *p) {
    return p->depth >= ZVM_REPLY_DEPTH;
}

/* Closes every aggregate on top of the stack that has all its children. */
static void reply_pop_complete(zvm_proc *p) {
    while (p->depth >= 0 && !reply_swallowing(p) && p->frames[p->depth].left == 0)
        p->depth--;
}

/* Where a node goes when the reply found no memory (written, never read). */
static __thread keel_reply reply_sink;

/* The reply found no memory: it becomes "ERR out of memory" and what the command adds after
 * this is swallowed (its process ends as usual; the memory it holds is freed with it). */
static void reply_oom(zvm_proc *p) {
    static const char oom[] = "ERR out of memory";
    zvm_reply_reset(p);
    keel_reply *r = zvm_alloc(p, sizeof *r); /* a few bytes: the memory reserve has them */
    memset(r, 0, sizeof *r);
    r->type = KEEL_REPLY_ERROR;
    r->v.s = oom;
    r->len = sizeof oom - 1;
    p->reply_first = p->reply_last = r;
    p->nreplies = 1;
    p->depth = ZVM_REPLY_DEPTH;
}

static keel_reply *reply_add(zvm_proc *p, uint8_t type) {
    keel_reply *r = zvm_alloc_try(p, sizeof *r);
    if (!r) {
        reply_oom(p);
        return &reply_sink;
    }
    memset(r, 0, sizeof *r);
    r->type = type;
    if (p->depth < 0) {
        if (p->reply_last)
            p->reply_last->next = r;
        else
            p->reply_first = r;
        p->reply_last = r;
        p->nreplies++;
        return r;
    }
    reply_frame *f = &p->frames[p->depth];
    if (f->last)
        f->last->next = r;
    else
        f->node->v.child = r;
    f->last = r;
    if (f->left > 0)
        f->left--;
    else
        f->node->len++; /* open aggregate: counts as it goes */
    return r;
}

static void reply_scalar_done(zvm_proc *p) {
    reply_pop_complete(p);
}

static void reply_push(zvm_proc *p, keel_reply *r, int64_t left) {
    if (reply_swallowing(p)) return; /* r is the sink of a reply that found no memory */
    if (p->depth + 1 >= ZVM_REPLY_DEPTH) {
        zvm_reply_reset(p);
        zvm_reply_errorf(p, "ERR reply nested more than %d levels deep", ZVM_REPLY_DEPTH);
        p->depth = ZVM_REPLY_DEPTH; /* swallow the rest of this reply */
        return;
    }
    p->depth++;
    p->frames[p->depth].node = r;
    p->frames[p->depth].last = NULL;
    p->frames[p->depth].left = left;
}

void keel_reply_nil(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    reply_add(p, KEEL_REPLY_NIL);
    reply_scalar_done(p);
}

void keel_reply_nil_array(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    reply_add(p, KEEL_REPLY_NIL)->len = KEEL_REPLY_NIL_ARRAY;
    reply_scalar_done(p);
}

void keel_reply_int(keel_proc *kp, int64_t v) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    reply_add(p, KEEL_REPLY_INT)->v.i = v;
    reply_scalar_done(p);
}

void keel_reply_uint(keel_proc *kp, uint64_t v) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    if (v <= INT64_MAX)
        reply_add(p, KEEL_REPLY_INT)->v.i = (int64_t)v;
    else
        reply_add(p, KEEL_REPLY_UINT)->v.u = v;
    reply_scalar_done(p);
}

void keel_reply_double(keel_proc *kp, double v) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    reply_add(p, KEEL_REPLY_DOUBLE)->v.d = v;
    reply_scalar_done(p);
}

void keel_reply_bool(keel_proc *kp, bool v) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    reply_add(p, KEEL_REPLY_BOOL)->v.i = v;
    reply_scalar_done(p);
}

/* Adds a string node of the given type (with pad[0] = mark). */
static void reply_marked_string(zvm_proc *p, uint8_t type, uint8_t mark, const void *s, size_t n) {
    if (reply_swallowing(p)) return;
    char *copy = zvm_alloc_try(p, n + 1);
    if (!copy) {
        reply_oom(p);
        return;
    }
    if (n) memcpy(copy, s, n);
    copy[n] = '\0';
    keel_reply *r = reply_add(p, type);
    r->v.s = copy;
    r->len = (uint32_t)n;
    r->pad[0] = mark;
    reply_scalar_done(p);
}

static void reply_string(zvm_proc *p, uint8_t type, const void *s, size_t n) {
    reply_marked_string(p, type, 0, s, n);
}

void keel_reply_double_text(keel_proc *kp, const char *text, size_t n) {
    reply_marked_string(zvm_of(kp), KEEL_REPLY_BULK, KEEL_REPLY_BULK_DOUBLE, text, n);
}

void keel_reply_bulk(keel_proc *kp, const void *s, size_t n) {
    reply_string(zvm_of(kp), KEEL_REPLY_BULK, s, n);
}

void keel_reply_simple(keel_proc *kp, const char *s) {
    reply_string(zvm_of(kp), KEEL_REPLY_SIMPLE, s, strlen(s));
}

void keel_reply_ok(keel_proc *kp) {
    reply_string(zvm_of(kp), KEEL_REPLY_SIMPLE, "OK", 2);
}

static void reply_verror(zvm_proc *p, const char *fmt, va_list ap) {
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    reply_string(p, KEEL_REPLY_ERROR, buf, (size_t)n);
}

void keel_reply_error(keel_proc *kp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    reply_verror(zvm_of(kp), fmt, ap);
    va_end(ap);
}

void zvm_reply_errorf(zvm_proc *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    reply_verror(p, fmt, ap);
    va_end(ap);
}

void zvm_reply_error_text(zvm_proc *p, const char *s, size_t n) {
    reply_string(p, KEEL_REPLY_ERROR, s, n);
}

void keel_reply_verbatim(keel_proc *kp, const char *fmt3, const void *s, size_t n) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    char *copy = zvm_alloc_try(p, n + 5);
    if (!copy) {
        reply_oom(p);
        return;
    }
    memcpy(copy, fmt3, 3);
    copy[3] = ':';
    if (n) memcpy(copy + 4, s, n);
    copy[n + 4] = '\0';
    keel_reply *r = reply_add(p, KEEL_REPLY_VERBATIM);
    r->v.s = copy;
    r->len = (uint32_t)(n + 4);
    reply_scalar_done(p);
}

void keel_reply_value(keel_proc *kp, const dk_val *v) {
    char text[64];
    switch (v->type) {
    case DK_BOOL:
        keel_reply_bool(kp, v->v.i != 0);
        return;
    case DK_I64:
        keel_reply_int(kp, v->v.i);
        return;
    case DK_U64:
        keel_reply_uint(kp, v->v.u);
        return;
    case DK_I128:
    case DK_U128:
        keel_reply_bulk(kp, text, dk_val_format(v, text, sizeof text));
        return;
    case DK_F64:
    case DK_F16:
    case DK_BF16:
        keel_reply_double(kp, v->v.d);
        return;
    case DK_F32:
        keel_reply_double(kp, (double)v->v.f);
        return;
    case DK_BYTES:
        keel_reply_bulk(kp, v->v.ptr, v->len);
        return;
    default:
        keel_reply_nil(kp);
    }
}

static void reply_aggregate(zvm_proc *p, uint8_t type, size_t n, size_t children) {
    if (reply_swallowing(p)) return;
    keel_reply *r = reply_add(p, type);
    r->len = (uint32_t)n;
    if (children > 0)
        reply_push(p, r, (int64_t)children);
    else
        reply_pop_complete(p);
}

void keel_reply_array(keel_proc *kp, size_t n) {
    reply_aggregate(zvm_of(kp), KEEL_REPLY_ARRAY, n, n);
}
void keel_reply_pairs(keel_proc *kp, size_t npairs) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    keel_reply *r = reply_add(p, KEEL_REPLY_ARRAY);
    r->len = (uint32_t)(npairs * 2);
    r->pad[0] = KEEL_REPLY_ARRAY_PAIRS;
    if (npairs > 0)
        reply_push(p, r, (int64_t)npairs * 2);
    else
        reply_pop_complete(p);
}

void keel_reply_set(keel_proc *kp, size_t n) {
    reply_aggregate(zvm_of(kp), KEEL_REPLY_SET, n, n);
}
void keel_reply_map(keel_proc *kp, size_t npairs) {
    reply_aggregate(zvm_of(kp), KEEL_REPLY_MAP, npairs, npairs * 2);
}

void keel_reply_open(keel_proc *kp, keel_reply_type type) {
    zvm_proc *p = zvm_of(kp);
    if (reply_swallowing(p)) return;
    keel_reply *r = reply_add(p, (uint8_t)type);
    r->len = 0;
    reply_push(p, r, -1);
}

void keel_reply_close(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    if (p->depth < 0 || reply_swallowing(p)) return;
    reply_frame *f = &p->frames[p->depth];
    if (f->left != -1) return; /* not an open aggregate: ignore the stray close */
    if (f->node->type == KEEL_REPLY_MAP) f->node->len /= 2;
    p->depth--;
    reply_pop_complete(p);
}

void zvm_reply_reset(zvm_proc *p) {
    p->reply_first = p->reply_last = NULL;
    p->nreplies = 0;
    p->depth = -1;
}

void keel_reply_reset(keel_proc *kp) {
    zvm_reply_reset(zvm_of(kp));
}

void zvm_reply_finish(zvm_proc *p) {
    if (reply_swallowing(p)) p->depth = -1;
    while (p->depth >= 0) {
        reply_frame *f = &p->frames[p->depth];
        if (f->left == -1)
            keel_reply_close(&p->pub);
        else
            keel_reply_nil(&p->pub);
    }
}

/* A string this long is copied into the reply a piece at a time, yielding between slices. */
#define REPLY_STEP_BYTES_MIN (1024 * 1024)
#define REPLY_STEP_PIECE (64 * 1024)

/* keel_reply_stored_step for a big string: the node is made at once (its bytes not yet there:
 * nobody reads the tree before the process ends), then filled a piece at a time, 1 reduction per
 * 64 bytes; *cursor is 1 + the bytes copied, p->step_node the node. */
static bool reply_bytes_step(zvm_proc *p, const char *s, size_t n, uint64_t *cursor) {
    if (*cursor == 0) {
        if (reply_swallowing(p)) return true;
        char *copy = zvm_alloc_try(p, n + 1);
        if (!copy) {
            reply_oom(p);
            return true;
        }
        copy[n] = '\0';
        keel_reply *r = reply_add(p, KEEL_REPLY_BULK);
        if (reply_swallowing(p)) return true; /* no memory for the node: the error went in */
        r->v.s = copy;
        r->len = (uint32_t)n;
        reply_scalar_done(p);
        p->step_node = r;
        *cursor = 1;
    }
    char *dst = (char *)p->step_node->v.s;
    size_t done = (size_t)(*cursor - 1);
    while (done < n) {
        size_t piece = n - done < REPLY_STEP_PIECE ? n - done : REPLY_STEP_PIECE;
        memcpy(dst + done, s + done, piece);
        done += piece;
        if (keel_charge(&p->pub, REPLY_STEP_PIECE / 64) && done < n) {
            *cursor = done + 1;
            return false;
        }
    }
    p->step_node = NULL;
    return true;
}

keel_status keel_value_members(const keel_value *v, uint64_t *cursor, size_t max, keel_member_fn fn,
                               void *ctx, bool *done) {
    const type_entry *te = v->type == KEEL_TYPE_BOX ? NULL : type_by_id(v->type);
    if (!te || !te->def.members_step || !fn || !done) return KEEL_EINVAL;
    *done = te->def.members_step(v->obj, cursor, max, fn, ctx);
    return KEEL_OK;
}

bool keel_reply_stored_step(keel_proc *kp, const keel_value *v, uint64_t *cursor) {
    if (v->type == KEEL_TYPE_BOX && v->box.type == DK_BYTES && v->box.len >= REPLY_STEP_BYTES_MIN)
        return reply_bytes_step(zvm_of(kp), v->box.v.ptr, v->box.len, cursor);
    const type_entry *te = v->type == KEEL_TYPE_BOX ? NULL : type_by_id(v->type);
    if (!te || !te->def.to_reply_step) {
        keel_reply_stored(kp, v);
        return true;
    }
    return te->def.to_reply_step(kp, v->obj, cursor);
}

void keel_reply_stored(keel_proc *kp, const keel_value *v) {
    if (v->type != KEEL_TYPE_BOX) {
        const type_entry *te = type_by_id(v->type);
        if (te && te->def.to_reply)
            te->def.to_reply(kp, v->obj);
        else
            keel_reply_error(kp, "ERR the value's type (%s) cannot be shown",
                             te ? te->def.name : "unknown");
        return;
    }
    if (v->box.type == DK_BYTES) {
        keel_reply_bulk(kp, v->box.v.ptr, v->box.len);
        return;
    }
    char text[64];
    keel_reply_bulk(kp, text, dk_val_format(&v->box, text, sizeof text));
}

void zvm_reply_copy(zvm_proc *p, const keel_reply *r) {
    if (reply_swallowing(p)) return;
    switch (r->type) {
    case KEEL_REPLY_ARRAY:
    case KEEL_REPLY_SET:
    case KEEL_REPLY_MAP:
    case KEEL_REPLY_PUSH: {
        uint64_t children = r->type == KEEL_REPLY_MAP ? 2 * (uint64_t)r->len : r->len;
        reply_aggregate(p, r->type, r->len, children);
        for (const keel_reply *c = r->v.child; c && children > 0; c = c->next, children--)
            zvm_reply_copy(p, c);
        while (children-- > 0 && !reply_swallowing(p))
            keel_reply_nil(&p->pub); /* a short tree */
        return;
    }
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
    case KEEL_REPLY_ERROR:
    case KEEL_REPLY_VERBATIM:
        reply_string(p, r->type, r->v.s, r->len);
        return;
    default: { /* numbers, booleans, nil: the node as it is */
        keel_reply *n = reply_add(p, r->type);
        n->len = r->len;
        n->v = r->v;
        reply_scalar_done(p);
    }
    }
}

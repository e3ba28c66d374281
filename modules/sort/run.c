/* run.c -- the SORT / SORT_RO opcode: reads the source (a list, set or sorted set) and the BY and
 * GET patterns' keys through the commands that own them (keel_call), sorts a slice at a time,
 * and replies or stores the result.
 *
 * Keys named by patterns are not declared: they are read with KEEL_CALL_NOWAIT, and one another
 * process holds makes the whole command start over with it locked up front
 * (keel_proc_restart_wider), as scripts do, so SORT is atomic and cannot deadlock.  The state
 * lives in a struct in the process arena (register r0); a restart clears the registers and
 * starts from scratch. */
#include "args.h"
#include "order.h"
#include "pattern.h"
#include "sort.h"

#include <stdio.h>
#include <string.h>

enum { SRC_NONE, SRC_LIST, SRC_SET, SRC_ZSET };
enum { ST_TYPE, ST_FETCH, ST_BY, ST_SORT, ST_OUT, ST_STORE_DEL, ST_STORE_PUSH };

/* The most values one STORE keeps before writing them (a bound on its scratch memory). */
#define STORE_MAX (UINT64_C(1) << 26)
/* Values pushed to a STORE destination per RPUSH. */
#define STORE_BATCH 1024
/* Reductions charged per command a pattern runs. */
#define CALL_COST 8
/* Items merged per step of the sort, charged an eighth of a reduction each. */
#define MERGE_STEP 4096

typedef struct sort_run {
    sort_args a;
    int stage, kind;
    bool waiting;    /* a command is running for us elsewhere */
    bool reply_open; /* the reply's array header is out */
    sort_item *items;
    uint64_t n;
    sort_merge merge;
    int64_t start, end; /* the selected items, inclusive (empty when start > end) */
    uint64_t i;         /* the stage's position: item, or output value */
    uint32_t g;         /* GET pattern of the current item */
    keel_arg *out;      /* STORE: the values, NULL ptr = nil (stored as "") */
    uint64_t nout, pushed;
} sort_run;

static keel_op_result fail(keel_proc *p, const char *msg) {
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

/* Runs argv as a child (see the file comment).  KEEL_NEXT with *out (the child's reply; call
 * keel_call_clear after reading it), or the result the opcode returns now. */
static keel_op_result call(keel_proc *p, sort_run *r, uint32_t argc, const keel_arg *argv,
                           const keel_reply **out) {
    if (!r->waiting) {
        keel_status st = keel_call_opts(p, argc, argv, KEEL_CALL_NOWAIT);
        if (st == KEEL_WAIT) {
            r->waiting = true;
            return KEEL_BLOCK;
        }
        if (st == KEEL_MOVED) return KEEL_HOP;
        if (st != KEEL_OK) return fail(p, "ERR SORT could not run a command");
    }
    r->waiting = false;
    keel_charge(p, CALL_COST);
    if (keel_call_conflict(p)) { /* a pattern's key is held elsewhere: start over with it locked */
        keel_proc_restart_wider(p); /* it reads the key from the child, then clears it */
        return KEEL_YIELD;
    }
    *out = keel_call_reply(p);
    return KEEL_NEXT;
}

static keel_arg word(const char *s) {
    return (keel_arg){.ptr = s, .len = strlen(s)};
}

/* The text of a scalar reply (bulk, simple, number) in p's arena; false for nil and the rest. */
static bool reply_text(keel_proc *p, const keel_reply *r, keel_arg *out) {
    if (!r) return false;
    if (r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_SIMPLE ||
        r->type == KEEL_REPLY_VERBATIM) {
        char *s = keel_proc_alloc(p, r->len + 1);
        memcpy(s, r->v.s, r->len);
        s[r->len] = '\0';
        *out = (keel_arg){.ptr = s, .len = r->len};
        return true;
    }
    if (r->type == KEEL_REPLY_INT || r->type == KEEL_REPLY_UINT) {
        char *s = keel_proc_alloc(p, 24);
        int n = r->type == KEEL_REPLY_INT ? snprintf(s, 24, "%lld", (long long)r->v.i)
                                          : snprintf(s, 24, "%llu", (unsigned long long)r->v.u);
        *out = (keel_arg){.ptr = s, .len = (size_t)n};
        return true;
    }
    return false;
}

/* Reads what pattern `pat` makes of element e: *found false for nil. */
static keel_op_result read_pattern(keel_proc *p, sort_run *r, const keel_arg *pat,
                                   const sort_item *e, keel_arg *val, bool *found) {
    keel_arg key, field;
    pat_kind k = sort_pattern(p, pat, e->elem, e->elen, &key, &field);
    *found = false;
    if (k == PAT_ELEMENT) {
        *val = (keel_arg){.ptr = e->elem, .len = e->elen};
        *found = true;
        return KEEL_NEXT;
    }
    if (k == PAT_NONE) return KEEL_NEXT;
    keel_arg argv[3] = {word(k == PAT_FIELD ? "HGET" : "GET"), key, field};
    const keel_reply *rep;
    keel_op_result res = call(p, r, k == PAT_FIELD ? 3 : 2, argv, &rep);
    if (res != KEEL_NEXT) return res;
    *found = reply_text(p, rep, val); /* another type's key (an error) reads as nil, as in Redis */
    keel_call_clear(p);
    return KEEL_NEXT;
}

/* ST_TYPE: what the source is. */
static keel_op_result stage_type(keel_proc *p, sort_run *r) {
    keel_arg argv[2] = {word("TYPE"), p->argv[1]};
    const keel_reply *rep;
    keel_op_result res = call(p, r, 2, argv, &rep);
    if (res != KEEL_NEXT) return res;
    keel_arg t = {0};
    bool ok = reply_text(p, rep, &t);
    keel_call_clear(p);
    if (ok && keel_arg_is(&t, "list"))
        r->kind = SRC_LIST;
    else if (ok && keel_arg_is(&t, "set"))
        r->kind = SRC_SET;
    else if (ok && keel_arg_is(&t, "zset"))
        r->kind = SRC_ZSET;
    else if (ok && keel_arg_is(&t, "none"))
        r->kind = SRC_NONE;
    else
        return fail(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    /* Redis sorts a set it would not sort when the result is stored, so it is deterministic */
    if (r->kind == SRC_SET && r->a.nosort && r->a.store >= 0) {
        r->a.nosort = false;
        r->a.by = NULL;
        r->a.alpha = true;
    }
    r->stage = r->kind == SRC_NONE ? ST_SORT : ST_FETCH;
    return KEEL_NEXT;
}

/* ST_FETCH: every element of the source, copied into the arena. */
static keel_op_result stage_fetch(keel_proc *p, sort_run *r) {
    keel_arg list[4] = {word("LRANGE"), p->argv[1], word("0"), word("-1")};
    keel_arg set[2] = {word("SMEMBERS"), p->argv[1]};
    keel_arg zset[4] = {word("ZRANGE"), p->argv[1], word("0"), word("-1")};
    const keel_reply *rep;
    keel_op_result res = r->kind == SRC_SET
                             ? call(p, r, 2, set, &rep)
                             : call(p, r, 4, r->kind == SRC_LIST ? list : zset, &rep);
    if (res != KEEL_NEXT) return res;
    if (!rep || (rep->type != KEEL_REPLY_ARRAY && rep->type != KEEL_REPLY_SET)) {
        keel_call_clear(p);
        return fail(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    r->n = rep->len;
    r->items = keel_proc_alloc(p, sizeof *r->items * (r->n ? r->n : 1));
    uint64_t i = 0;
    for (const keel_reply *c = rep->v.child; c && i < r->n; c = c->next, i++) {
        keel_arg t = {.ptr = "", .len = 0};
        reply_text(p, c, &t);
        r->items[i] = (sort_item){.elem = t.ptr, .elen = (uint32_t)t.len};
    }
    r->n = i;
    keel_call_clear(p);
    keel_charge(p, (int64_t)r->n);
    r->stage = ST_BY;
    r->i = 0;
    return KEEL_NEXT;
}

/* ST_BY: what each element sorts by (a BY key's value, or its own number). */
static keel_op_result stage_by(keel_proc *p, sort_run *r) {
    bool by = r->a.by && !r->a.nosort;
    if (r->a.nosort || (r->a.alpha && !by)) {
        r->stage = ST_SORT;
        return KEEL_NEXT;
    }
    for (; r->i < r->n; r->i++) {
        sort_item *e = &r->items[r->i];
        keel_arg v = {.ptr = e->elem, .len = e->elen};
        bool found = true;
        if (by) {
            keel_op_result res = read_pattern(p, r, r->a.by, e, &v, &found);
            if (res != KEEL_NEXT) return res;
        }
        if (r->a.alpha) {
            e->by = found ? v.ptr : NULL;
            e->blen = found ? (uint32_t)v.len : 0;
        } else if (found && !sort_parse_score(v.ptr, v.len, &e->score)) {
            return fail(p, "ERR One or more scores can't be converted into double");
        }
        if (keel_charge(p, 1) && r->i + 1 < r->n) {
            r->i++;
            return KEEL_YIELD;
        }
    }
    r->stage = ST_SORT;
    return KEEL_NEXT;
}

/* Redis's LIMIT clamping over n items. */
static void select_range(sort_run *r) {
    int64_t n = (int64_t)r->n;
    int64_t start = r->a.limit && r->a.offset > 0 ? r->a.offset : 0;
    int64_t end = !r->a.limit || r->a.count < 0    ? n - 1
                  : start > INT64_MAX - r->a.count ? INT64_MAX
                                                   : start + r->a.count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n) end = n - 1;
    r->start = start;
    r->end = end;
}

/* ST_SORT: sorts (a slice at a time), or keeps the source's order for a BY without '*'. */
static keel_op_result stage_sort(keel_proc *p, sort_run *r) {
    if (r->merge.a == NULL) {
        select_range(r);
        if (r->a.nosort || r->n < 2) {
            /* as Redis, DESC reads a list or sorted set from its far end; a set keeps its order */
            if (r->a.nosort && r->a.desc && r->kind != SRC_SET && r->n > 1)
                for (uint64_t i = 0, j = r->n - 1; i < j; i++, j--) {
                    sort_item t = r->items[i];
                    r->items[i] = r->items[j];
                    r->items[j] = t;
                }
            r->stage = ST_OUT;
            r->i = (uint64_t)r->start;
            return KEEL_NEXT;
        }
        sort_item *tmp = keel_proc_alloc(p, sizeof *tmp * r->n);
        sort_merge_init(&r->merge, r->items, tmp, r->n, r->a.alpha, r->a.by != NULL, r->a.desc);
    }
    while (!sort_merge_step(&r->merge, MERGE_STEP))
        if (keel_charge(p, MERGE_STEP / 8)) return KEEL_YIELD;
    r->items = r->merge.a;
    r->stage = ST_OUT;
    r->i = (uint64_t)r->start;
    return KEEL_NEXT;
}

/* One output value: into the reply, or kept for STORE. */
static void emit(keel_proc *p, sort_run *r, const keel_arg *v, bool found) {
    if (r->a.store >= 0) {
        r->out[r->nout++] = found ? *v : (keel_arg){.ptr = NULL, .len = 0};
    } else if (found) {
        keel_reply_bulk(p, v->ptr, v->len);
    } else {
        keel_reply_nil(p);
    }
}

/* ST_OUT: the selected items, each as itself or as its GET patterns' values. */
static keel_op_result stage_out(keel_proc *p, sort_run *r) {
    uint64_t count = r->start <= r->end ? (uint64_t)(r->end - r->start + 1) : 0;
    uint64_t width = r->a.ngets ? r->a.ngets : 1;
    if (!r->reply_open) {
        r->reply_open = true;
        if (r->a.store >= 0 && count > STORE_MAX / width)
            return fail(p, "ERR SORT ... STORE result too large");
        if (r->a.store >= 0)
            r->out = keel_proc_alloc(p, sizeof *r->out * (count ? count * width : 1));
        else
            keel_reply_array(p, count * width);
    }
    for (; count && r->i <= (uint64_t)r->end; r->i++, r->g = 0) {
        const sort_item *e = &r->items[r->i];
        if (!r->a.ngets) {
            keel_arg v = {.ptr = e->elem, .len = e->elen};
            emit(p, r, &v, true);
        }
        for (; r->g < r->a.ngets; r->g++) {
            keel_arg v;
            bool found;
            keel_op_result res = read_pattern(p, r, &p->argv[r->a.gets[r->g]], e, &v, &found);
            if (res != KEEL_NEXT) return res;
            emit(p, r, &v, found);
        }
        if (keel_charge(p, 1) && r->i < (uint64_t)r->end) {
            r->i++;
            r->g = 0;
            return KEEL_YIELD;
        }
    }
    if (r->a.store < 0) return KEEL_DONE;
    r->stage = ST_STORE_DEL;
    return KEEL_NEXT;
}

/* ST_STORE_DEL and ST_STORE_PUSH: the destination becomes a list of the values (deleted when
 * there are none), and the reply is their count. */
static keel_op_result stage_store(keel_proc *p, sort_run *r) {
    const keel_arg *dest = &p->argv[r->a.store];
    const keel_reply *rep;
    if (r->stage == ST_STORE_DEL) {
        keel_arg argv[2] = {word("DEL"), *dest};
        keel_op_result res = call(p, r, 2, argv, &rep);
        if (res != KEEL_NEXT) return res;
        keel_call_clear(p);
        r->stage = ST_STORE_PUSH;
        r->pushed = 0;
    }
    while (r->pushed < r->nout) {
        uint64_t n = r->nout - r->pushed < STORE_BATCH ? r->nout - r->pushed : STORE_BATCH;
        keel_arg *argv = keel_proc_alloc(p, sizeof *argv * (n + 2));
        argv[0] = word("RPUSH");
        argv[1] = *dest;
        for (uint64_t i = 0; i < n; i++) {
            const keel_arg *v = &r->out[r->pushed + i];
            argv[2 + i] = v->ptr ? *v : (keel_arg){.ptr = "", .len = 0};
        }
        keel_op_result res = call(p, r, (uint32_t)(n + 2), argv, &rep);
        if (res != KEEL_NEXT) return res;
        bool failed = keel_call_failed(p);
        keel_call_clear(p);
        if (failed) return fail(p, "ERR SORT could not store its result");
        r->pushed += n;
        if (keel_charge(p, (int64_t)n) && r->pushed < r->nout) return KEEL_YIELD;
    }
    if (r->nout) keel_notify(p, KEEL_NOTIFY_LIST, "sortstore", dest->ptr, dest->len);
    keel_reply_int(p, (int64_t)r->nout);
    return KEEL_DONE;
}

keel_op_result sort_op_run(keel_proc *p, bool read_only) {
    sort_run *r = p->reg[0].type == DK_NULL ? NULL : (sort_run *)p->reg[0].v.ptr;
    if (!r) {
        r = keel_proc_alloc(p, sizeof *r);
        memset(r, 0, sizeof *r);
        if (!sort_parse(p, read_only, &r->a)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(r);
    }
    for (;;) {
        keel_op_result res;
        switch (r->stage) {
        case ST_TYPE:
            res = stage_type(p, r);
            break;
        case ST_FETCH:
            res = stage_fetch(p, r);
            break;
        case ST_BY:
            res = stage_by(p, r);
            break;
        case ST_SORT:
            res = stage_sort(p, r);
            break;
        case ST_OUT:
            res = stage_out(p, r);
            break;
        default:
            res = stage_store(p, r);
            break;
        }
        if (res != KEEL_NEXT) return res;
    }
}

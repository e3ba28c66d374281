/* hscan.c -- iterating over a map with a cursor: HSCAN key cursor [MATCH pattern] [COUNT count]
 * [NOVALUES].  The cursor is the map's table cursor, valid across resizes: a field present for
 * the whole iteration is returned at least once. */
#include "family.h"
#include <datakit/glob.h>
#include "map.h"

#include <stdio.h>
#include <string.h>

typedef struct hscan_item {
    keel_arg field;
    keel_value value; /* boxes' bytes copied into the arena */
} hscan_item;

typedef struct hscan_ctx {
    keel_proc *p;
    const keel_arg *pattern; /* NULL = every field */
    hscan_item *items;
    size_t n, cap;
    size_t visited;
} hscan_ctx;

static const char *arena_copy(keel_proc *p, const void *s, size_t n) {
    char *c = keel_proc_alloc(p, n + 1);
    if (n) memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

static void hscan_visit(void *arg, const keel_arg *key, const keel_value *v) {
    hscan_ctx *cx = arg;
    cx->visited++;
    keel_charge(cx->p, MAP_ENTRY_COST);
    if (cx->pattern &&
        !dk_glob_match(cx->pattern->ptr, cx->pattern->len, key->ptr, key->len, false))
        return;
    if (cx->n == cx->cap) {
        size_t cap = cx->cap ? cx->cap * 2 : 16;
        hscan_item *items = keel_proc_alloc(cx->p, sizeof *items * cap);
        if (cx->n) memcpy(items, cx->items, sizeof *items * cx->n);
        cx->items = items;
        cx->cap = cap;
    }
    hscan_item *it = &cx->items[cx->n++];
    it->field.ptr = arena_copy(cx->p, key->ptr, key->len);
    it->field.len = key->len;
    it->value = *v;
    if (v->type == KEEL_TYPE_BOX && v->box.type == DK_BYTES)
        it->value.box.v.ptr = arena_copy(cx->p, v->box.v.ptr, v->box.len);
}

static bool parse_cursor(const keel_arg *a, uint64_t *out) {
    if (a->len == 0 || a->len > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < a->len; i++) {
        if (a->ptr[i] < '0' || a->ptr[i] > '9') return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(a->ptr[i] - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

/* Reads HSCAN's options (argv[3..]).  Replies the error and returns false on bad input. */
static bool hscan_options(keel_proc *p, hscan_ctx *cx, int64_t *count, bool *novalues) {
    for (uint32_t i = 3; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        bool has_arg = i + 1 < p->argc;
        if (keel_arg_is(a, "NOVALUES")) {
            *novalues = true;
        } else if (keel_arg_is(a, "MATCH") && has_arg) {
            cx->pattern = &p->argv[++i];
            if (cx->pattern->len == 1 && cx->pattern->ptr[0] == '*') cx->pattern = NULL;
        } else if (keel_arg_is(a, "COUNT") && has_arg) {
            if (!keel_arg_i64(&p->argv[++i], count)) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return false;
            }
            if (*count < 1) {
                keel_reply_error(p, "ERR syntax error");
                return false;
            }
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Opcode: maps.hscan
 * One HSCAN step over map argv[1] from cursor argv[2]: visits about COUNT fields (fewer when
 * the slice's budget runs out) and replies [next cursor, [field, value, ...]].  Reductions: 1
 * per entry visited.  May hop and block (before it reads anything). */
static keel_op_result op_hscan(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t cursor;
    if (!parse_cursor(&p->argv[2], &cursor)) {
        keel_reply_error(p, "ERR invalid cursor");
        return KEEL_FAIL;
    }
    hscan_ctx cx = {.p = p};
    int64_t count = 10;
    bool novalues = false;
    if (!hscan_options(p, &cx, &count, &novalues)) return KEEL_FAIL;
    bool exists;
    keel_op_result r = map_check(p, &exists);
    if (r != KEEL_NEXT) return r;
    if (!exists) cursor = 0;
    while (exists) {
        keel_status st =
            keel_key_scan(p, p->argv[1].ptr, p->argv[1].len, &cursor, hscan_visit, &cx);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) cursor = 0;
        if (cursor == 0 || (int64_t)cx.visited >= count || p->budget <= 0) break;
    }
    char cbuf[24];
    int cn = snprintf(cbuf, sizeof cbuf, "%llu", (unsigned long long)cursor);
    keel_reply_array(p, 2);
    keel_reply_bulk(p, cbuf, (size_t)cn);
    keel_reply_array(p, novalues ? cx.n : cx.n * 2);
    for (size_t i = 0; i < cx.n; i++) {
        keel_reply_bulk(p, cx.items[i].field.ptr, cx.items[i].field.len);
        if (!novalues) keel_reply_stored(p, &cx.items[i].value);
    }
    return KEEL_NEXT;
}

static const keel_opcode_def hscan_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hscan",
     .fn = op_hscan,
     .synopsis = "one HSCAN step over map argv[1] from cursor argv[2]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def hscan_prog[] = {{.op = "maps.hscan"}, KEEL_END};

static const keel_cmd_def hscan_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "HSCAN",
     .arity = -3,
     .flags = KEEL_CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Iterates over the fields of a map with a cursor.",
     .syntax = "HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]",
     .group = "hash",
     .since = "0.1.0",
     .program = hscan_prog},
};

const keel_family map_hscan_family = KEEL_FAMILY(hscan_ops, hscan_cmds);

/* hincr.c -- arithmetic on fields: HINCRBY and HINCRBYFLOAT, with Redis's rules and errors.
 * Both keep the field's own TTL; a field holding a value that is not a string is WRONGTYPE. */
#include "family.h"
#include "map.h"
#include "text.h"

#include <math.h>
#include <datakit/ldtext.h>

/* Reads field argv[2] of the open map as text into *s / *n (absent: *found false).  Returns
 * KEEL_OK, KEEL_MOVED / KEEL_WAIT, or KEEL_EWRONGTYPE for a value that is not a string. */
static keel_status field_text(keel_proc *p, bool exists, char buf[DK_BOX_TEXT_MAX], const char **s,
                              size_t *n, bool *found) {
    const keel_arg *f = &p->argv[2];
    keel_value v = {.size = sizeof v};
    keel_status st = exists ? keel_key_lookup(p, f->ptr, f->len, &v) : KEEL_NOTFOUND;
    *found = st == KEEL_OK;
    if (st == KEEL_NOTFOUND) return KEEL_OK;
    if (st != KEEL_OK) return st;
    if (v.type != KEEL_TYPE_BOX) return KEEL_EWRONGTYPE;
    *n = dk_box_text(&v.box, buf, s);
    return KEEL_OK;
}

/* Opcode: maps.hincrby
 * HINCRBY key field increment: int64 arithmetic on the field (0 when missing).  Reductions 1.
 * May hop and block (before its one write). */
static keel_op_result op_hincrby(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t by;
    if (!keel_arg_i64(&p->argv[3], &by)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    bool exists, found;
    keel_op_result r = map_open(p, &exists);
    if (r != KEEL_NEXT) return r;
    char buf[DK_BOX_TEXT_MAX];
    const char *s = NULL;
    size_t n = 0;
    keel_status st = field_text(p, exists, buf, &s, &n, &found);
    int64_t cur = 0, sum = 0;
    const char *err = NULL;
    if (st == KEEL_EWRONGTYPE)
        err = "WRONGTYPE Operation against a key holding the wrong kind of value";
    else if (st == KEEL_OK && found && !keel_arg_i64(&(keel_arg){s, n}, &cur))
        err = "ERR hash value is not an integer";
    else if (st == KEEL_OK && __builtin_add_overflow(cur, by, &sum))
        err = "ERR increment or decrement would overflow";
    if (st == KEEL_OK && !err) {
        dk_val box = dk_i64(sum);
        st = keel_key_store(p, p->argv[2].ptr, p->argv[2].len, &box, KEEL_STORE_KEEPTTL);
    }
    map_close(p);
    KEEL_OP_PROPAGATE(st);
    if (err) {
        keel_reply_error(p, "%s", err);
        return KEEL_FAIL;
    }
    if (st != KEEL_OK) return map_store_failed(p);
    keel_notify(p, KEEL_NOTIFY_HASH, "hincrby", p->argv[1].ptr, p->argv[1].len);
    keel_reply_int(p, sum);
    return KEEL_NEXT;
}

/* Opcode: maps.hincrbyfloat
 * HINCRBYFLOAT key field increment: long double arithmetic, stored and replied as Redis formats
 * it.  Reductions 1.  May hop and block (before its one write). */
static keel_op_result op_hincrbyfloat(keel_proc *p, const keel_insn *in) {
    (void)in;
    long double by, cur = 0;
    if (!dk_ld_parse(p->argv[3].ptr, p->argv[3].len, &by)) {
        keel_reply_error(p, "ERR value is not a valid float");
        return KEEL_FAIL;
    }
    if (isnan(by) || isinf(by)) {
        keel_reply_error(p, "ERR value is NaN or Infinity");
        return KEEL_FAIL;
    }
    bool exists, found;
    keel_op_result r = map_open(p, &exists);
    if (r != KEEL_NEXT) return r;
    char buf[DK_BOX_TEXT_MAX];
    const char *s = NULL;
    size_t n = 0;
    keel_status st = field_text(p, exists, buf, &s, &n, &found);
    const char *err = NULL;
    if (st == KEEL_EWRONGTYPE)
        err = "WRONGTYPE Operation against a key holding the wrong kind of value";
    else if (st == KEEL_OK && found && !dk_ld_parse(s, n, &cur))
        err = "ERR hash value is not a float";
    else if (st == KEEL_OK && (isnan(cur + by) || isinf(cur + by)))
        err = "ERR increment would produce NaN or Infinity";
    char *text = NULL;
    size_t len = 0;
    if (st == KEEL_OK && !err) {
        text = keel_proc_alloc(p, DK_LD_TEXT);
        len = dk_ld_format(cur + by, text);
        /* logged as its result, as Redis propagates it */
        keel_arg as_hset[4] = {{"HSET", 4}, p->argv[1], p->argv[2], {text, len}};
        keel_proc_log_as(p, 4, as_hset);
        st = map_store_text(p, &p->argv[2], text, len, KEEL_STORE_KEEPTTL);
    }
    map_close(p);
    KEEL_OP_PROPAGATE(st);
    if (err) {
        keel_reply_error(p, "%s", err);
        return KEEL_FAIL;
    }
    if (st != KEEL_OK) return map_store_failed(p);
    keel_notify(p, KEEL_NOTIFY_HASH, "hincrbyfloat", p->argv[1].ptr, p->argv[1].len);
    keel_reply_bulk(p, text, len);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                                               \
    }
static const keel_opcode_def hincr_ops[] = {
    OP("maps.hincrby", op_hincrby, "add integer argv[3] to field argv[2] of map argv[1]"),
    OP("maps.hincrbyfloat", op_hincrbyfloat,
       "add argv[3] to field argv[2] of map argv[1] in long double"),
};

static const keel_insn_def hincrby_prog[] = {{.op = "maps.hincrby"}, KEEL_END};
static const keel_insn_def hincrbyfloat_prog[] = {{.op = "maps.hincrbyfloat"}, KEEL_END};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",   \
    .since = "0.1.0", .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST | KEEL_CMD_DENYOOM
static const keel_cmd_def hincr_cmds[] = {
    {KEY1, .name = "HINCRBY", .arity = 4,
     .summary = "Adds an integer to a field's number (0 when missing), keeping the field's TTL.",
     .syntax = "HINCRBY key field increment", .program = hincrby_prog},
    {KEY1, .name = "HINCRBYFLOAT", .arity = 4,
     .summary = "Adds a floating point number to a field's number, exactly as Redis does.",
     .syntax = "HINCRBYFLOAT key field increment", .program = hincrbyfloat_prog},
};

const keel_family map_hincr_family = KEEL_FAMILY(hincr_ops, hincr_cmds);

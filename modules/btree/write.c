/* write.c -- changes to a table: BTSET (plain values), BTSETF (named fields), BTDEL (rows by key)
 * and BTDELRANGE (a range of rows, yielding on long ranges). */
#include <string.h>

#include "bounds.h"
#include "btobj.h"
#include "family.h"

/* Looks the key up for writing, creating it when absent; replies the error otherwise. */
static keel_op_result open_table(keel_proc *p, dk_map **t) {
    const keel_arg *key = &p->argv[1];
    keel_status st = bt_find(p, key->ptr, key->len, t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        st = bt_create(p, key->ptr, key->len, t);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return bt_oom(p);
    }
    return KEEL_NEXT;
}

/* Opcode: btree.set
 * BTSET key sortkey value [sortkey value ...]: each row's value becomes the value (a plain
 * box), adding the rows that are new; replies how many were added.  No registers.  Reductions
 * BT_COST_UPDATE per row.  May hop and block. */
static keel_op_result op_set(keel_proc *p, const keel_insn *in) {
    (void)in;
    if ((p->argc - 2) % 2 != 0)
        return bt_error(p, "ERR wrong number of arguments for 'btset' command");
    dk_map *t = NULL;
    keel_op_result r = open_table(p, &t);
    if (r != KEEL_NEXT) return r;
    int64_t added = 0;
    for (uint32_t i = 2; i + 1 < p->argc; i += 2) {
        dk_val k = bt_parse_box(p->argv[i].ptr, p->argv[i].len);
        dk_val v = bt_parse_box(p->argv[i + 1].ptr, p->argv[i + 1].len);
        dk_val stored = bt_row_plain(p, &v);
        int rc = dk_map_set(t, &k, &stored);
        if (rc < 0) {
            keel_status st = bt_settle(p, p->argv[1].ptr, p->argv[1].len, t);
            KEEL_OP_PROPAGATE(st);
            return bt_oom(p);
        }
        added += rc;
    }
    keel_charge(p, (int64_t)(p->argc / 2) * BT_COST_UPDATE);
    keel_notify(p, KEEL_NOTIFY_MODULE, "btset", p->argv[1].ptr, p->argv[1].len);
    keel_reply_int(p, added);
    return KEEL_NEXT;
}

/* The fields of the call (argv[3..]) laid over those of the old row (when a record), old
 * fields first in their order; false after replying the error. */
static bool merge_fields(keel_proc *p, const dk_val *old, dk_field **out, size_t *n) {
    uint32_t given = (p->argc - 3) / 2;
    bt_row r = {0};
    size_t have = old && bt_row_decode(old, &r) && r.record ? dk_row_count(r.row, r.len) : 0;
    if (given > DK_ROW_FIELDS_MAX || have > DK_ROW_FIELDS_MAX) {
        keel_reply_error(p, "ERR a row holds at most %d fields", DK_ROW_FIELDS_MAX);
        return false;
    }
    dk_field *f = keel_proc_alloc(p, (have + given) * sizeof *f + 1);
    size_t count = 0, off = 0;
    if (have) {
        while (dk_row_next(r.row, r.len, &off, &f[count]))
            count++;
    }
    for (uint32_t i = 3; i + 1 < p->argc; i += 2) {
        const keel_arg *name = &p->argv[i];
        if (name->len == 0 || name->len > DK_ROW_NAME_MAX) {
            keel_reply_error(p, "ERR field names are 1 to %d bytes", DK_ROW_NAME_MAX);
            return false;
        }
        dk_field nf = {dk_bytes(name->ptr, name->len),
                       bt_parse_box(p->argv[i + 1].ptr, p->argv[i + 1].len)};
        size_t j = 0;
        while (j < count &&
               !(f[j].name.len == name->len && memcmp(f[j].name.v.ptr, name->ptr, name->len) == 0))
            j++;
        f[j] = nf;
        if (j == count) count++;
    }
    if (count > DK_ROW_FIELDS_MAX) {
        keel_reply_error(p, "ERR a row holds at most %d fields", DK_ROW_FIELDS_MAX);
        return false;
    }
    *out = f;
    *n = count;
    return true;
}

/* Opcode: btree.setf
 * BTSETF key sortkey field value [field value ...]: sets fields of one row, keeping its other
 * fields (a plain value is replaced by the fields); replies 1 when the row is new, else 0.  No
 * registers.  Reductions BT_COST_UPDATE plus one per field.  May hop and block. */
static keel_op_result op_setf(keel_proc *p, const keel_insn *in) {
    (void)in;
    if ((p->argc - 3) % 2 != 0)
        return bt_error(p, "ERR wrong number of arguments for 'btsetf' command");
    dk_map *t = NULL;
    keel_op_result r = open_table(p, &t);
    if (r != KEEL_NEXT) return r;
    dk_val k = bt_parse_box(p->argv[2].ptr, p->argv[2].len), old;
    bool had = dk_map_get(t, &k, &old);
    dk_field *f;
    size_t n;
    dk_val stored;
    keel_status st;
    if (!merge_fields(p, had ? &old : NULL, &f, &n)) goto settle;
    if (!bt_row_record(p, f, n, &stored)) {
        keel_reply_error(p, "ERR row too large");
        goto settle;
    }
    if (dk_map_set(t, &k, &stored) < 0) {
        keel_reply_error(p, "ERR out of memory");
        goto settle;
    }
    keel_charge(p, BT_COST_UPDATE + (int64_t)n);
    keel_notify(p, KEEL_NOTIFY_MODULE, "btset", p->argv[1].ptr, p->argv[1].len);
    keel_reply_int(p, had ? 0 : 1);
    return KEEL_NEXT;
settle: /* a table this call created stays only if it holds rows */
    st = bt_settle(p, p->argv[1].ptr, p->argv[1].len, t);
    KEEL_OP_PROPAGATE(st);
    return KEEL_FAIL;
}

/* Opcode: btree.del
 * BTDEL key sortkey [sortkey ...]: removes the rows, deleting the key once empty; replies how
 * many existed.  No registers.  Reductions BT_COST_UPDATE per key.  May hop and block. */
static keel_op_result op_del(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    int64_t removed = 0;
    for (uint32_t i = 2; i < p->argc; i++) {
        dk_val k = bt_parse_box(p->argv[i].ptr, p->argv[i].len);
        removed += dk_map_delete(t, &k) ? 1 : 0;
    }
    keel_charge(p, (int64_t)(p->argc - 2) * BT_COST_UPDATE);
    if (removed) keel_notify(p, KEEL_NOTIFY_MODULE, "btdel", key->ptr, key->len);
    st = bt_settle(p, key->ptr, key->len, t);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, removed);
    return KEEL_NEXT;
}

/* Opcode: btree.delrange
 * BTDELRANGE key min max: removes the rows between the bounds, deleting the key once empty;
 * replies how many.  Registers: r0 = the range's first rank, r1 = rows left, r2 = removed.
 * Reductions BT_COST_UPDATE per row.  May yield, hop, block. */
static keel_op_result op_delrange(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, p->reg[2].type == DK_NULL ? 0 : p->reg[2].v.i);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        bt_bound min, max;
        bt_parse_bound(&p->argv[2], &min);
        bt_parse_bound(&p->argv[3], &max);
        uint64_t lo, hi;
        bt_range_ranks(t, &min, &max, &lo, &hi);
        p->reg[0] = dk_i64((int64_t)lo);
        p->reg[1] = dk_i64((int64_t)(hi - lo));
        p->reg[2] = dk_i64(0);
    }
    while (p->reg[1].v.i > 0) {
        dk_val k;
        if (!dk_map_at(t, (uint64_t)p->reg[0].v.i, &k, NULL)) break;
        /* the key is a view into the table: copy it before the removal moves bytes */
        uint8_t *kb = NULL;
        if (k.type == DK_BYTES) {
            kb = keel_alloc(k.len ? k.len : 1);
            if (!kb) return bt_oom(p);
            if (k.len) memcpy(kb, k.v.ptr, k.len);
            k.v.ptr = kb;
        }
        dk_map_delete(t, &k);
        keel_free(kb);
        p->reg[1].v.i--;
        p->reg[2].v.i++;
        if (keel_charge(p, BT_COST_UPDATE) && p->reg[1].v.i > 0) return KEEL_YIELD;
    }
    if (p->reg[2].v.i > 0) keel_notify(p, KEEL_NOTIFY_MODULE, "btdelrange", key->ptr, key->len);
    st = bt_settle(p, key->ptr, key->len, t);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, p->reg[2].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def write_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "btree.set",
     .fn = op_set,
     .synopsis = "BTSET rows of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "btree.setf",
     .fn = op_setf,
     .synopsis = "BTSETF fields of one row of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "btree.del",
     .fn = op_del,
     .synopsis = "BTDEL rows of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    BT_OP("btree.delrange", op_delrange, "BTDELRANGE of argv[1]; r0..r2 = progress"),
};

static const keel_insn_def set_prog[] = {{.op = "btree.set"}, KEEL_END};
static const keel_insn_def setf_prog[] = {{.op = "btree.setf"}, KEEL_END};
static const keel_insn_def del_prog[] = {{.op = "btree.del"}, KEEL_END};
static const keel_insn_def delrange_prog[] = {{.op = "btree.delrange"}, KEEL_END};

static const keel_cmd_def write_cmds[] = {
    {BT_KEY1, .name = "BTSET", .arity = -4,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets rows of a table to plain values (upsert), creating it; replies how many "
                "rows were added.",
     .syntax = "BTSET key sortkey value [sortkey value ...]", .program = set_prog},
    {BT_KEY1, .name = "BTSETF", .arity = -5,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets named fields of one row (upsert, keeping its other fields); replies 1 when "
                "the row is new, else 0.",
     .syntax = "BTSETF key sortkey field value [field value ...]", .program = setf_prog},
    {BT_KEY1, .name = "BTDEL", .arity = -3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes rows by sort key (deleting the table once empty); replies how many "
                "existed.",
     .syntax = "BTDEL key sortkey [sortkey ...]", .program = del_prog},
    {BT_KEY1, .name = "BTDELRANGE", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes the rows whose sort keys lie between min and max; replies how many.",
     .syntax = "BTDELRANGE key min max", .program = delrange_prog},
};

const keel_family bt_write_family = KEEL_FAMILY(write_ops, write_cmds);

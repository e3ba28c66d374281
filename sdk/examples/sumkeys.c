/* sumkeys.c -- an example module for module authors: an aggregator over keys on any shard
 * (SUMKEYS) and a small data type with its own ops (MAXREG.ADD, shown by GET and TYPE). */
#include <keel/sdk.h>
#include <string.h>

/* ======== internal: the maxreg type, a register that keeps the largest integer added ======== */

static keel_type_id maxreg_type;

typedef struct maxreg {
    int64_t max;
    uint64_t adds;
} maxreg;

static void maxreg_free(void *obj) {
    keel_free(obj);
}

static void *maxreg_copy(const void *obj) {
    maxreg *m = keel_alloc(sizeof *m);
    memcpy(m, obj, sizeof *m);
    return m;
}

static size_t maxreg_memory(const void *obj) {
    (void)obj;
    return sizeof(maxreg);
}

static size_t maxreg_describe(const void *obj, char *out, size_t cap) {
    const maxreg *m = obj;
    dk_val v = dk_i64(m->max);
    size_t n = dk_val_format(&v, out, cap);
    return n;
}

/* GET on a maxreg key replies its maximum. */
static void maxreg_to_reply(keel_proc *p, const void *obj) {
    keel_reply_int(p, ((const maxreg *)obj)->max);
}

/* Snapshot form: the maximum, then the count of adds, 8 bytes each, little-endian. */
static keel_status maxreg_save(const void *obj, keel_sink *sink) {
    const maxreg *m = obj;
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)((uint64_t)m->max >> (8 * i));
        b[8 + i] = (uint8_t)(m->adds >> (8 * i));
    }
    return keel_sink_write(sink, b, sizeof b);
}

static void *maxreg_load(const void *data, size_t len, const char **err) {
    if (len != 16) {
        *err = "a maxreg is 16 bytes";
        return NULL;
    }
    const uint8_t *b = data;
    uint64_t max = 0, adds = 0;
    for (int i = 0; i < 8; i++) {
        max |= (uint64_t)b[i] << (8 * i);
        adds |= (uint64_t)b[8 + i] << (8 * i);
    }
    maxreg *m = keel_alloc(sizeof *m);
    m->max = (int64_t)max;
    m->adds = adds;
    return m;
}

static const keel_type_def maxreg_def = {
    .size = sizeof(keel_type_def),
    .name = "maxreg",
    .free = maxreg_free,
    .copy = maxreg_copy,
    .memory_usage = maxreg_memory,
    .describe = maxreg_describe,
    .to_reply = maxreg_to_reply,
    .save = maxreg_save,
    .load = maxreg_load,
};

/* ======== commands ======== */

/* MAXREG.ADD key value -- keeps the larger of the stored maximum and value; replies the maximum.
 * Opcode maxreg.add: reads argv[1..2]; one reduction; may hop or block (keyspace calls). */
static keel_op_result op_maxreg_add(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t v;
    if (!keel_arg_i64(&p->argv[2], &v)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    keel_value cur = {.size = sizeof cur};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &cur);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_OK && cur.type != maxreg_type) {
        keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
        return KEEL_FAIL;
    }
    maxreg *m = st == KEEL_OK ? cur.obj : NULL;
    if (!m) {
        m = keel_calloc(1, sizeof *m);
        m->max = v;
        st = keel_key_store_object(p, p->argv[1].ptr, p->argv[1].len, maxreg_type, m, 0);
        if (st != KEEL_OK) {
            keel_free(m);
            keel_reply_error(p, "ERR out of memory");
            return KEEL_FAIL;
        }
    }
    if (v > m->max) m->max = v;
    m->adds++;
    keel_reply_int(p, m->max);
    return KEEL_DONE;
}

/* SUMKEYS key [key ...] -- sums the keys that hold integers (strings like "12" or maxregs) and
 * replies [sum, keys counted].  Keys may live on any shard: the walk goes shard by shard
 * (keel_key_nth orders them so), with progress in r0 (next key), r1 (sum), r2 (count), so a hop
 * or a yield resumes where it stopped.  Opcode sumkeys.sum: one reduction per key; may yield. */
static keel_op_result op_sumkeys(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(0);
        p->reg[1] = dk_i64(0);
        p->reg[2] = dk_i64(0);
    }
    uint32_t n = keel_key_count(p);
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        keel_arg key;
        keel_status st = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &key, NULL);
        KEEL_OP_PROPAGATE(st);
        keel_value v = {.size = sizeof v};
        st = keel_key_lookup(p, key.ptr, key.len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK && v.type == KEEL_TYPE_BOX && v.box.type == DK_I64) {
            p->reg[1].v.i += v.box.v.i;
            p->reg[2].v.i++;
        } else if (st == KEEL_OK && v.type == maxreg_type) {
            p->reg[1].v.i += ((const maxreg *)v.obj)->max;
            p->reg[2].v.i++;
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    keel_reply_array(p, 2);
    keel_reply_int(p, p->reg[1].v.i);
    keel_reply_int(p, p->reg[2].v.i);
    return KEEL_DONE;
}

/* ======== SUMKEYS.ARGS: the arguments the module was loaded with (ABI 1.6) ======== */

static keel_module *self;

/* Opcode: sumkeys.args -- replies keel_module_args as an array of bulk strings. */
static keel_op_result op_args(keel_proc *p, const keel_insn *in) {
    (void)in;
    const char *const *argv = NULL;
    uint32_t argc = keel_module_args(self, &argv);
    keel_reply_array(p, argc);
    for (uint32_t i = 0; i < argc; i++)
        keel_reply_bulk(p, argv[i], strlen(argv[i]));
    return KEEL_DONE;
}

static const keel_opcode_def ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maxreg.add",
     .fn = op_maxreg_add,
     .synopsis = "keep the larger of argv[1]'s maximum and argv[2]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP},
    {.size = sizeof(keel_opcode_def),
     .name = "sumkeys.sum",
     .fn = op_sumkeys,
     .synopsis = "sum the integer keys; r0..r2 hold progress",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_YIELD | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "sumkeys.args",
     .fn = op_args,
     .synopsis = "reply the module's load arguments",
     .cost = 1},
};

static const keel_insn_def maxreg_add_prog[] = {{.op = "maxreg.add"}, KEEL_END};
static const keel_insn_def sumkeys_prog[] = {{.op = "sumkeys.sum"}, KEEL_END};
static const keel_insn_def args_prog[] = {{.op = "sumkeys.args"}, KEEL_END};

static const keel_cmd_def cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MAXREG.ADD",
     .arity = 3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Keeps the largest integer added to a key.",
     .syntax = "MAXREG.ADD key value",
     .group = "example",
     .since = "0.1.0",
     .program = maxreg_add_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SUMKEYS",
     .arity = -2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Sums the integer values of keys on any shard.",
     .syntax = "SUMKEYS key [key ...]",
     .group = "example",
     .since = "0.1.0",
     .program = sumkeys_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SUMKEYS.ARGS",
     .arity = 1,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Lists the arguments the module was loaded with.",
     .syntax = "SUMKEYS.ARGS",
     .group = "example",
     .since = "0.2.0",
     .program = args_prog},
};

static const keel_family family = KEEL_FAMILY(ops, cmds);
static const keel_family *const families[] = {&family};

/* ======== registration ======== */

static keel_status sumkeys_init(keel_module *m) {
    self = m;
    const char *err = NULL;
    keel_status st = keel_register_type(m, &maxreg_def, &maxreg_type, &err);
    if (st != KEEL_OK) {
        keel_register_failed(m, "sumkeys", "type", maxreg_def.name, st, err);
        return st;
    }
    return keel_register_families(m, "sumkeys", families, KEEL_COUNT(families));
}

KEEL_MODULE("sumkeys", "1.0.0", "example: SUMKEYS aggregator and the maxreg type", sumkeys_init,
            NULL);

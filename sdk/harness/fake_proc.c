/* fake_proc.c -- the fake keel_api's processes: arena, argv, reply tree building, a tiny VM. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fake_api.h"
#include "fake_internal.h"

#define ARENA_CHUNK 65536
#define OPEN_AGGREGATE UINT64_MAX
#define DEFAULT_BUDGET 1000
/* A process that yields this often without finishing is taken to be stuck: a handler that
 * starts over on every resume because it kept its progress on the C stack. */
#define MAX_YIELDS 10000000L

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

/* An aggregate still taking children: left is how many (OPEN_AGGREGATE until reply_close). */
typedef struct open_agg {
    keel_reply *node;
    keel_reply *last;
    uint64_t left;
    uint64_t count;
} open_agg;

typedef struct fake_proc {
    keel_proc head; /* first: the SDK sees a keel_proc */
    dk_val regs[KEEL_NREGS];
    keel_conn *conn;
    chunk *arena;
    keel_reply *root, *root_last;
    open_agg *open;
    size_t depth, open_cap;
    int64_t budget;
    long yields;
    struct fake_cleanup *cleanups;
    void *keep; /* keel_proc_keep's block */
    size_t keep_len;
} fake_proc;

typedef struct fake_cleanup {
    struct fake_cleanup *next;
    void (*fn)(void *ptr);
    void *ptr;
} fake_cleanup;

static fake_proc *fp_of(keel_proc *p) {
    return (fake_proc *)p;
}

/* ---- arena ---- */

static void *arena_alloc(fake_proc *fp, size_t n) {
    n = (n + 15) & ~(size_t)15;
    chunk *c = fp->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) abort();
        c->cap = cap;
        c->used = 0;
        c->next = fp->arena;
        fp->arena = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_copy(fake_proc *fp, const void *s, size_t n) {
    char *d = arena_alloc(fp, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void *f_proc_alloc(keel_proc *p, size_t n) {
    return arena_alloc(fp_of(p), n);
}

/* The same zeroed block on every call of the process (a fake process never starts over). */
static void *f_proc_keep(keel_proc *p, size_t n) {
    fake_proc *fp = fp_of(p);
    if (fp->keep) return n <= fp->keep_len ? fp->keep : NULL;
    fp->keep = arena_alloc(fp, n ? n : 1);
    fp->keep_len = n;
    return fp->keep;
}

static keel_conn *f_proc_conn(keel_proc *p) {
    return fp_of(p)->conn;
}

/* argv[0] in lower case, as the client wrote it (an alias stays an alias). */
static const char *f_proc_command(keel_proc *p) {
    if (!p->argc) return "";
    char *name = arena_copy(fp_of(p), p->argv[0].ptr, p->argv[0].len);
    for (char *c = name; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    return name;
}

static int64_t f_now_ms(keel_proc *p) {
    (void)p;
    return fake_now();
}

/* ---- yields forced at every opcode boundary ---- */

static bool yield_every_op;
static void (*yield_hook)(keel_proc *p, void *ctx);
static void *yield_hook_ctx;
static bool in_yield_hook; /* processes the hook runs do not call it again */

void fake_set_yield_every_op(bool on) {
    yield_every_op = on;
}

void fake_set_yield_hook(void (*fn)(keel_proc *p, void *ctx), void *ctx) {
    yield_hook = fn;
    yield_hook_ctx = ctx;
}

void fake_yields_reset(void) {
    yield_every_op = false;
    fake_set_yield_hook(NULL, NULL);
}

/* p is suspended here: its budget is refilled and, as other processes run on its thread while
 * it waits, the hook runs.  False when p yielded too often to be making progress. */
static bool yield_point(fake_proc *fp) {
    fp->yields++;
    fp->head.budget = fp->budget;
    if (yield_hook && !in_yield_hook) {
        in_yield_hook = true;
        yield_hook(&fp->head, yield_hook_ctx);
        in_yield_hook = false;
    }
    return fp->yields < MAX_YIELDS;
}

/* ---- processes ---- */

keel_proc *fake_proc_new_args(keel_conn *c, int argc, const keel_arg *argv) {
    fake_proc *fp = calloc(1, sizeof *fp);
    if (!fp) abort();
    fp->head.size = sizeof(keel_proc);
    fp->head.reg = fp->regs;
    fp->conn = c;
    fp->budget = DEFAULT_BUDGET;
    keel_arg *args = arena_alloc(fp, (size_t)(argc > 0 ? argc : 1) * sizeof *args);
    for (int i = 0; i < argc; i++) {
        args[i].ptr = arena_copy(fp, argv[i].ptr, argv[i].len);
        args[i].len = argv[i].len;
    }
    fp->head.argc = (uint32_t)argc;
    fp->head.argv = args;
    return &fp->head;
}

keel_proc *fake_proc_new(keel_conn *c, int argc, const char *const *argv) {
    keel_arg args[64];
    if (argc > 64) abort();
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = strlen(argv[i]);
    }
    return fake_proc_new_args(c, argc, args);
}

void fake_proc_free(keel_proc *p) {
    if (!p) return;
    fake_proc *fp = fp_of(p);
    for (fake_cleanup *c = fp->cleanups, *next; c; c = next) { /* as the core does at recycle */
        next = c->next;
        c->fn(c->ptr);
        free(c);
    }
    for (chunk *c = fp->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(fp->open);
    free(fp);
}

void fake_proc_set_budget(keel_proc *p, int64_t budget) {
    fp_of(p)->budget = budget;
}

long fake_proc_yields(const keel_proc *p) {
    return ((const fake_proc *)p)->yields;
}

const keel_reply *fake_proc_reply(const keel_proc *p) {
    return ((const fake_proc *)p)->root;
}

bool fake_proc_reply_open(const keel_proc *p) {
    return ((const fake_proc *)p)->depth > 0;
}

/* ---- replies: each call adds one node where the SDK says it goes ---- */

static void pop_complete(fake_proc *fp) {
    while (fp->depth && fp->open[fp->depth - 1].left == 0)
        fp->depth--;
}

static keel_reply *add_node(fake_proc *fp, keel_reply_type type) {
    keel_reply *r = arena_alloc(fp, sizeof *r);
    r->type = (uint8_t)type;
    if (fp->depth == 0) {
        if (fp->root_last)
            fp->root_last->next = r;
        else
            fp->root = r;
        fp->root_last = r;
        return r;
    }
    open_agg *a = &fp->open[fp->depth - 1];
    if (a->last)
        a->last->next = r;
    else
        a->node->v.child = r;
    a->last = r;
    a->count++;
    if (a->left != OPEN_AGGREGATE) a->left--;
    return r;
}

static void push_open(fake_proc *fp, keel_reply *r, uint64_t left) {
    if (fp->depth == fp->open_cap) {
        fp->open_cap = fp->open_cap ? fp->open_cap * 2 : 16;
        fp->open = realloc(fp->open, fp->open_cap * sizeof *fp->open);
        if (!fp->open) abort();
    }
    fp->open[fp->depth++] = (open_agg){.node = r, .last = NULL, .left = left, .count = 0};
}

static void f_reply_nil(keel_proc *p) {
    add_node(fp_of(p), KEEL_REPLY_NIL);
    pop_complete(fp_of(p));
}

static void f_reply_nil_array(keel_proc *p) {
    add_node(fp_of(p), KEEL_REPLY_NIL)->len = KEEL_REPLY_NIL_ARRAY;
    pop_complete(fp_of(p));
}

/* Fake processes run no commands of their own (keel_call is the core's, tested there). */
static keel_status f_call(keel_proc *p, uint32_t argc, const keel_arg *argv) {
    (void)p, (void)argc, (void)argv;
    return KEEL_EINVAL;
}

static const keel_reply *f_call_reply(keel_proc *p) {
    (void)p;
    return NULL;
}

static bool f_call_failed(keel_proc *p) {
    (void)p;
    return false;
}

static void f_call_clear(keel_proc *p) {
    (void)p;
}

static keel_status f_call_opts(keel_proc *p, uint32_t argc, const keel_arg *argv, unsigned opts) {
    (void)opts;
    return f_call(p, argc, argv);
}

static bool f_call_conflict(keel_proc *p) {
    (void)p;
    return false;
}

static uint32_t f_call_keys_taken(keel_proc *p) {
    (void)p;
    return 0;
}

/* Fake servers have no command table: every name is unknown. */
static keel_status f_command_flags(uint32_t argc, const keel_arg *argv, uint64_t *flags) {
    (void)argc, (void)argv, (void)flags;
    return KEEL_NOTFOUND;
}

/* Fake processes hold no locks, so starting over wider or being busy changes nothing. */
static void f_proc_restart_wider(keel_proc *p) {
    (void)p;
}
/* The harness runs one process at a time: every process runs alone already. */
static void f_proc_restart_alone(keel_proc *p) {
    (void)p;
}
static bool f_proc_alone(keel_proc *p) {
    (void)p;
    return true;
}
/* ... so nothing ever has to start over: there is no log to keep. */
static void f_proc_undo_begin(keel_proc *p, size_t value_max) {
    (void)p, (void)value_max;
}
static bool f_proc_undo_ready(keel_proc *p) {
    (void)p;
    return false;
}
static keel_op_result f_proc_undo(keel_proc *p) {
    (void)p;
    return KEEL_NEXT;
}
/* ... and one database. */
static keel_status f_call_select(keel_proc *p, uint32_t db) {
    (void)p;
    return db == 0 ? KEEL_OK : KEEL_EINVAL;
}
static void f_proc_set_busy(keel_proc *p, const char *error) {
    (void)p, (void)error;
}

static keel_status f_register_info(keel_module *m, const char *name, keel_info_fn fn,
                                   const char **err) {
    (void)m, (void)name, (void)fn, (void)err;
    return KEEL_OK;
}

/* Module settings: each registered one keeps its default (the harness has no CONFIG SET). */
#define FAKE_CONFIGS 32
static struct {
    const keel_module *m;
    char name[64];
    char value[1025];
} fake_configs[FAKE_CONFIGS];
static int nfake_configs;

static keel_status f_register_config(keel_module *m, const keel_config_def *def, const char **err) {
    const char *value = def && def->default_value ? def->default_value : "";
    if (!def || !def->name || !*def->name || strlen(def->name) >= sizeof fake_configs[0].name ||
        strlen(value) >= sizeof fake_configs[0].value || nfake_configs == FAKE_CONFIGS) {
        if (err) *err = "bad setting";
        return KEEL_EINVAL;
    }
    if (def->check && def->check(value, err) != KEEL_OK) return KEEL_EINVAL;
    fake_configs[nfake_configs].m = m;
    snprintf(fake_configs[nfake_configs].name, sizeof fake_configs[0].name, "%s", def->name);
    snprintf(fake_configs[nfake_configs++].value, sizeof fake_configs[0].value, "%s", value);
    return KEEL_OK;
}

/* The load arguments keel_module_args answers with (fake_set_module_args), for every module. */
static const char *const *module_argv;
static uint32_t module_argc;

void fake_set_module_args(uint32_t argc, const char *const *argv) {
    module_argc = argc;
    module_argv = argv;
}

static uint32_t f_module_args(keel_module *m, const char *const **argv) {
    (void)m;
    if (!argv) return 0;
    *argv = module_argv;
    return module_argc;
}

static long f_config_get(keel_module *m, const char *name, char *buf, size_t cap) {
    for (int i = 0; i < nfake_configs; i++)
        if (fake_configs[i].m == m && !strcmp(fake_configs[i].name, name)) {
            if (cap) snprintf(buf, cap, "%s", fake_configs[i].value);
            return (long)strlen(fake_configs[i].value);
        }
    return -1;
}

static void f_reply_int(keel_proc *p, int64_t v) {
    keel_reply *r = add_node(fp_of(p), KEEL_REPLY_INT);
    r->v.i = v;
    pop_complete(fp_of(p));
}

static void f_reply_uint(keel_proc *p, uint64_t v) {
    keel_reply *r = add_node(fp_of(p), KEEL_REPLY_UINT);
    r->v.u = v;
    pop_complete(fp_of(p));
}

static void f_reply_double(keel_proc *p, double v) {
    keel_reply *r = add_node(fp_of(p), KEEL_REPLY_DOUBLE);
    r->v.d = v;
    pop_complete(fp_of(p));
}

static void f_reply_bool(keel_proc *p, bool v) {
    keel_reply *r = add_node(fp_of(p), KEEL_REPLY_BOOL);
    r->v.i = v;
    pop_complete(fp_of(p));
}

static void reply_bytes(keel_proc *p, keel_reply_type type, const void *s, size_t n) {
    keel_reply *r = add_node(fp_of(p), type);
    r->v.s = arena_copy(fp_of(p), s, n);
    r->len = (uint32_t)n;
    pop_complete(fp_of(p));
}

static void f_reply_bulk(keel_proc *p, const void *s, size_t n) {
    reply_bytes(p, KEEL_REPLY_BULK, s, n);
}

static void f_reply_simple(keel_proc *p, const char *s) {
    reply_bytes(p, KEEL_REPLY_SIMPLE, s, strlen(s));
}

static void f_reply_ok(keel_proc *p) {
    reply_bytes(p, KEEL_REPLY_SIMPLE, "OK", 2);
}

static void f_reply_error(keel_proc *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(fp_of(p), (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    reply_bytes(p, KEEL_REPLY_ERROR, s, (size_t)n);
}

static void f_reply_verbatim(keel_proc *p, const char *fmt3, const void *s, size_t n) {
    char *t = arena_alloc(fp_of(p), n + 4);
    memcpy(t, fmt3, 3);
    t[3] = ':';
    if (n) memcpy(t + 4, s, n);
    reply_bytes(p, KEEL_REPLY_VERBATIM, t, n + 4);
}

static void f_reply_value(keel_proc *p, const dk_val *v) {
    switch (v->type) {
    case DK_NULL:
        f_reply_nil(p);
        return;
    case DK_BOOL:
        f_reply_bool(p, v->v.i != 0);
        return;
    case DK_I64:
        f_reply_int(p, v->v.i);
        return;
    case DK_U64:
        f_reply_uint(p, v->v.u);
        return;
    case DK_F64:
    case DK_F16:
    case DK_BF16:
        f_reply_double(p, v->v.d);
        return;
    case DK_F32:
        f_reply_double(p, v->v.f);
        return;
    case DK_BYTES:
        f_reply_bulk(p, v->v.ptr, v->len);
        return;
    default: {
        char text[64];
        size_t n = dk_val_format(v, text, sizeof text);
        f_reply_bulk(p, text, n);
    }
    }
}

static void f_reply_stored(keel_proc *p, const keel_value *v) {
    if (v->type != KEEL_TYPE_BOX) {
        const keel_type_def *t = fake_type(v->type);
        if (t && t->to_reply)
            t->to_reply(p, v->obj);
        else
            f_reply_error(p, "ERR no way to show a value of type %u", (unsigned)v->type);
        return;
    }
    if (v->box.type == DK_BYTES) {
        f_reply_bulk(p, v->box.v.ptr, v->box.len);
    } else if (v->box.type == DK_NULL) {
        f_reply_nil(p);
    } else {
        char text[64];
        f_reply_bulk(p, text, dk_val_format(&v->box, text, sizeof text));
    }
}

/* As the core: types with a step operation reply in steps, everything else at once. */
static bool f_reply_stored_step(keel_proc *p, const keel_value *v, uint64_t *cursor) {
    const keel_type_def *t = v->type != KEEL_TYPE_BOX ? fake_type(v->type) : NULL;
    if (t && t->size > KEEL_TYPE_DEF_SIZE_1_0 && t->to_reply_step)
        return t->to_reply_step(p, v->obj, cursor);
    f_reply_stored(p, v);
    return true;
}

static void f_reply_double_text(keel_proc *p, const char *text, size_t n) {
    keel_reply *r = add_node(fp_of(p), KEEL_REPLY_BULK);
    r->v.s = arena_copy(fp_of(p), text, n);
    r->len = (uint32_t)n;
    r->pad[0] = KEEL_REPLY_BULK_DOUBLE;
    pop_complete(fp_of(p));
}

static keel_status f_value_members(const keel_value *v, uint64_t *cursor, size_t max,
                                   keel_member_fn fn, void *ctx, bool *done) {
    const keel_type_def *t = v->type != KEEL_TYPE_BOX ? fake_type(v->type) : NULL;
    if (!t || t->size <= offsetof(keel_type_def, members_step) || !t->members_step)
        return KEEL_EINVAL;
    *done = t->members_step(v->obj, cursor, max, fn, ctx);
    return KEEL_OK;
}

static void reply_aggregate(keel_proc *p, keel_reply_type type, size_t n) {
    fake_proc *fp = fp_of(p);
    keel_reply *r = add_node(fp, type);
    r->len = (uint32_t)n;
    uint64_t children = type == KEEL_REPLY_MAP ? 2 * (uint64_t)n : n;
    if (children) push_open(fp, r, children);
    pop_complete(fp);
}

static void f_reply_array(keel_proc *p, size_t n) {
    reply_aggregate(p, KEEL_REPLY_ARRAY, n);
}

static void f_reply_pairs(keel_proc *p, size_t npairs) {
    fake_proc *fp = fp_of(p);
    keel_reply *r = add_node(fp, KEEL_REPLY_ARRAY);
    r->len = (uint32_t)(npairs * 2);
    r->pad[0] = KEEL_REPLY_ARRAY_PAIRS;
    if (npairs) push_open(fp, r, 2 * (uint64_t)npairs);
    pop_complete(fp);
}

static void f_reply_map(keel_proc *p, size_t npairs) {
    reply_aggregate(p, KEEL_REPLY_MAP, npairs);
}

static void f_reply_set(keel_proc *p, size_t n) {
    reply_aggregate(p, KEEL_REPLY_SET, n);
}

static void f_reply_open(keel_proc *p, keel_reply_type type) {
    fake_proc *fp = fp_of(p);
    keel_reply *r = add_node(fp, type);
    push_open(fp, r, OPEN_AGGREGATE);
}

static void f_reply_close(keel_proc *p) {
    fake_proc *fp = fp_of(p);
    if (!fp->depth || fp->open[fp->depth - 1].left != OPEN_AGGREGATE) abort(); /* misuse */
    open_agg *a = &fp->open[--fp->depth];
    a->node->len = (uint32_t)(a->node->type == KEEL_REPLY_MAP ? a->count / 2 : a->count);
    pop_complete(fp);
}

static void f_reply_reset(keel_proc *p) {
    fake_proc *fp = fp_of(p);
    fp->root = fp->root_last = NULL;
    fp->depth = 0;
}

/* ---- the command's keys (one shard here: every key is local) ---- */

/* Argument indexes of the keys of p's command, as the core derives them; returns the count
 * and writes at most max positions. */
static int key_positions(const keel_proc *p, int *pos, int max) {
    const keel_cmd_def *cmd = p->argc ? fake_command(p->argv[0].ptr) : NULL;
    int argc = (int)p->argc;
    if (!cmd) return 0;
    if (cmd->keys) {
        int n = cmd->keys(argc, p->argv, pos, max);
        return n > 0 ? n : 0;
    }
    if (cmd->first_key <= 0) return 0;
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    int n = 0;
    for (int i = cmd->first_key; i <= last && i < argc; i += step, n++)
        if (n < max) pos[n] = i;
    return n;
}

static uint32_t f_key_count(keel_proc *p) {
    return (uint32_t)key_positions(p, NULL, 0);
}

static keel_status f_key_nth(keel_proc *p, uint32_t i, keel_arg *key, uint32_t *argi) {
    int n = key_positions(p, NULL, 0);
    if ((int)i >= n) return KEEL_EINVAL;
    int *pos = malloc((size_t)n * sizeof *pos);
    if (!pos) abort();
    key_positions(p, pos, n);
    int at = pos[i];
    free(pos);
    if (key) *key = p->argv[at];
    if (argi) *argi = (uint32_t)at;
    return KEEL_OK;
}

/* ---- the VM ---- */

keel_op_result fake_proc_run(keel_proc *p, const keel_insn_def *program) {
    fake_proc *fp = fp_of(p);
    size_t n = 0;
    while (program[n].op)
        n++;
    keel_insn *code = calloc(n ? n : 1, sizeof *code);
    const keel_opcode_def **defs = calloc(n ? n : 1, sizeof *defs);
    if (!code || !defs) abort();
    keel_op_result r = KEEL_DONE;
    for (size_t i = 0; i < n; i++) {
        defs[i] = fake_opcode(program[i].op);
        if (!defs[i]) {
            f_reply_error(p, "ERR unknown opcode '%s'", program[i].op);
            r = KEEL_FAIL;
            goto out;
        }
        code[i] = (keel_insn){.fn = defs[i]->fn,
                              .op = (uint32_t)i,
                              .a = program[i].a,
                              .b = program[i].b,
                              .c = program[i].c,
                              .imm = program[i].imm};
    }
    p->budget = fp->budget;
    size_t pc = 0;
    while (pc < n) {
        p->budget -= defs[pc]->cost;
        r = code[pc].fn(p, &code[pc]);
        switch (r) {
        case KEEL_NEXT:
            pc++;
            r = KEEL_DONE;
            if (yield_every_op && pc < n && !yield_point(fp)) goto stuck;
            break;
        case KEEL_JUMP:
            if (code[pc].imm < 0 || (size_t)code[pc].imm >= n) goto out;
            pc = (size_t)code[pc].imm;
            if ((yield_every_op || p->budget <= 0) && !yield_point(fp)) goto stuck;
            break;
        case KEEL_YIELD:
            if (!yield_point(fp)) goto stuck;
            break;
        default:
            goto out;
        }
    }
    goto out;
stuck:
    f_reply_reset(p);
    f_reply_error(p,
                  "ERR harness: %s yielded %ld times without finishing (progress kept on the "
                  "C stack?)",
                  defs[pc < n ? pc : n - 1]->name, fp->yields);
    r = KEEL_FAIL;
out:
    free(code);
    free(defs);
    return r;
}

keel_op_result fake_call(keel_proc *p) {
    const char *name = p->argc ? p->argv[0].ptr : "";
    const keel_cmd_def *cmd = fake_command(name);
    if (!cmd) {
        f_reply_error(p, "ERR unknown command '%s'", name);
        return KEEL_FAIL;
    }
    int argc = (int)p->argc;
    if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity)) {
        char lower[64]; /* the core names the command as the client wrote it, in lower case */
        size_t k = 0;
        for (; name[k] && k + 1 < sizeof lower; k++)
            lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
        lower[k] = '\0';
        f_reply_error(p, "ERR wrong number of arguments for '%s' command", lower);
        return KEEL_FAIL;
    }
    return fake_proc_run(p, cmd->program);
}

keel_proc *fake_request_run(keel_conn *c, const keel_request *req) {
    keel_proc *p = fake_proc_new_args(c, (int)req->argc, req->argv);
    if (req->argc == 0 && req->reply_only)
        keel_reply_nil(p);
    else
        fake_call(p);
    return p;
}

static keel_status f_proc_defer_free(keel_proc *p, void (*fn)(void *ptr), void *ptr) {
    if (!fn) return KEEL_EINVAL;
    fake_cleanup *c = malloc(sizeof *c);
    if (!c) abort();
    c->fn = fn;
    c->ptr = ptr;
    c->next = fp_of(p)->cleanups;
    fp_of(p)->cleanups = c;
    return KEEL_OK;
}

/* Options, faked: one set shared by every fake connection and process (tests set them with
 * keel_conn_option_set on any fake connection, or fake_set_option). */
#define FAKE_OPTS 16
static char *opt_names[FAKE_OPTS], *opt_values[FAKE_OPTS];

void fake_set_option(const char *name, const char *value) {
    int free_slot = -1;
    for (int i = 0; i < FAKE_OPTS; i++) {
        if (opt_names[i] && !strcmp(opt_names[i], name)) {
            free(opt_values[i]);
            opt_values[i] = value ? strdup(value) : NULL;
            if (!value) {
                free(opt_names[i]);
                opt_names[i] = NULL;
            }
            return;
        }
        if (!opt_names[i] && free_slot < 0) free_slot = i;
    }
    if (!value || free_slot < 0) return;
    opt_names[free_slot] = strdup(name);
    opt_values[free_slot] = strdup(value);
}

void fake_options_reset(void) {
    for (int i = 0; i < FAKE_OPTS; i++) {
        free(opt_names[i]);
        free(opt_values[i]);
        opt_names[i] = opt_values[i] = NULL;
    }
}

static keel_status f_conn_option_set(keel_conn *c, const char *name, const char *value) {
    (void)c;
    if (!name || !strchr(name, '.')) return KEEL_EINVAL;
    fake_set_option(name, value);
    return KEEL_OK;
}

static const char *fake_option(const char *name) {
    for (int i = 0; i < FAKE_OPTS; i++)
        if (opt_names[i] && !strcmp(opt_names[i], name)) return opt_values[i];
    return NULL;
}

static const char *f_conn_option(keel_conn *c, const char *name) {
    (void)c;
    return fake_option(name);
}

static const char *f_proc_option(keel_proc *p, const char *name) {
    (void)p;
    return fake_option(name);
}

void fake_proc_fill(keel_api *t) {
    t->proc_alloc = f_proc_alloc;
    t->proc_keep = f_proc_keep;
    t->proc_conn = f_proc_conn;
    t->now_ms = f_now_ms;
    t->proc_command = f_proc_command;
    t->reply_nil = f_reply_nil;
    t->reply_int = f_reply_int;
    t->reply_uint = f_reply_uint;
    t->reply_double = f_reply_double;
    t->reply_bool = f_reply_bool;
    t->reply_bulk = f_reply_bulk;
    t->reply_simple = f_reply_simple;
    t->reply_ok = f_reply_ok;
    t->reply_error = f_reply_error;
    t->reply_value = f_reply_value;
    t->reply_verbatim = f_reply_verbatim;
    t->reply_array = f_reply_array;
    t->reply_map = f_reply_map;
    t->reply_set = f_reply_set;
    t->reply_open = f_reply_open;
    t->reply_close = f_reply_close;
    t->reply_reset = f_reply_reset;
    t->reply_stored = f_reply_stored;
    t->reply_stored_step = f_reply_stored_step;
    t->key_count = f_key_count;
    t->key_nth = f_key_nth;
    t->proc_defer_free = f_proc_defer_free;
    t->conn_option_set = f_conn_option_set;
    t->proc_option = f_proc_option;
    t->conn_option = f_conn_option;
    t->reply_nil_array = f_reply_nil_array;
    t->reply_pairs = f_reply_pairs;
    t->call = f_call;
    t->call_reply = f_call_reply;
    t->call_failed = f_call_failed;
    t->call_clear = f_call_clear;
    t->command_flags = f_command_flags;
    t->call_opts = f_call_opts;
    t->call_conflict = f_call_conflict;
    t->call_keys_taken = f_call_keys_taken;
    t->proc_restart_wider = f_proc_restart_wider;
    t->proc_restart_alone = f_proc_restart_alone;
    t->proc_alone = f_proc_alone;
    t->proc_undo_begin = f_proc_undo_begin;
    t->proc_undo_ready = f_proc_undo_ready;
    t->proc_undo = f_proc_undo;
    t->call_select = f_call_select;
    t->proc_set_busy = f_proc_set_busy;
    t->register_info = f_register_info;
    t->register_config = f_register_config;
    t->config_get = f_config_get;
    t->module_args = f_module_args;
    t->reply_double_text = f_reply_double_text;
    t->value_members = f_value_members;
}

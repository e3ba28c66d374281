/* fake_api.c -- the fake keel_api's table: memory, logging, registrations, connections, buffers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "fake_api.h"
#include "fake_internal.h"

#define MAX_REGS 256
#define DEFAULT_NOW_MS 1000000000000ll

/* Weak: a test that links the module's own KEEL_MODULE file (which defines it) shares that one. */
__attribute__((weak)) const keel_api *keel_api_ptr;

struct keel_module {
    const char *name;
};

static keel_api table;
static keel_module the_module = {"fake"};
static long live_allocs;
static char last_log[1024];
static int64_t now_ms = DEFAULT_NOW_MS;
static uint64_t next_conn_id = 1;

static const keel_cmd_def *commands[MAX_REGS];
static const keel_opcode_def *opcodes[MAX_REGS];
static const keel_proto_def *protocols[MAX_REGS];
static const keel_type_def *types[MAX_REGS];
static size_t ncommands, nopcodes, nprotocols, ntypes;

/* ---- memory ---- */

static void *f_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p) live_allocs++;
    return p;
}

static void *f_calloc(size_t count, size_t n) {
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (p) live_allocs++;
    return p;
}

static void *f_realloc(void *ptr, size_t n) {
    if (!ptr) return f_alloc(n);
    void *p = realloc(ptr, n ? n : 1);
    return p;
}

static void f_free(void *ptr) {
    if (!ptr) return;
    live_allocs--;
    free(ptr);
}

long fake_api_live_allocs(void) {
    return live_allocs;
}

/* ---- logging ---- */

static void f_log(keel_module *m, int level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof last_log, fmt, ap);
    va_end(ap);
    if (getenv("FAKE_API_LOG")) fprintf(stderr, "[%s %d] %s\n", m ? m->name : "?", level, last_log);
}

const char *fake_last_log(void) {
    return last_log;
}

/* ---- registrations ---- */

static keel_status registered(const void **list, size_t *n, const void *def, const char **err) {
    if (!def) {
        if (err) *err = "NULL definition";
        return KEEL_EINVAL;
    }
    if (*n == MAX_REGS) {
        if (err) *err = "too many registrations for the fake api";
        return KEEL_ENOMEM;
    }
    list[(*n)++] = def;
    return KEEL_OK;
}

static keel_status f_register_command(keel_module *m, const keel_cmd_def *def, const char **err) {
    (void)m;
    if (def && fake_command(def->name)) {
        if (err) *err = "command registered twice";
        return KEEL_EEXIST;
    }
    if (def && (def->flags & ~KEEL_CMD_FLAGS_ALL)) {
        if (err) *err = "unknown command flag bits";
        return KEEL_EINVAL;
    }
    return registered((const void **)commands, &ncommands, def, err);
}

static keel_status f_register_opcode(keel_module *m, const keel_opcode_def *def, const char **err) {
    (void)m;
    if (def && fake_opcode(def->name)) {
        if (err) *err = "opcode registered twice";
        return KEEL_EEXIST;
    }
    if (def && (!def->fn || (def->flags & ~KEEL_OP_FLAGS_ALL))) {
        if (err) *err = "opcode without a handler or with unknown flag bits";
        return KEEL_EINVAL;
    }
    return registered((const void **)opcodes, &nopcodes, def, err);
}

static keel_status f_register_type(keel_module *m, const keel_type_def *def, keel_type_id *id,
                                   const char **err) {
    (void)m;
    keel_status st = registered((const void **)types, &ntypes, def, err);
    if (st == KEEL_OK && id) *id = (keel_type_id)ntypes;
    return st;
}

static keel_status f_register_protocol(keel_module *m, const keel_proto_def *def,
                                       const char **err) {
    (void)m;
    if (def && fake_protocol(def->name)) {
        if (err) *err = "protocol registered twice";
        return KEEL_EEXIST;
    }
    return registered((const void **)protocols, &nprotocols, def, err);
}

keel_module *fake_module(void) {
    return &the_module;
}

const keel_cmd_def *fake_command(const char *name) {
    for (size_t i = 0; i < ncommands; i++) {
        if (!strcasecmp(commands[i]->name, name)) return commands[i];
        for (const char *const *a = commands[i]->aliases; a && *a; a++)
            if (!strcasecmp(*a, name)) return commands[i];
    }
    return NULL;
}

const keel_opcode_def *fake_opcode(const char *name) {
    for (size_t i = 0; i < nopcodes; i++)
        if (!strcmp(opcodes[i]->name, name)) return opcodes[i];
    return NULL;
}

const keel_proto_def *fake_protocol(const char *name) {
    for (size_t i = 0; i < nprotocols; i++)
        if (!strcmp(protocols[i]->name, name)) return protocols[i];
    return NULL;
}

const keel_type_def *fake_type(keel_type_id id) {
    return id >= 1 && id <= ntypes ? types[id - 1] : NULL;
}

static const char *f_type_name(keel_type_id type) {
    if (type == KEEL_TYPE_BOX) return "string";
    const keel_type_def *t = fake_type(type);
    return t ? t->name : "none";
}

/* ---- clock ---- */

void fake_set_now_ms(int64_t ms) {
    now_ms = ms;
}

int64_t fake_now(void) {
    return now_ms;
}

/* ---- connections ---- */

keel_conn *fake_conn_new(const keel_proto_def *proto) {
    keel_conn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->id = next_conn_id++;
    c->proto = proto;
    if (proto) {
        c->proto_state = calloc(1, proto->conn_state_size ? proto->conn_state_size : 1);
        if (!c->proto_state) abort();
        if (proto->conn_open) proto->conn_open(c, c->proto_state);
    }
    return c;
}

void fake_conn_free(keel_conn *c) {
    if (!c) return;
    fake_conn_release(c);
    for (uint32_t i = 0; i < c->ns_n; i++)
        free((char *)c->ns[i].ptr);
    if (c->proto && c->proto->conn_close) c->proto->conn_close(c, c->proto_state);
    free(c->proto_state);
    free(c->name);
    free(c);
}

static uint64_t f_conn_id(keel_conn *c) {
    return c->id;
}

static void *f_conn_proto_state(keel_conn *c, const char *proto) {
    return c->proto && !strcmp(c->proto->name, proto) ? c->proto_state : NULL;
}

/* Redis's rule: a name is printable ASCII without spaces; empty clears it. */
static keel_status f_conn_set_name(keel_conn *c, const char *name, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (name[i] < '!' || name[i] > '~') return KEEL_EINVAL;
    char *copy = NULL;
    if (n) {
        copy = malloc(n + 1);
        if (!copy) return KEEL_ENOMEM;
        memcpy(copy, name, n);
        copy[n] = '\0';
    }
    free(c->name);
    c->name = copy;
    return KEEL_OK;
}

static const char *f_conn_name(keel_conn *c) {
    return c->name;
}

static void f_conn_close_after_reply(keel_conn *c) {
    c->close_after_reply = true;
}

/* The default user: any password when none is set, else user "default" and the password. */
static keel_status f_conn_auth(keel_conn *c, const char *user, size_t ulen, const char *pass,
                               size_t plen) {
    bool ok = !c->password || ((ulen == 7 && !memcmp(user, "default", 7)) &&
                               plen == strlen(c->password) && !memcmp(pass, c->password, plen));
    if (ok) c->authenticated = true;
    return ok ? KEEL_OK : KEEL_EINVAL;
}

/* The namespace path, kept in the connection (no locked base in the fake). */
static keel_status f_conn_ns_enter(keel_conn *c, const keel_arg *names, uint32_t n) {
    if (n == 0 || c->ns_n + n > sizeof c->ns / sizeof c->ns[0]) return KEEL_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (names[i].len == 0) return KEEL_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        char *copy = malloc(names[i].len + 1);
        if (!copy) abort();
        memcpy(copy, names[i].ptr, names[i].len);
        copy[names[i].len] = '\0';
        c->ns[c->ns_n].ptr = copy;
        c->ns[c->ns_n++].len = names[i].len;
    }
    return KEEL_OK;
}

static void f_conn_ns_reset(keel_conn *c) {
    while (c->ns_n)
        free((char *)c->ns[--c->ns_n].ptr);
}

static const keel_arg *f_conn_ns_path(keel_conn *c, uint32_t *n, uint32_t *locked) {
    if (n) *n = c->ns_n;
    if (locked) *locked = 0;
    return c->ns_n ? c->ns : NULL;
}

static keel_status f_conn_ns_coloc(keel_conn *c, unsigned mode, uint32_t nth) {
    if (mode > KEEL_COLOC_NTH) return KEEL_EINVAL;
    c->ns_coloc = mode;
    c->ns_nth = nth;
    return KEEL_OK;
}

/* ---- server statistics ---- */

static keel_status f_server_stat(const char *name, int64_t *out) {
    static const char *const zero[] = {"expires",
                                       "used_memory",
                                       "rss",
                                       "connections",
                                       "total_connections",
                                       "commands",
                                       "uptime",
                                       "keyspace_hits",
                                       "keyspace_misses",
                                       "expired_keys",
                                       "net_input_bytes",
                                       "net_output_bytes",
                                       "rejected_connections"};
    if (!strcmp(name, "keys")) {
        *out = (int64_t)fake_key_count();
        return KEEL_OK;
    }
    if (!strcmp(name, "threads")) {
        *out = 1;
        return KEEL_OK;
    }
    if (!strcmp(name, "pid")) {
        *out = (int64_t)getpid();
        return KEEL_OK;
    }
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        if (!strcmp(name, zero[i])) {
            *out = 0;
            return KEEL_OK;
        }
    }
    return KEEL_NOTFOUND;
}

/* ---- networks ---- */

/* The fake connection's network: "name" is "fake", plain TCP, no reply syntax set. */
static const char *f_conn_network_setting(keel_conn *c, const char *name) {
    if (!c || !name) return NULL;
    if (!strcmp(name, "name")) return "fake";
    if (!strcmp(name, "protocol")) return c->proto ? c->proto->name : NULL;
    if (!strcmp(name, "tls")) return "notls";
    if (!strcmp(name, "database")) return c->database ? c->database : "0";
    return NULL;
}

/* ---- namespace deadlines: a small table keyed by database, namespace path and name ---- */

#define FAKE_DEADLINES 16
static struct fake_deadline {
    char key[256];
    int64_t at_ms;
    keel_conn *told[8]; /* connections conn_deadline_due said true to since it was set */
    int ntold;
} deadlines[FAKE_DEADLINES];

/* The key of c's deadline `name`: "database/name1/name2.../:name" (empty when too long). */
static void deadline_key(keel_conn *c, const char *name, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s", c->database ? c->database : "0");
    for (uint32_t i = 0; i < c->ns_n && n >= 0 && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "/%.*s", (int)c->ns[i].len, c->ns[i].ptr);
    if (n >= 0 && (size_t)n < cap) n += snprintf(out + n, cap - (size_t)n, "/:%s", name);
    if (n < 0 || (size_t)n >= cap) out[0] = 0;
}

static struct fake_deadline *deadline_find(keel_conn *c, const char *name, bool add) {
    char key[256];
    deadline_key(c, name, key, sizeof key);
    if (!key[0]) return NULL;
    struct fake_deadline *free_slot = NULL;
    for (size_t i = 0; i < FAKE_DEADLINES; i++) {
        if (!strcmp(deadlines[i].key, key)) return &deadlines[i];
        if (!deadlines[i].key[0] && !free_slot) free_slot = &deadlines[i];
    }
    if (add && free_slot) snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    return add ? free_slot : NULL;
}

static keel_status f_deadline_set(keel_conn *c, const char *name, int64_t at_ms) {
    struct fake_deadline *d = deadline_find(c, name, true);
    if (!d) return KEEL_ENOMEM;
    d->at_ms = at_ms;
    d->ntold = 0;
    return KEEL_OK;
}

static void f_deadline_cancel(keel_conn *c, const char *name) {
    struct fake_deadline *d = deadline_find(c, name, false);
    if (d) d->key[0] = 0;
}

static bool f_deadline_take(keel_conn *c, const char *name) {
    struct fake_deadline *d = deadline_find(c, name, false);
    if (!d || d->at_ms > fake_now()) return false;
    d->key[0] = 0;
    return true;
}

/* Due without claiming: true once per connection until the deadline is set again. */
static bool f_conn_deadline_due(keel_conn *c, const char *name) {
    struct fake_deadline *d = deadline_find(c, name, false);
    if (!d || d->at_ms > fake_now()) return false;
    for (int i = 0; i < d->ntold; i++)
        if (d->told[i] == c) return false;
    if (d->ntold < 8) d->told[d->ntold++] = c;
    return true;
}

/* ---- buffers ---- */

static char *f_buf_reserve(keel_buf *b, size_t n) {
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap - b->len < n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) abort();
        b->data = d;
        b->cap = cap;
    }
    return b->data + b->len;
}

void fake_buf_free(keel_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- the table ---- */

static void fill(void) {
    memset(&table, 0, sizeof table);
    table.size = sizeof table;
    table.abi_major = KEEL_ABI_MAJOR;
    table.abi_minor = KEEL_ABI_MINOR;
    table.register_command = f_register_command;
    table.register_opcode = f_register_opcode;
    table.register_type = f_register_type;
    table.register_protocol = f_register_protocol;
    table.log = f_log;
    table.alloc = f_alloc;
    table.calloc = f_calloc;
    table.realloc = f_realloc;
    table.free = f_free;
    table.type_name = f_type_name;
    table.conn_id = f_conn_id;
    table.conn_proto_state = f_conn_proto_state;
    table.conn_set_name = f_conn_set_name;
    table.conn_name = f_conn_name;
    table.conn_close_after_reply = f_conn_close_after_reply;
    table.conn_auth = f_conn_auth;
    table.conn_network_setting = f_conn_network_setting;
    table.deadline_set = f_deadline_set;
    table.deadline_cancel = f_deadline_cancel;
    table.deadline_take = f_deadline_take;
    table.conn_deadline_due = f_conn_deadline_due;
    table.conn_ns_enter = f_conn_ns_enter;
    table.conn_ns_reset = f_conn_ns_reset;
    table.conn_ns_path = f_conn_ns_path;
    table.conn_ns_coloc = f_conn_ns_coloc;
    table.buf_reserve = f_buf_reserve;
    table.server_stat = f_server_stat;
    fake_proc_fill(&table);
    fake_keyspace_fill(&table);
    fake_conn_fill(&table);
    fake_sink_fill(&table);
}

const keel_api *fake_api_table(void) {
    if (!table.size) fill();
    return &table;
}

void fake_api_reset(void) {
    memset(deadlines, 0, sizeof deadlines);
    fill();
    keel_api_ptr = &table;
    fake_keyspace_reset(); /* before the types its objects need are forgotten */
    fake_options_reset();
    fake_conn_reset();
    fake_yields_reset();
    the_module.name = "fake";
    ncommands = nopcodes = nprotocols = ntypes = 0;
    last_log[0] = '\0';
    now_ms = DEFAULT_NOW_MS;
    next_conn_id = 1;
}

keel_status fake_module_load(const keel_module_desc *d) {
    const char *why = NULL;
    if (!d || d->magic != KEEL_MODULE_MAGIC)
        why = "not a Keel module descriptor";
    else if (d->abi_major != KEEL_ABI_MAJOR)
        why = "built for another ABI major";
    else if (d->abi_minor > KEEL_ABI_MINOR)
        why = "needs a newer ABI minor than these headers";
    else if (d->size < offsetof(keel_module_desc, description))
        why = "descriptor too small";
    else if (!d->init || !d->name)
        why = "descriptor has no init or no name";
    if (why) {
        snprintf(last_log, sizeof last_log, "module refused: %s", why);
        return KEEL_EINVAL;
    }
    the_module.name = d->name;
    return d->init(&the_module, &table);
}

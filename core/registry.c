/* registry.c -- the tables modules fill while loading: commands (by name, with aliases),
 * opcodes (numbered in registration order), types and protocols. */
#include "config.h"
#include "registry.h"
#include "blob.h"
#include "conf.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "modconf.h"
#include "tx.h"
#include "zvm.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_TYPES 1024

static struct {
    cmd_entry **cmds;
    size_t ncmds, capcmds;
    cmd_entry **index; /* open addressing by lower-case name */
    size_t index_mask;
    op_entry **ops;
    uint32_t *costs;
    size_t nops, capops;
    type_entry *types[MAX_TYPES];
    _Atomic size_t ntypes; /* written under types_lock: snapshot loaders add blob types */
    proto_entry **protos;
    size_t nprotos;
    info_entry **infos;
    size_t ninfos;
    keel_publish_fn publisher; /* keel_publish goes to it (one module's) */
    keel_module *publisher_module;
} reg;

static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint8_t ascii_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* FNV-1a over the lower-cased name, its high bits folded down: the index masks the low bits,
 * which a multiply alone leaves poorly mixed (lookups probed ~5 slots before). */
static uint64_t name_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ascii_lower((uint8_t)s[i])) * 1099511628211ull;
    return h ^ (h >> 29) ^ (h >> 47);
}

static void index_insert(cmd_entry *ce);

static void index_grow(void) {
    size_t cap = reg.index_mask ? (reg.index_mask + 1) * 2 : 256;
    cmd_entry **old = reg.index;
    size_t oldcap = reg.index_mask ? reg.index_mask + 1 : 0;
    reg.index = mem_calloc(cap, sizeof *reg.index);
    reg.index_mask = cap - 1;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i]) index_insert(old[i]);
    mem_free(old);
}

static void index_insert(cmd_entry *ce) {
    for (size_t i = ce->hash & reg.index_mask;; i = (i + 1) & reg.index_mask) {
        if (!reg.index[i]) {
            reg.index[i] = ce;
            return;
        }
    }
}

static const cmd_entry *index_find(const char *name, size_t len) {
    if (!reg.index || len >= sizeof reg.cmds[0]->lname) return NULL;
    uint64_t h = name_hash(name, len);
    for (size_t i = h & reg.index_mask; reg.index[i]; i = (i + 1) & reg.index_mask) {
        const cmd_entry *ce = reg.index[i];
        if (ce->hash != h || ce->lname[len] != '\0') continue;
        size_t k = 0;
        while (k < len && ce->lname[k] == (char)ascii_lower((uint8_t)name[k]))
            k++;
        if (k == len) return ce;
    }
    return NULL;
}

const cmd_entry *cmd_lookup_name(const char *name, size_t len) {
    return index_find(name, len);
}

static _Atomic uint64_t cmd_gen;

uint64_t cmd_generation(void) {
    return atomic_load_explicit(&cmd_gen, memory_order_relaxed);
}

/* Each thread's last lookups, by the exact bytes asked: a client's next command, or a script's
 * next redis.call, is usually one of a few.  Eight slots, picked by length and first letter. */
#define NAME_MEMO_SLOTS 8
static _Thread_local struct name_memo {
    const cmd_entry *named;
    uint64_t gen;
    size_t len;
    char name[sizeof(((cmd_entry *)0)->lname)];
} name_memo[NAME_MEMO_SLOTS];

const cmd_entry *cmd_lookup_name_memo(const char *name, size_t len) {
    if (len == 0 || len > sizeof name_memo[0].name) return index_find(name, len);
    struct name_memo *m =
        &name_memo[(len + 3u * ascii_lower((uint8_t)name[0])) & (NAME_MEMO_SLOTS - 1)];
    uint64_t gen = cmd_generation();
    if (m->len == len && m->gen == gen && memcmp(m->name, name, len) == 0) return m->named;
    const cmd_entry *named = index_find(name, len);
    if (named) {
        m->named = named;
        m->gen = gen;
        m->len = len;
        memcpy(m->name, name, len);
    }
    return named;
}

const cmd_entry *cmd_lookup(const char *name, size_t len) {
    const cmd_entry *ce = index_find(name, len);
    return ce && ce->is_alias ? ce->target : ce;
}

static bool module_registering(keel_module *m, const char **err) {
    if (m && m->in_init) return true;
    if (err) *err = "registration is only allowed inside the module's init";
    return false;
}

static keel_status fail(const char **err, const char *why, keel_status st) {
    if (err) *err = why;
    return st;
}

static cmd_entry *cmd_add(keel_module *m, const keel_cmd_def *def, const char *name,
                          const cmd_entry *target) {
    cmd_entry *ce = mem_calloc(1, sizeof *ce);
    ce->def = def;
    ce->module = m;
    ce->is_alias = target != NULL;
    ce->target = target;
    size_t i;
    for (i = 0; name[i] && i < sizeof ce->lname - 1; i++)
        ce->lname[i] = (char)tolower((unsigned char)name[i]);
    ce->lname[i] = '\0';
    ce->hash = name_hash(ce->lname, i);
    ce->tx_role = tx_role_of(ce->lname);
    ce->stat_idx = UINT32_MAX; /* counted from cmdstats_init on; a command loaded later is not */
    if (reg.ncmds == reg.capcmds) {
        reg.capcmds = reg.capcmds ? reg.capcmds * 2 : 128;
        reg.cmds = mem_realloc(reg.cmds, sizeof *reg.cmds * reg.capcmds);
    }
    reg.cmds[reg.ncmds++] = ce;
    if ((reg.ncmds + 1) * 2 > reg.index_mask + 1) index_grow();
    index_insert(ce);
    return ce;
}

static bool name_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= sizeof reg.cmds[0]->lname) return false;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)name[i])) return false;
    return true;
}

keel_status reg_command(keel_module *m, const keel_cmd_def *def, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!def || def->size < KEEL_CMD_DEF_SIZE_1_0)
        return fail(err, "keel_cmd_def.size is too small", KEEL_EABI);
    if (!name_ok(def->name))
        return fail(err, "command name missing, too long, or not printable", KEEL_EINVAL);
    if (def->flags & ~KEEL_CMD_FLAGS_ALL)
        return fail(err, "command has flag bits this core does not know", KEEL_EINVAL);
    if (def->arity == 0)
        return fail(err, "command arity 0 is not valid (name counts: use 1 or -1)", KEEL_EINVAL);
    if (!def->program || !def->program[0].op)
        return fail(err, "command has no program", KEEL_EINVAL);
    if (def->first_key < 0 || def->key_step < 0)
        return fail(err, "command key positions are negative", KEEL_EINVAL);
    if (index_find(def->name, strlen(def->name)))
        return fail(err, "a command of that name is already registered", KEEL_EEXIST);
    for (const char *const *a = def->aliases; a && *a; a++) {
        if (!name_ok(*a))
            return fail(err, "alias name missing, too long, or not printable", KEEL_EINVAL);
        if (index_find(*a, strlen(*a)))
            return fail(err, "an alias names a command already registered", KEEL_EEXIST);
    }
    cmd_entry *ce = cmd_add(m, def, def->name, NULL);
    if (def->size < sizeof(keel_cmd_def)) { /* an older module: the fields it lacks read as 0 */
        memcpy(&ce->own_def, def, def->size);
        ce->own_def.size = sizeof ce->own_def;
        ce->def = &ce->own_def;
    }
    for (const char *const *a = def->aliases; a && *a; a++)
        cmd_add(m, ce->def, *a, ce);
    return KEEL_OK;
}

uint64_t cmd_call_flags(const cmd_entry *ce, uint32_t argc, const keel_arg *argv) {
    uint64_t f = ce->def->flags;
    if (!ce->def->access) return f;
    const uint64_t narrowed = KEEL_CMD_WRITE | KEEL_CMD_READONLY | (f & KEEL_CMD_SHARED);
    return (f & ~narrowed) | (ce->def->access(argc, argv) & narrowed);
}

const char *cmd_missing_permission(const cmd_entry *ce, unsigned perms, bool ns_locked,
                                   uint32_t argc, const keel_arg *argv) {
    uint64_t f = cmd_call_flags(ce, argc, argv); /* what this call does */
    if ((f & KEEL_CMD_ADMIN) && !(perms & PERM_ADMIN)) return "admin";
    if ((f & KEEL_CMD_SHARED) && ns_locked && !(perms & PERM_ADMIN))
        return "admin"; /* other tenants' libraries and scripts */
    if ((f & KEEL_CMD_WRITE) && !(perms & PERM_WRITE)) return "write";
    if ((f & KEEL_CMD_READONLY) && !(perms & (PERM_READ | PERM_WRITE))) return "read";
    if ((f & KEEL_CMD_STATS) && !(perms & (PERM_STATS | PERM_ADMIN))) return "stats";
    return NULL;
}

keel_status reg_opcode(keel_module *m, const keel_opcode_def *def, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!def || def->size < offsetof(keel_opcode_def, flags) + sizeof def->flags)
        return fail(err, "keel_opcode_def.size is too small", KEEL_EABI);
    if (!def->name || !strchr(def->name, '.') || !def->fn)
        return fail(err, "opcode needs a \"module.op\" name and a handler", KEEL_EINVAL);
    if (def->flags & ~KEEL_OP_FLAGS_ALL)
        return fail(err, "opcode has flag bits this core does not know", KEEL_EINVAL);
    if (op_lookup(def->name))
        return fail(err, "an opcode of that name is already registered", KEEL_EEXIST);
    for (size_t i = 0; i < reg.nops;
         i++) { /* a slot an unloaded module left: no program names it */
        op_entry *free_slot = reg.ops[i];
        if (free_slot->module) continue;
        memset(&free_slot->def, 0, sizeof free_slot->def);
        memcpy(&free_slot->def, def,
               def->size < sizeof free_slot->def ? def->size : sizeof free_slot->def);
        free_slot->def.size = sizeof free_slot->def;
        free_slot->module = m;
        reg.costs[i] = free_slot->def.cost;
        return KEEL_OK;
    }
    op_entry *oe = mem_calloc(1, sizeof *oe);
    memcpy(&oe->def, def, def->size < sizeof oe->def ? def->size : sizeof oe->def);
    oe->def.size = sizeof oe->def;
    oe->module = m;
    oe->number = (uint32_t)reg.nops;
    if (reg.nops == reg.capops) {
        reg.capops = reg.capops ? reg.capops * 2 : 128;
        reg.ops = mem_realloc(reg.ops, sizeof *reg.ops * reg.capops);
        reg.costs = mem_realloc(reg.costs, sizeof *reg.costs * reg.capops);
    }
    reg.costs[reg.nops] = oe->def.cost;
    reg.ops[reg.nops++] = oe;
    return KEEL_OK;
}

keel_status reg_type(keel_module *m, const keel_type_def *def, keel_type_id *id, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!def || def->size < KEEL_TYPE_DEF_SIZE_1_0)
        return fail(err, "keel_type_def.size is too small", KEEL_EABI);
    if (!def->name || !def->free)
        return fail(err, "a type needs a name and a free op", KEEL_EINVAL);
    if (!def->save != !def->load)
        return fail(err, "a type gives both save and load, or neither", KEEL_EINVAL);
    if (reg.ntypes + 1 >= MAX_TYPES) return fail(err, "too many types", KEEL_ENOMEM);
    for (size_t i = 1; i <= reg.ntypes; i++) {
        type_entry *was = reg.types[i];
        if (strcmp(was->def.name, def->name) != 0) continue;
        if (was->module) return fail(err, "a type of that name is already registered", KEEL_EEXIST);
        if (!def->load)
            return fail(err,
                        "a type of that name holds opaque values, which a type without a load op "
                        "cannot take",
                        KEEL_EINVAL);
        memset(&was->def, 0, sizeof was->def); /* its blobs come back to life (module_rt.c) */
        memcpy(&was->def, def, def->size < sizeof was->def ? def->size : sizeof was->def);
        was->module = m;
        was->revive = true;
        if (id) *id = was->id;
        return KEEL_OK;
    }
    type_entry *te = mem_calloc(1, sizeof *te);
    memcpy(&te->def, def,
           def->size < sizeof te->def ? def->size : sizeof te->def); /* 1.0: no step op */
    te->module = m;
    te->id = (keel_type_id)(++reg.ntypes); /* 0 is KEEL_TYPE_BOX */
    reg.types[te->id] = te;
    if (id) *id = te->id;
    return KEEL_OK;
}

keel_status reg_protocol(keel_module *m, const keel_proto_def *def, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!def || def->size < offsetof(keel_proto_def, encode_step))
        return fail(err, "keel_proto_def.size is too small", KEEL_EABI);
    if (!def->name || !def->parse || !def->encode)
        return fail(err, "a protocol needs a name, parse and encode", KEEL_EINVAL);
    if (proto_lookup(def->name))
        return fail(err, "a protocol of that name is already registered", KEEL_EEXIST);
    proto_entry *pe = mem_calloc(1, sizeof *pe);
    memcpy(&pe->def, def,
           def->size < sizeof pe->def ? def->size
                                      : sizeof pe->def); /* older modules: rest stays 0 */
    pe->module = m;
    reg.protos = mem_realloc(reg.protos, sizeof *reg.protos * (reg.nprotos + 1));
    reg.protos[reg.nprotos++] = pe;
    return KEEL_OK;
}

keel_status reg_info(keel_module *m, const char *name, keel_info_fn fn, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!name || !*name || strlen(name) >= sizeof reg.infos[0]->name || !fn)
        return fail(err, "an INFO section needs a name (under 32 bytes) and a writer", KEEL_EINVAL);
    for (size_t i = 0; i < reg.ninfos; i++)
        if (!strcasecmp(reg.infos[i]->name, name))
            return fail(err, "an INFO section of that name is already registered", KEEL_EEXIST);
    info_entry *ie = mem_calloc(1, sizeof *ie);
    snprintf(ie->name, sizeof ie->name, "%s", name);
    ie->fn = fn;
    ie->module = m;
    reg.infos = mem_realloc(reg.infos, sizeof *reg.infos * (reg.ninfos + 1));
    reg.infos[reg.ninfos++] = ie;
    return KEEL_OK;
}

size_t info_count(void) {
    return reg.ninfos;
}
const info_entry *info_at(size_t i) {
    return reg.infos[i];
}

keel_status reg_publisher(keel_module *m, keel_publish_fn fn, const char **err) {
    if (!module_registering(m, err)) return KEEL_ESTATE;
    if (!fn) return fail(err, "a publisher needs a function", KEEL_EINVAL);
    if (reg.publisher) return fail(err, "a publisher is already registered", KEEL_EEXIST);
    reg.publisher = fn;
    reg.publisher_module = m;
    return KEEL_OK;
}

keel_publish_fn reg_publisher_fn(void) {
    return reg.publisher;
}

/* te's values are blobs from now on: the name is copied out of the module, the ops are blob.h's. */
static void type_make_blob(type_entry *te) {
    if (!te->own_name) te->own_name = mem_strndup(te->def.name, strlen(te->def.name));
    te->def = *blob_type_ops();
    te->def.name = te->own_name;
    te->module = NULL;
    te->revive = false;
}

keel_type_id reg_type_blob(const char *name) {
    pthread_mutex_lock(&types_lock);
    keel_type_id id = KEEL_TYPE_NONE;
    for (size_t i = 1; i <= reg.ntypes && id == KEEL_TYPE_NONE; i++)
        if (!strcmp(reg.types[i]->def.name, name)) id = (keel_type_id)i;
    if (id == KEEL_TYPE_NONE && reg.ntypes + 1 < MAX_TYPES) {
        type_entry *te = mem_calloc(1, sizeof *te);
        te->def.name = name;
        type_make_blob(te);
        te->id = (keel_type_id)(reg.ntypes + 1);
        reg.types[te->id] = te;
        reg.ntypes = te->id; /* published after the entry is written */
        id = te->id;
    }
    pthread_mutex_unlock(&types_lock);
    return id;
}

void reg_types_revived(void) {
    for (size_t i = 1; i <= reg.ntypes; i++)
        reg.types[i]->revive = false;
}

void reg_forget_module(keel_module *m) {
    modconf_forget(m);
    if (reg.publisher_module == m) {
        reg.publisher = NULL;
        reg.publisher_module = NULL;
    }
    size_t w = 0;
    for (size_t i = 0; i < reg.ncmds; i++) {
        cmd_entry *ce = reg.cmds[i];
        if (ce->module != m) {
            reg.cmds[w++] = ce;
            continue;
        }
        if (!ce->is_alias) zvm_program_free(ce->prog);
        mem_free(ce);
    }
    reg.ncmds = w;
    atomic_fetch_add_explicit(&cmd_gen, 1, memory_order_relaxed);
    memset(reg.index, 0, sizeof *reg.index * (reg.index ? reg.index_mask + 1 : 0));
    for (size_t i = 0; i < reg.ncmds; i++)
        index_insert(reg.cmds[i]);
    /* opcode numbers must stay dense: a gone module's opcodes keep their slots, unreachable
     * (no program of a loaded module names them) until reg_opcode reuses them */
    for (size_t i = 0; i < reg.nops; i++)
        if (reg.ops[i]->module == m) {
            reg.ops[i]->def.name = "(unloaded)";
            reg.ops[i]->module = NULL;
        }
    for (size_t i = 1; i <= reg.ntypes; i++)
        if (reg.types[i]->module == m) type_make_blob(reg.types[i]);
    w = 0;
    for (size_t i = 0; i < reg.nprotos; i++) {
        if (reg.protos[i]->module == m)
            mem_free(reg.protos[i]);
        else
            reg.protos[w++] = reg.protos[i];
    }
    reg.nprotos = w;
    w = 0;
    for (size_t i = 0; i < reg.ninfos; i++) {
        if (reg.infos[i]->module == m)
            mem_free(reg.infos[i]);
        else
            reg.infos[w++] = reg.infos[i];
    }
    reg.ninfos = w;
}

const op_entry *op_lookup(const char *name) {
    for (size_t i = 0; i < reg.nops; i++)
        if (reg.ops[i]->module && !strcmp(reg.ops[i]->def.name, name)) return reg.ops[i];
    return NULL;
}

const op_entry *op_by_number(uint32_t n) {
    return n < reg.nops ? reg.ops[n] : NULL;
}
uint32_t op_cost(uint32_t n) {
    return reg.costs[n];
}

const type_entry *type_by_id(keel_type_id id) {
    return id >= 1 && id <= reg.ntypes ? reg.types[id] : NULL;
}
size_t type_count(void) {
    return reg.ntypes;
}

const proto_entry *proto_lookup(const char *name) {
    for (size_t i = 0; i < reg.nprotos; i++)
        if (!strcmp(reg.protos[i]->def.name, name)) return reg.protos[i];
    return NULL;
}

size_t proto_count(void) {
    return reg.nprotos;
}
const proto_entry *proto_at(size_t i) {
    return i < reg.nprotos ? reg.protos[i] : NULL;
}

bool proto_has_syntax(const proto_entry *pe, const char *syntax) {
    if (!strcmp(syntax, pe->def.name)) return true;
    for (const char *const *s = pe->def.reply_syntaxes; s && *s; s++)
        if (!strcmp(*s, syntax)) return true;
    return false;
}

const char *proto_default_syntax(const proto_entry *pe) {
    return pe->def.reply_syntaxes ? pe->def.reply_syntaxes[0] : NULL;
}

size_t cmd_count(void) {
    return reg.ncmds;
}
const cmd_entry *cmd_at(size_t i) {
    return i < reg.ncmds ? reg.cmds[i] : NULL;
}

size_t cmd_count_for_module(const keel_module *m) {
    size_t n = 0;
    for (size_t i = 0; i < reg.ncmds; i++)
        n += reg.cmds[i]->module == m && !reg.cmds[i]->is_alias;
    return n;
}

int reg_resolve_programs(void) {
    return reg_resolve_module_programs(NULL);
}

int reg_resolve_module_programs(const keel_module *only) {
    int problems = 0;
    for (size_t i = 0; i < reg.ncmds; i++) {
        cmd_entry *ce = reg.cmds[i];
        if (ce->is_alias || (only && ce->module != only)) continue;
        char err[256];
        const keel_cmd_def *d = ce->def;
        bool has_keys = d->first_key > 0 || d->keys;
        ce->prog = zvm_program_build(d->program, has_keys, err, sizeof err);
        if (!ce->prog) {
            log_error("module %s: command %s: %s", loader_module_name(ce->module), d->name, err);
            problems++;
            continue;
        }
        ce->prog->cmd = ce;
    }
    for (size_t i = 0; i < reg.ncmds; i++)
        if (reg.cmds[i]->is_alias && (!only || reg.cmds[i]->module == only))
            reg.cmds[i]->prog = reg.cmds[i]->target->prog;
    return problems;
}

const char *reg_module_in_use(const keel_module *m) {
    if (reg.publisher_module == m) return "it is the server's publisher";
    for (size_t i = 0; i < reg.ncmds; i++) {
        const cmd_entry *ce = reg.cmds[i];
        if (ce->is_alias || ce->module == m || !ce->prog) continue;
        for (uint32_t k = 0; k < ce->prog->n; k++) {
            const op_entry *oe = op_by_number(ce->prog->insn[k].op);
            if (oe && oe->module == m) return "the module exports opcodes used by other modules";
        }
    }
    return NULL;
}

void reg_free(void) {
    for (size_t i = 0; i < reg.ncmds; i++) {
        if (!reg.cmds[i]->is_alias) zvm_program_free(reg.cmds[i]->prog);
        mem_free(reg.cmds[i]);
    }
    mem_free(reg.cmds);
    mem_free(reg.index);
    for (size_t i = 0; i < reg.nops; i++)
        mem_free(reg.ops[i]);
    mem_free(reg.ops);
    mem_free(reg.costs);
    for (size_t i = 1; i <= reg.ntypes; i++) {
        mem_free(reg.types[i]->own_name);
        mem_free(reg.types[i]);
    }
    for (size_t i = 0; i < reg.nprotos; i++)
        mem_free(reg.protos[i]);
    mem_free(reg.protos);
    for (size_t i = 0; i < reg.ninfos; i++)
        mem_free(reg.infos[i]);
    mem_free(reg.infos);
    memset(&reg, 0, sizeof reg);
}

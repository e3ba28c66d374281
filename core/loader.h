/* loader.h -- loading modules: dlopen, the descriptor checks made before any module code
 * runs, init with the SDK table, and fini/dlclose at shutdown. */
#ifndef KEEL_CORE_LOADER_H
#define KEEL_CORE_LOADER_H

#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A module's live processes counted on one thread's slot (a cache line each, so threads
 * counting the same module do not share one). */
#define LOADER_LIVE_SLOTS 64
typedef struct module_live {
    _Atomic int64_t n;
    char pad[64 - sizeof(int64_t)];
} module_live;

struct keel_module {
    char *name;
    char *version;
    char *description;
    char *path;   /* the file loaded ("(built in)" for the core) */
    void *handle; /* dlopen handle, NULL for the core */
    const keel_module_desc *desc;
    bool in_init;      /* registration is legal only while true */
    module_live *live; /* processes running its commands, by thread (NULL: the core) */
    char **args;       /* the arguments it was loaded with (keel_module_args), owned */
    uint32_t nargs;
};

/* The core's own pseudo-module, for the commands and opcodes the core registers. */
struct keel_module *loader_core_module(void);

/* Arguments for modules about to load (MODULE LOAD's, the config's "module_args"): the module
 * named `name` (NULL: whichever loads next) gets a copy of argv at its init.  Kept until
 * loader_clear_args. */
void loader_give_args(const char *name, uint32_t argc, const char *const *argv);
void loader_clear_args(void);

/* Loads one module file; returns it, or NULL after logging a line naming the file. */
struct keel_module *loader_load_file(const char *path);
/* Loads the named modules, each from the first directory of path (':'-separated) holding it, or
 * every module the path holds (NULL names: the first directory's file of a name wins).  A module
 * found by the scan, or named with optional[i] set, that fails is logged and left out; one that
 * is required stops the load.  Returns 0, or -1 after logging. */
int loader_load_all(const char *path, char *const *names, const bool *optional, int nnames);
/* The first path directory's name.so into out: false when no directory has it. */
bool loader_find_file(const char *path, const char *name, char *out, size_t cap);

/* Loads one module file while the server runs (the other workers parked): as
 * loader_load_file, and its programs are resolved.  NULL with why filled on failure. */
struct keel_module *loader_load_runtime(const char *path, char *why, size_t cap);
/* Calls m's fini, drops what it registered and unloads it (the other workers parked, and
 * nothing left that runs its code: module_rt.c checks). */
void loader_unload(struct keel_module *m);
/* The loaded module of that name (not the core), or NULL. */
struct keel_module *loader_find(const char *name);

/* A process of thread tid started or stopped running a command of m (zvm_proc_set_cmd). */
static inline void loader_module_proc_new(struct keel_module *m, int tid) {
    if (m->live)
        atomic_fetch_add_explicit(&m->live[(unsigned)tid % LOADER_LIVE_SLOTS].n, 1,
                                  memory_order_relaxed);
}
static inline void loader_module_proc_gone(struct keel_module *m, int tid) {
    if (m->live)
        atomic_fetch_sub_explicit(&m->live[(unsigned)tid % LOADER_LIVE_SLOTS].n, 1,
                                  memory_order_relaxed);
}
/* Processes running or blocked in m's commands, on every thread. */
int64_t loader_module_live(const struct keel_module *m);

size_t loader_count(void);
struct keel_module *loader_at(size_t i);
const char *loader_module_name(const struct keel_module *m);

/* Calls every module's fini and unloads them (last loaded first).  Call after the shards
 * (whose objects the modules free) and the registry are gone. */
void loader_unload_all(void);

#endif

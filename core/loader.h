/* loader.h -- loading modules: dlopen, the descriptor checks made before any module code
 * runs, init with the SDK table, and fini/dlclose at shutdown. */
#ifndef KEEL_CORE_LOADER_H
#define KEEL_CORE_LOADER_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>

struct keel_module {
    char *name;
    char *version;
    char *description;
    char *path;                    /* the file loaded ("(built in)" for the core) */
    void *handle;                  /* dlopen handle, NULL for the core */
    const keel_module_desc *desc;
    bool in_init;                  /* registration is legal only while true */
};

/* The core's own pseudo-module, for the commands and opcodes the core registers. */
struct keel_module *loader_core_module(void);

/* Loads one module file; returns it, or NULL after logging a line naming the file. */
struct keel_module *loader_load_file(const char *path);
/* Loads the configured modules (or every .so in dir).  Returns 0, or -1 after logging. */
int loader_load_all(const char *dir, char *const *names, int nnames);

size_t loader_count(void);
struct keel_module *loader_at(size_t i);
const char *loader_module_name(const struct keel_module *m);

/* Calls every module's fini and unloads them (last loaded first).  Call after the shards
 * (whose objects the modules free) and the registry are gone. */
void loader_unload_all(void);

#endif

/* loader.c -- dlopen modules, check their descriptor (magic, ABI, size, name) before running
 * any of their code, then call init with the SDK table. */
#include "config.h"
#include "loader.h"
#include "api.h"
#include "log.h"
#include "mem.h"
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    struct keel_module **mods;
    size_t n;
    struct keel_module core;
} ld;

struct keel_module *loader_core_module(void) {
    if (!ld.core.name) {
        ld.core.name = "core";
        ld.core.version = KEEL_VERSION;
        ld.core.description = "the server's own commands";
        ld.core.path = "(built in)";
    }
    return &ld.core;
}

size_t loader_count(void) {
    return ld.n;
}
struct keel_module *loader_at(size_t i) {
    return i < ld.n ? ld.mods[i] : NULL;
}
const char *loader_module_name(const struct keel_module *m) {
    return m && m->name ? m->name : "?";
}

static bool module_name_ok(const char *s) {
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

struct keel_module *loader_find(const char *name) {
    for (size_t i = 0; i < ld.n; i++)
        if (!strcmp(ld.mods[i]->name, name)) return ld.mods[i];
    return NULL;
}

int64_t loader_module_live(const struct keel_module *m) {
    int64_t n = 0;
    for (int i = 0; m->live && i < LOADER_LIVE_SLOTS; i++)
        n += atomic_load_explicit(&m->live[i].n, memory_order_relaxed);
    return n;
}

static void free_args(char **args, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        mem_free(args[i]);
    mem_free(args);
}

static char **copy_args(uint32_t argc, const char *const *argv) {
    char **out = mem_calloc(argc ? argc : 1, sizeof *out);
    for (uint32_t i = 0; i < argc; i++)
        out[i] = mem_strndup(argv[i], strlen(argv[i]));
    return out;
}

/* ---- arguments given before a load ---- */

typedef struct given_args {
    char *name; /* NULL: the next module loaded */
    char **argv;
    uint32_t argc;
} given_args;

static given_args *givens;
static size_t ngivens;

void loader_give_args(const char *name, uint32_t argc, const char *const *argv) {
    givens = mem_realloc(givens, sizeof *givens * (ngivens + 1));
    given_args *g = &givens[ngivens++];
    g->name = name ? mem_strndup(name, strlen(name)) : NULL;
    g->argv = copy_args(argc, argv);
    g->argc = argc;
}

void loader_clear_args(void) {
    for (size_t i = 0; i < ngivens; i++) {
        mem_free(givens[i].name);
        free_args(givens[i].argv, givens[i].argc);
    }
    mem_free(givens);
    givens = NULL;
    ngivens = 0;
}

/* The arguments given for a module named name: its own, else the ones for any module. */
static const given_args *args_for(const char *name) {
    const given_args *any = NULL;
    for (size_t i = 0; i < ngivens; i++) {
        if (givens[i].name && !strcmp(givens[i].name, name)) return &givens[i];
        if (!givens[i].name) any = &givens[i];
    }
    return any;
}

uint32_t keel_module_args(keel_module *m, const char *const **argv) {
    if (!m || !argv) return 0;
    *argv = (const char *const *)m->args;
    return m->nargs;
}

static void module_free(struct keel_module *m) {
    free_args(m->args, m->nargs);
    mem_free(m->live);
    mem_free(m->name);
    mem_free(m->version);
    mem_free(m->description);
    mem_free(m->path);
    mem_free(m);
}

static const char *status_text(keel_status st) {
    switch (st) {
    case KEEL_OK:
        return "ok";
    case KEEL_EINVAL:
        return "invalid argument";
    case KEEL_ENOMEM:
        return "out of memory";
    case KEEL_EEXIST:
        return "name already registered";
    case KEEL_ESTATE:
        return "call not allowed now";
    case KEEL_EABI:
        return "ABI mismatch";
    case KEEL_EDEPTH:
        return "namespaces nested too deep";
    default:
        return "error";
    }
}

/* Every check here reads only the descriptor's bytes: no module function runs until they pass. */
static const char *check_descriptor(const keel_module_desc *d, char *why, size_t cap) {
    if (d->magic != KEEL_MODULE_MAGIC) {
        snprintf(why, cap, "descriptor magic is 0x%08x, not a Keel module descriptor", d->magic);
        return why;
    }
    if (d->abi_major != KEEL_ABI_MAJOR) {
        snprintf(why, cap, "built for SDK ABI %u.%u but this server speaks ABI %d.%d", d->abi_major,
                 d->abi_minor, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
        return why;
    }
    if (d->abi_minor > KEEL_ABI_MINOR) {
        snprintf(why, cap, "needs SDK ABI %u.%u but this server provides only %d.%d", d->abi_major,
                 d->abi_minor, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
        return why;
    }
    if (d->size < offsetof(keel_module_desc, description)) {
        snprintf(why, cap, "descriptor size %u is too small", d->size);
        return why;
    }
    if (!module_name_ok(d->name)) {
        snprintf(why, cap, "module name missing or not [A-Za-z0-9_-]");
        return why;
    }
    if (!d->init) {
        snprintf(why, cap, "descriptor has no init function");
        return why;
    }
    return NULL;
}

/* Loads path and runs its init; resolves its programs too when runtime (at start they are
 * resolved once every module has loaded).  NULL with why filled and logged on failure. */
static struct keel_module *load_file(const char *path, bool runtime, char *why, size_t cap) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, cap, "cannot load: %s", dlerror());
        log_error("module file %s: %s", path, why);
        return NULL;
    }
    const keel_module_desc *d = dlsym(h, KEEL_MODULE_SYMBOL);
    char bad_buf[256];
    const char *bad = d ? check_descriptor(d, bad_buf, sizeof bad_buf)
                        : "it exports no keel_module_descriptor symbol (not a Keel module)";
    if (!bad && loader_find(d->name)) {
        snprintf(bad_buf, sizeof bad_buf, "a module named '%s' is already loaded", d->name);
        bad = bad_buf;
    }
    if (bad) {
        snprintf(why, cap, "refused: %s", bad);
        log_error("module file %s: %s", path, why);
        dlclose(h);
        return NULL;
    }
    struct keel_module *m = mem_calloc(1, sizeof *m);
    m->name = mem_strndup(d->name, strlen(d->name));
    m->version = mem_strndup(d->version ? d->version : "?", strlen(d->version ? d->version : "?"));
    const char *desc =
        d->size > offsetof(keel_module_desc, description) && d->description ? d->description : "";
    m->description = mem_strndup(desc, strlen(desc));
    m->path = mem_strndup(path, strlen(path));
    m->handle = h;
    m->desc = d;
    m->live = mem_calloc(LOADER_LIVE_SLOTS, sizeof *m->live);
    const given_args *g = args_for(m->name);
    m->args = copy_args(g ? g->argc : 0, g ? (const char *const *)g->argv : NULL);
    m->nargs = g ? g->argc : 0;
    m->in_init = true;
    keel_status st = d->init(m, api_table());
    m->in_init = false;
    bool inited = st == KEEL_OK;
    if (inited && runtime && reg_resolve_module_programs(m) != 0) st = KEEL_EINVAL;
    if (st != KEEL_OK) {
        snprintf(why, cap, "module %s: %s: %s", m->name,
                 inited ? "a command's program does not resolve" : "init failed", status_text(st));
        log_error("module file %s: %s", path, why);
        if (inited && m->desc->fini) m->desc->fini(m);
        reg_forget_module(m);
        dlclose(h);
        module_free(m);
        return NULL;
    }
    ld.mods = mem_realloc(ld.mods, sizeof *ld.mods * (ld.n + 1));
    ld.mods[ld.n++] = m;
    log_notice("module %s %s loaded from %s (%zu commands)", m->name, m->version, path,
               cmd_count_for_module(m));
    return m;
}

struct keel_module *loader_load_file(const char *path) {
    char why[512];
    return load_file(path, false, why, sizeof why);
}

struct keel_module *loader_load_runtime(const char *path, char *why, size_t cap) {
    return load_file(path, true, why, cap);
}

void loader_unload(struct keel_module *m) {
    size_t i = 0;
    while (i < ld.n && ld.mods[i] != m)
        i++;
    if (i == ld.n) return;
    memmove(ld.mods + i, ld.mods + i + 1, sizeof *ld.mods * (ld.n - i - 1));
    ld.n--;
    if (m->desc->fini) m->desc->fini(m);
    reg_forget_module(m);
    log_notice("module %s %s unloaded (%s)", m->name, m->version, m->path);
    dlclose(m->handle);
    module_free(m);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The next directory of a ':'-separated path into dir; false at the end. */
static bool next_dir(const char **path, char *dir, size_t cap) {
    while (**path == ':')
        (*path)++;
    if (!**path) return false;
    size_t n = strcspn(*path, ":");
    snprintf(dir, cap, "%.*s", (int)n, *path);
    *path += n;
    return true;
}

bool loader_find_file(const char *path, const char *name, char *out, size_t cap) {
    char dir[4096];
    for (const char *p = path; next_dir(&p, dir, sizeof dir);) {
        snprintf(out, cap, "%s/%s.so", dir, name);
        if (access(out, R_OK) == 0) return true;
    }
    return false;
}

/* Adds every *.so of dir not already in names (an earlier directory's module of a name wins).
 * -1 when dir cannot be read. */
static int loader_scan(const char *dir, char ***names, int *n) {
    DIR *dh = opendir(dir);
    if (!dh) return -1;
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0) continue;
        bool seen = false;
        for (int i = 0; i < *n && !seen; i++)
            seen = strlen((*names)[i]) == len - 3 && !strncmp((*names)[i], e->d_name, len - 3);
        if (seen) continue;
        *names = mem_realloc(*names, sizeof **names * (size_t)(*n + 1));
        (*names)[(*n)++] = mem_strndup(e->d_name, len - 3);
    }
    closedir(dh);
    return 0;
}

/* Every module name the path's directories hold, sorted, so the load order does not depend on
 * the file system.  -1 when a directory other than the installed one cannot be read. */
static int loader_scan_path(const char *path, char ***out) {
    char **names = NULL;
    int n = 0, rc = 0;
    char dir[4096];
    for (const char *p = path; next_dir(&p, dir, sizeof dir);) {
        if (loader_scan(dir, &names, &n) == 0 || !strcmp(dir, KEEL_MODULE_DIR)) continue;
        log_error("module directory %s cannot be read", dir);
        rc = -1;
    }
    if (n > 1) qsort(names, (size_t)n, sizeof *names, cmp_str);
    *out = names;
    return rc < 0 ? rc : n;
}

/* Loads module name (found in path); 0, or -1 after logging why. */
static int load_named(const char *path, const char *name) {
    char file[4096];
    if (!module_name_ok(name)) {
        log_error("module name '%s' is not valid", name);
        return -1;
    }
    if (!loader_find_file(path, name, file, sizeof file)) {
        log_error("module file %s.so: cannot load: it is in no directory of the module path %s",
                  name, path);
        return -1;
    }
    struct keel_module *m = loader_load_file(file);
    if (!m) return -1;
    if (strcmp(m->name, name) != 0) {
        log_error("module file %s names itself '%s'", file, m->name);
        return -1;
    }
    return 0;
}

int loader_load_all(const char *path, char *const *names, const bool *optional, int nnames) {
    char **found = NULL;
    int nfound = 0, rc = 0;
    if (!names) {
        nfound = loader_scan_path(path, &found);
        if (nfound < 0) return -1;
        names = found;
        nnames = nfound;
    }
    for (int i = 0; i < nnames && rc == 0; i++) {
        if (load_named(path, names[i]) == 0) continue;
        if (found ||
            (optional && optional[i])) /* found by a scan, or not required: go on without it */
            log_warning(
                "module %s is not loaded (the line above says why); the server starts without it",
                names[i]);
        else
            rc = -1;
    }
    for (int i = 0; i < nfound; i++)
        mem_free(found[i]);
    mem_free(found);
    return rc;
}

void loader_unload_all(void) {
    while (ld.n > 0) {
        struct keel_module *m = ld.mods[--ld.n];
        if (m->desc->fini) m->desc->fini(m);
        dlclose(m->handle);
        module_free(m);
    }
    mem_free(ld.mods);
    ld.mods = NULL;
}

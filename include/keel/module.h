/* module.h -- the one symbol a module exports: its descriptor. */
#ifndef KEEL_MODULE_H
#define KEEL_MODULE_H

#include <stdint.h>
#include <keel/abi.h>
#include <keel/api.h>

/* The exported descriptor.  The core reads and checks it (magic, ABI major, minimum minor,
 * size) before it runs any of the module's code. */
typedef struct keel_module_desc {
    uint32_t magic;      /* KEEL_MODULE_MAGIC */
    uint16_t abi_major;  /* must equal the core's KEEL_ABI_MAJOR */
    uint16_t abi_minor;  /* the lowest table minor the module needs */
    uint32_t size;       /* sizeof(keel_module_desc) */
    const char *name;    /* short name: "strings" (what --modules lists) */
    const char *version; /* the module's own version */
    /* Registers everything; returns KEEL_OK or a status (the load fails and fini is not
     * called).  api stays valid until fini returns. */
    keel_status (*init)(keel_module *m, const keel_api *api);
    /* Frees what init allocated; optional. */
    void (*fini)(keel_module *m);
    const char *description; /* one line for MODULE LIST */
} keel_module_desc;

/* The exported symbol's name, and the only symbol a module exports. */
#define KEEL_MODULE_SYMBOL "keel_module_descriptor"

#ifndef KEEL_CORE
/* Defines the descriptor and the module's api pointer.  Use once per module, in the file that
 * holds init:
 *     KEEL_MODULE_MINOR(3, "strings", "1.0.0", "string values", strings_init, NULL);
 * MINOR is the lowest table minor the module needs: the newest "added in 1.N" of the calls it
 * makes and the command flags it sets (KEEL_CMD_PUBSUB 1.2, KEEL_CMD_DENYOOM 1.3).  A core whose
 * table is older refuses the module by name instead of running a call it lacks; a newer core
 * loads it.  INIT is keel_status INIT(keel_module *m); keel_* calls are usable from INIT on. */
#define KEEL_MODULE_MINOR(MINOR, NAME, VERSION, DESCRIPTION, INIT, FINI)                           \
    _Static_assert((MINOR) >= 0 && (MINOR) <= KEEL_ABI_MINOR,                                      \
                   "a module cannot need a newer SDK minor than the headers it is built with");    \
    const keel_api *keel_api_ptr;                                                                  \
    static keel_status keel_module_init_(keel_module *m, const keel_api *api) {                    \
        keel_api_ptr = api;                                                                        \
        return INIT(m);                                                                            \
    }                                                                                              \
    extern const keel_module_desc keel_module_descriptor;                                          \
    const keel_module_desc keel_module_descriptor = {                                              \
        .magic = KEEL_MODULE_MAGIC,                                                                \
        .abi_major = KEEL_ABI_MAJOR,                                                               \
        .abi_minor = (uint16_t)(MINOR),                                                            \
        .size = (uint32_t)sizeof(keel_module_desc),                                                \
        .name = NAME,                                                                              \
        .version = VERSION,                                                                        \
        .init = keel_module_init_,                                                                 \
        .fini = FINI,                                                                              \
        .description = DESCRIPTION,                                                                \
    }

/* As KEEL_MODULE_MINOR, needing the minor of the headers it is built with (always safe; a
 * module that states its real minimum with KEEL_MODULE_MINOR also loads in older cores):
 *     KEEL_MODULE("strings", "1.0.0", "string values", strings_init, NULL); */
#define KEEL_MODULE(NAME, VERSION, DESCRIPTION, INIT, FINI)                                        \
    KEEL_MODULE_MINOR(KEEL_ABI_MINOR, NAME, VERSION, DESCRIPTION, INIT, FINI)
#endif

#endif

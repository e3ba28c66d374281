/* module.h -- the one symbol a module exports: its descriptor. */
#ifndef KEEL_MODULE_H
#define KEEL_MODULE_H

#include <stdint.h>
#include <keel/abi.h>
#include <keel/api.h>

/* The exported descriptor.  The core reads and checks it (magic, ABI major, minimum minor,
 * size) before it runs any of the module's code. */
typedef struct keel_module_desc {
    uint32_t magic;            /* KEEL_MODULE_MAGIC */
    uint16_t abi_major;        /* must equal the core's KEEL_ABI_MAJOR */
    uint16_t abi_minor;        /* the lowest table minor the module needs */
    uint32_t size;             /* sizeof(keel_module_desc) */
    const char *name;          /* short name: "strings" (what --modules lists) */
    const char *version;       /* the module's own version */
    /* Registers everything; returns KEEL_OK or a status (the load fails and fini is not
     * called).  api stays valid until fini returns. */
    keel_status (*init)(keel_module *m, const keel_api *api);
    /* Frees what init allocated; optional. */
    void (*fini)(keel_module *m);
    const char *description;   /* one line for MODULE LIST */
} keel_module_desc;

/* The exported symbol's name, and the only symbol a module exports. */
#define KEEL_MODULE_SYMBOL "keel_module_descriptor"

#ifndef KEEL_CORE
/* Defines the descriptor and the module's api pointer.  Use once per module, in the file that
 * holds init:
 *     KEEL_MODULE("strings", "1.0.0", "string values", strings_init, NULL);
 * INIT is keel_status INIT(keel_module *m); keel_* calls are usable from INIT on. */
#define KEEL_MODULE(NAME, VERSION, DESCRIPTION, INIT, FINI)                                 \
    const keel_api *keel_api_ptr;                                                          \
    static keel_status keel_module_init_(keel_module *m, const keel_api *api) {            \
        keel_api_ptr = api;                                                                \
        return INIT(m);                                                                    \
    }                                                                                      \
    extern const keel_module_desc keel_module_descriptor;                                  \
    const keel_module_desc keel_module_descriptor = {                                      \
        KEEL_MODULE_MAGIC, KEEL_ABI_MAJOR, KEEL_ABI_MINOR, (uint32_t)sizeof(keel_module_desc), \
        NAME, VERSION, keel_module_init_, FINI, DESCRIPTION}
#endif

#endif

/* mod_newer_minor.c -- a module that needs a newer function table than this core has. */
#include <keel/sdk.h>

static keel_status never(keel_module *m, const keel_api *api) {
    (void)m;
    (void)api;
    return KEEL_OK;
}

extern const keel_module_desc keel_module_descriptor;
const keel_module_desc keel_module_descriptor = {KEEL_MODULE_MAGIC,
                                                 KEEL_ABI_MAJOR,
                                                 KEEL_ABI_MINOR + 1,
                                                 sizeof(keel_module_desc),
                                                 "mod_newer_minor",
                                                 "1",
                                                 never,
                                                 NULL,
                                                 ""};

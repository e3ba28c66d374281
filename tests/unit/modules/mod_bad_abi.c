/* mod_bad_abi.c -- a module built for another ABI major: the core must refuse it without
 * calling init (which would create the file named by $KEEL_TEST_MARKER). */
#include <keel/sdk.h>
#include <stdio.h>
#include <stdlib.h>

static keel_status touch_marker(keel_module *m, const keel_api *api) {
    (void)m;
    (void)api;
    const char *path = getenv("KEEL_TEST_MARKER");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) fclose(f);
    return KEEL_OK;
}

extern const keel_module_desc keel_module_descriptor;
const keel_module_desc keel_module_descriptor = {KEEL_MODULE_MAGIC,
                                                 KEEL_ABI_MAJOR + 98,
                                                 0,
                                                 sizeof(keel_module_desc),
                                                 "mod_bad_abi",
                                                 "1",
                                                 touch_marker,
                                                 NULL,
                                                 ""};

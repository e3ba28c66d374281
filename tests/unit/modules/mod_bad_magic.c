/* mod_bad_magic.c -- exports the descriptor symbol but not a Keel descriptor. */
#include <keel/sdk.h>

extern const keel_module_desc keel_module_descriptor;
const keel_module_desc keel_module_descriptor = {
    0x12345678u, KEEL_ABI_MAJOR, 0, sizeof(keel_module_desc), "mod_bad_magic", "1", NULL, NULL, ""};

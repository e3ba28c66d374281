/* register.c -- mcitems.so's registration table: each command family's opcodes and commands. */
#include <keel/sdk.h>
#include "counters.h"
#include "family.h"
#include "register.h"

static const keel_family *const families[] = {
    &mc_store_family, &mc_get_family,  &mc_delete_family, &mc_arith_family,  &mc_mget_family,
    &mc_mset_family,  &mc_mdel_family, &mc_marith_family, &mc_server_family, &mc_flush_family,
};

keel_status mc_items_register(keel_module *m) {
    return keel_register_families(m, "mcitems", families, KEEL_COUNT(families));
}

void mc_items_unregister(keel_module *m) {
    (void)m;
    mc_counters_free();
}

/* register.c -- mcitems.so's registration table: each command family's opcodes and commands. */
#include <keel/sdk.h>
#include "counters.h"
#include "family.h"
#include "register.h"

static const mc_family *const families[] = {
    &mc_store_family, &mc_get_family,  &mc_delete_family, &mc_arith_family,  &mc_mget_family,
    &mc_mset_family,  &mc_mdel_family, &mc_marith_family, &mc_server_family, &mc_flush_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "mcitems: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status mc_items_register(keel_module *m) {
    const char *err = NULL;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const mc_family *fam = families[f];
        for (size_t i = 0; i < fam->nopcodes; i++) {
            keel_status st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK) return failed(m, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < fam->ncommands; i++) {
            keel_status st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK) return failed(m, "command", fam->commands[i].name, st, err);
        }
    }
    return KEEL_OK;
}

void mc_items_unregister(keel_module *m) {
    (void)m;
    mc_counters_free();
}

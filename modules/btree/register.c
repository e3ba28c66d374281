/* register.c -- btree.so's registration table: the btree type, then every command family. */
#include "register.h"

#include "btobj.h"
#include "family.h"

static const bt_family *const families[] = {
    &bt_write_family, &bt_read_family, &bt_range_family, &bt_agg_family, &bt_top_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "btree: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status bt_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = bt_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "btree", st, err);
    for (size_t f = 0; f < BT_COUNT(families); f++) {
        const bt_family *fam = families[f];
        for (size_t i = 0; i < fam->nopcodes; i++) {
            st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK) return failed(m, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < fam->ncommands; i++) {
            st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK) return failed(m, "command", fam->commands[i].name, st, err);
        }
    }
    return KEEL_OK;
}

void bt_unregister(keel_module *m) {
    (void)m;
}

/* register.c -- sets.so's registration table: the set type, then every command family. */
#include "family.h"
#include "register.h"
#include "setobj.h"

static const sets_family *const families[] = {
    &sets_add_family,     &sets_member_family,  &sets_random_family, &sets_scan_family,
    &sets_algebra_family, &sets_compare_family, &sets_move_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "sets: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status sets_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = sets_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "set", st, err);
    for (size_t f = 0; f < SETS_COUNT(families); f++) {
        const sets_family *fam = families[f];
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

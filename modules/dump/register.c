/* register.c -- dump.so's registration table: every command family. */
#include "family.h"

static const dump_family *const families[] = {&dump_dump_family, &dump_restore_family,
                                              &dump_import_family};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "dump: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status dump_register(keel_module *m) {
    const char *err = NULL;
    dump_import_init(m);
    for (size_t f = 0; f < DUMP_COUNT(families); f++) {
        const dump_family *fam = families[f];
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

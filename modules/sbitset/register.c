/* register.c -- sbitset.so's registration table: the sbitset type, then every command family. */
#include "family.h"
#include "register.h"
#include "sbobj.h"

static const sbs_family *const families[] = {&sbs_bits_family, &sbs_rank_family, &sbs_op_family};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "sbitset: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status sbs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = sbs_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "sbitset", st, err);
    for (size_t f = 0; f < SBS_COUNT(families); f++) {
        const sbs_family *fam = families[f];
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

/* register.c -- hll.so's registration table: the hll type, then every command family. */
#include "family.h"
#include "hllobj.h"
#include "register.h"

static const pf_family *const families[] = {&pf_add_family, &pf_count_family, &pf_merge_family};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "hll: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status pf_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = pf_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "hll", st, err);
    for (size_t f = 0; f < PF_COUNT(families); f++) {
        const pf_family *fam = families[f];
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

/* register.c -- strings.so's registration table: every command family, in one list. */
#include "family.h"
#include "register.h"

static const str_family *const families[] = {
    &str_get_family,    &str_set_family,    &str_multi_family, &str_incr_family,
    &str_append_family, &str_length_family, &str_range_family,
    &str_bitmap_family, &str_bitop_family,  &str_bitfield_family, &str_lcs_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "strings: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status str_register(keel_module *m) {
    const char *err = NULL;
    keel_status st;
    for (size_t f = 0; f < STR_COUNT(families); f++) {
        const str_family *fam = families[f];
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

/* register.c -- lists.so's registration table: the list type, then every command family. */
#include "family.h"
#include "listobj.h"
#include "register.h"

static const lst_family *const families[] = {
    &lst_push_family,  &lst_pop_family,  &lst_move_family, &lst_access_family,
    &lst_range_family, &lst_edit_family, &lst_pos_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "lists: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status lst_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = lst_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "list", st, err);
    for (size_t f = 0; f < LST_COUNT(families); f++) {
        const lst_family *fam = families[f];
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

void lst_unregister(keel_module *m) {
    (void)m;
}

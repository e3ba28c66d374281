/* register.c -- maps.so's registration table: every command family, in one list. */
#include "family.h"
#include "register.h"

static const map_family *const families[] = {
    &map_space_family, &map_walk_family, &map_hset_family,  &map_hget_family,  &map_hdel_family,
    &map_hincr_family, &map_hall_family, &map_hscan_family, &map_hrand_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "maps: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status map_register(keel_module *m) {
    const char *err = NULL;
    keel_status st;
    for (size_t f = 0; f < MAP_COUNT(families); f++) {
        const map_family *fam = families[f];
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

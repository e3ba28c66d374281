/* register.c -- zsets.so's registration table: the zset type, then every command family. */
#include "family.h"
#include "register.h"
#include "zobj.h"

static const zs_family *const families[] = {
    &zs_add_family, &zs_read_family, &zs_range_family,
    &zs_pop_family, &zs_scan_family, &zs_algebra_family,
    &zs_geo_point_family, &zs_geo_search_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "zsets: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status zs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = zs_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "zset", st, err);
    for (size_t f = 0; f < ZS_COUNT(families); f++) {
        const zs_family *fam = families[f];
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

void zs_unregister(keel_module *m) {
    (void)m;
}

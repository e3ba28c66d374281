/* register.c -- streams.so's registration table: the stream type, then every command family. */
#include "family.h"
#include "reclaim.h"
#include "register.h"
#include "sobj.h"

static const xs_family *const families[] = {
    &xs_write_family, &xs_range_family,   &xs_read_family,
    &xs_group_family, &xs_pending_family, &xs_info_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "streams: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status xs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = xs_register_type(m, &err);
    if (st != KEEL_OK) return failed(m, "type", "stream", st, err);
    for (size_t f = 0; f < XS_COUNT(families); f++) {
        const xs_family *fam = families[f];
        for (size_t i = 0; i < fam->nopcodes; i++) {
            st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK) return failed(m, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < fam->ncommands; i++) {
            st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK) return failed(m, "command", fam->commands[i].name, st, err);
        }
    }
    st = xs_reclaim_init(m, &err); /* last: nothing after it can fail */
    if (st != KEEL_OK) return failed(m, "INFO section", "Streams", st, err);
    return KEEL_OK;
}

void xs_unregister(keel_module *m) {
    (void)m;
    xs_reclaim_fini();
}

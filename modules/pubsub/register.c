/* register.c -- pubsub.so's registration table: its state, the publisher, then every command
 * family. */
#include "family.h"
#include "local.h"
#include "publish.h"
#include "register.h"
#include "view.h"

static const ps_family *const families[] = {&ps_subscribe_family, &ps_publish_family,
                                            &ps_introspect_family};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "pubsub: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    ps_unregister(m);
    return st;
}

keel_status ps_register(keel_module *m) {
    uint32_t nthreads = keel_thread_count();
    if (!view_init(nthreads) || !local_init(nthreads))
        return failed(m, "state", "tables", KEEL_ENOMEM, "out of memory");
    const char *err = NULL;
    keel_status st = keel_register_publisher(m, ps_publish, &err);
    if (st != KEEL_OK) return failed(m, "publisher", "pubsub", st, err);
    st = keel_register_info(m, "Pubsub", ps_info, &err);
    if (st != KEEL_OK) return failed(m, "INFO section", "Pubsub", st, err);
    for (size_t f = 0; f < PS_COUNT(families); f++) {
        const ps_family *fam = families[f];
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

void ps_unregister(keel_module *m) {
    (void)m;
    local_free();
    view_free();
}

/* register.c -- memcache.so's registration table: the protocol, then each command family's
 * opcodes and commands. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <keel/sdk.h>
#include "counters.h"
#include "family.h"
#include "protocol.h"
#include "register.h"

static keel_module *module; /* this module, for logging */
static atomic_bool warned;  /* mc_warn_once has logged */

static const mc_family *const families[] = {
    &mc_store_family, &mc_get_family,  &mc_delete_family, &mc_arith_family,  &mc_mget_family,
    &mc_mset_family,  &mc_mdel_family, &mc_marith_family, &mc_server_family, &mc_flush_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "memcache: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status mc_register(keel_module *m) {
    const char *err = NULL;
    module = m;
    atomic_store(&warned, false);
    keel_status st = keel_register_protocol(m, &mc_protocol, &err);
    if (st != KEEL_OK) return failed(m, "protocol", mc_protocol.name, st, err);
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const mc_family *fam = families[f];
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

void mc_unregister(keel_module *m) {
    (void)m;
    mc_counters_free();
}

void mc_warn_once(const char *fmt, ...) {
    if (atomic_exchange(&warned, true)) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    keel_log(module, KEEL_LOG_WARNING, "%s", line);
}

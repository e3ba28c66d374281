/* register.c -- scripting.so's registration table: every command family, then INFO. */
#include "cache.h"
#include "family.h"
#include "alone.h"
#include "learn.h"
#include "library.h"
#include "redislib.h"
#include "register.h"
#include "running.h"
#include "vm.h"

static const scripting_family *const families[] = {
    &scripting_eval_family,
    &scripting_script_family,
    &scripting_function_family,
    &scripting_fcall_family,
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "scripting: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status scripting_register(keel_module *m) {
    scripting_module = m;
    const char *err = NULL;
    keel_status st;
    for (size_t f = 0; f < SCR_COUNT(families); f++) {
        const scripting_family *fam = families[f];
        for (size_t i = 0; i < fam->nopcodes; i++) {
            st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK) return failed(m, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < fam->ncommands; i++) {
            st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK) return failed(m, "command", fam->commands[i].name, st, err);
        }
    }
    st = keel_register_info(m, "Scripting", running_info, &err);
    if (st != KEEL_OK) return failed(m, "INFO section", "Scripting", st, err);
    return KEEL_OK;
}

void scripting_fini(keel_module *m) {
    (void)m;
    vm_free_all();
    cache_free();
    library_free_all();
    learn_free();
    alone_forget();
}

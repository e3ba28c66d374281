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

static const keel_family *const families[] = {
    &scripting_eval_family,
    &scripting_script_family,
    &scripting_function_family,
    &scripting_fcall_family,
};

keel_status scripting_register(keel_module *m) {
    scripting_module = m;
    const char *err = NULL;
    keel_status st;
    st = keel_register_families(m, "scripting", families, KEEL_COUNT(families));
    if (st != KEEL_OK) return st;
    st = keel_register_info(m, "Scripting", running_info, &err);
    if (st != KEEL_OK)
        return keel_register_failed(m, "scripting", "INFO section", "Scripting", st, err);
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

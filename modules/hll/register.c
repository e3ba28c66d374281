/* register.c -- hll.so's registration table: the hll type, then every command family. */
#include "family.h"
#include "hllobj.h"
#include "register.h"

static const keel_family *const families[] = {&pf_add_family, &pf_count_family, &pf_merge_family};

keel_status pf_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = pf_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "hll", "type", "hll", st, err);
    return keel_register_families(m, "hll", families, KEEL_COUNT(families));
}

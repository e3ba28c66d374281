/* register.c -- sbitset.so's registration table: the sbitset type, then every command family. */
#include "family.h"
#include "register.h"
#include "sbobj.h"

static const keel_family *const families[] = {&sbs_bits_family, &sbs_rank_family, &sbs_op_family};

keel_status sbs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = sbs_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "sbitset", "type", "sbitset", st, err);
    return keel_register_families(m, "sbitset", families, KEEL_COUNT(families));
}

/* register.c -- sets.so's registration table: the set type, then every command family. */
#include "family.h"
#include "register.h"
#include "setobj.h"

static const keel_family *const families[] = {
    &sets_add_family,     &sets_member_family,  &sets_random_family, &sets_scan_family,
    &sets_algebra_family, &sets_compare_family, &sets_move_family,
};

keel_status sets_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = sets_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "sets", "type", "set", st, err);
    return keel_register_families(m, "sets", families, KEEL_COUNT(families));
}

/* register.c -- btree.so's registration table: the btree type, then every command family. */
#include "register.h"

#include "btobj.h"
#include "family.h"

static const keel_family *const families[] = {
    &bt_write_family, &bt_read_family, &bt_range_family, &bt_agg_family, &bt_top_family,
};

keel_status bt_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = bt_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "btree", "type", "btree", st, err);
    return keel_register_families(m, "btree", families, KEEL_COUNT(families));
}

void bt_unregister(keel_module *m) {
    (void)m;
}

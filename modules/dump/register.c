/* register.c -- dump.so's registration table: every command family. */
#include "family.h"

static const keel_family *const families[] = {&dump_dump_family, &dump_restore_family,
                                              &dump_import_family};

keel_status dump_register(keel_module *m) {
    dump_import_init(m);
    return keel_register_families(m, "dump", families, KEEL_COUNT(families));
}

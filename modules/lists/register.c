/* register.c -- lists.so's registration table: the list type, then every command family. */
#include "family.h"
#include "listobj.h"
#include "register.h"

static const keel_family *const families[] = {
    &lst_push_family,  &lst_pop_family,  &lst_move_family, &lst_access_family,
    &lst_range_family, &lst_edit_family, &lst_pos_family,
};

keel_status lst_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = lst_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "lists", "type", "list", st, err);
    return keel_register_families(m, "lists", families, KEEL_COUNT(families));
}

void lst_unregister(keel_module *m) {
    (void)m;
}

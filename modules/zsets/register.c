/* register.c -- zsets.so's registration table: the zset type, then every command family. */
#include "family.h"
#include "register.h"
#include "zobj.h"

static const keel_family *const families[] = {
    &zs_add_family,  &zs_read_family,    &zs_range_family,     &zs_pop_family,
    &zs_scan_family, &zs_algebra_family, &zs_geo_point_family, &zs_geo_search_family,
};

keel_status zs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = zs_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "zsets", "type", "zset", st, err);
    return keel_register_families(m, "zsets", families, KEEL_COUNT(families));
}

void zs_unregister(keel_module *m) {
    (void)m;
}

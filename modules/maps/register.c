/* register.c -- maps.so's registration table: every command family, in one list. */
#include "family.h"
#include "register.h"

static const keel_family *const families[] = {
    &map_space_family, &map_walk_family, &map_hset_family,  &map_hget_family,  &map_hdel_family,
    &map_hincr_family, &map_hall_family, &map_hscan_family, &map_hrand_family,
};

keel_status map_register(keel_module *m) {
    return keel_register_families(m, "maps", families, KEEL_COUNT(families));
}

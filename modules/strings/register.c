/* register.c -- strings.so's registration table: every command family, in one list. */
#include "family.h"
#include "register.h"

static const keel_family *const families[] = {
    &str_get_family,    &str_set_family,      &str_multi_family, &str_incr_family,
    &str_append_family, &str_length_family,   &str_range_family, &str_bitmap_family,
    &str_bitop_family,  &str_bitfield_family, &str_lcs_family,
};

keel_status str_register(keel_module *m) {
    return keel_register_families(m, "strings", families, KEEL_COUNT(families));
}

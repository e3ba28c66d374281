/* register.c -- streams.so's registration table: the stream type, then every command family. */
#include "family.h"
#include "reclaim.h"
#include "register.h"
#include "sobj.h"

static const keel_family *const families[] = {
    &xs_write_family, &xs_range_family,   &xs_read_family,
    &xs_group_family, &xs_pending_family, &xs_info_family,
};

keel_status xs_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = xs_register_type(m, &err);
    if (st != KEEL_OK) return keel_register_failed(m, "streams", "type", "stream", st, err);
    st = keel_register_families(m, "streams", families, KEEL_COUNT(families));
    if (st != KEEL_OK) return st;
    st = xs_reclaim_init(m, &err); /* last: nothing after it can fail */
    if (st != KEEL_OK)
        return keel_register_failed(m, "streams", "INFO section", "Streams", st, err);
    return KEEL_OK;
}

void xs_unregister(keel_module *m) {
    (void)m;
    xs_reclaim_fini();
}

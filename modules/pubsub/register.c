/* register.c -- pubsub.so's registration table: its state, the publisher, then every command
 * family. */
#include "family.h"
#include "local.h"
#include "publish.h"
#include "register.h"
#include "view.h"

static const keel_family *const families[] = {&ps_subscribe_family, &ps_publish_family,
                                              &ps_introspect_family};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    ps_unregister(m);
    return keel_register_failed(m, "pubsub", what, name, st, err);
}

keel_status ps_register(keel_module *m) {
    uint32_t nthreads = keel_thread_count();
    if (!view_init(nthreads) || !local_init(nthreads))
        return failed(m, "state", "tables", KEEL_ENOMEM, "out of memory");
    const char *err = NULL;
    keel_status st = keel_register_publisher(m, ps_publish, &err);
    if (st != KEEL_OK) return failed(m, "publisher", "pubsub", st, err);
    st = keel_register_info(m, "Pubsub", ps_info, &err);
    if (st != KEEL_OK) return failed(m, "INFO section", "Pubsub", st, err);
    st = keel_register_families(m, "pubsub", families, KEEL_COUNT(families));
    if (st != KEEL_OK) ps_unregister(m);
    return st;
}

void ps_unregister(keel_module *m) {
    (void)m;
    local_free();
    view_free();
}

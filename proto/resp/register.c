/* register.c -- resp.so's registration table: the protocol, then each family's opcodes and
 * commands. */
#include <keel/sdk.h>
#include "conn.h"
#include "protocol.h"
#include "register.h"

static const keel_family *const families[] = {&resp_conn_family};

keel_status resp_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_protocol(m, &resp_protocol, &err);
    if (st != KEEL_OK)
        return keel_register_failed(m, "resp", "protocol", resp_protocol.name, st, err);
    return keel_register_families(m, "resp", families, KEEL_COUNT(families));
}

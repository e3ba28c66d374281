/* register.c -- http.so's registration table: the protocol, then its opcode and command. */
#include <keel/sdk.h>
#include "protocol.h"
#include "register.h"
#include "scrape.h"

static const keel_family *const families[] = {&http_scrape_family};

keel_status http_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_protocol(m, &http_protocol, &err);
    if (st != KEEL_OK)
        return keel_register_failed(m, "http", "protocol", http_protocol.name, st, err);
    return keel_register_families(m, "http", families, KEEL_COUNT(families));
}

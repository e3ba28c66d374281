/* register.c -- http.so's registration table: the protocol, then its opcode and command. */
#include <keel/sdk.h>
#include "protocol.h"
#include "register.h"
#include "scrape.h"

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "http: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status http_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_protocol(m, &http_protocol, &err);
    if (st != KEEL_OK) return failed(m, "protocol", http_protocol.name, st, err);
    for (size_t i = 0; i < http_scrape_opcode_count; i++) {
        st = keel_register_opcode(m, &http_scrape_opcodes[i], &err);
        if (st != KEEL_OK) return failed(m, "opcode", http_scrape_opcodes[i].name, st, err);
    }
    for (size_t i = 0; i < http_scrape_command_count; i++) {
        st = keel_register_command(m, &http_scrape_commands[i], &err);
        if (st != KEEL_OK) return failed(m, "command", http_scrape_commands[i].name, st, err);
    }
    return KEEL_OK;
}

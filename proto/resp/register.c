/* register.c -- resp.so's registration table: the protocol, then each family's opcodes and
 * commands. */
#include <keel/sdk.h>
#include "conn.h"
#include "protocol.h"
#include "register.h"

/* A family of opcodes and commands defined together in one file. */
typedef struct family {
    const keel_opcode_def *opcodes;
    const size_t *nopcodes;
    const keel_cmd_def *commands;
    const size_t *ncommands;
} family;

static const family families[] = {
    {resp_conn_opcodes, &resp_conn_opcode_count, resp_conn_commands, &resp_conn_command_count},
};

static keel_status failed(keel_module *m, const char *what, const char *name, keel_status st,
                          const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "resp: cannot register %s %s: %s", what, name,
             err ? err : "refused");
    return st;
}

keel_status resp_register(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_protocol(m, &resp_protocol, &err);
    if (st != KEEL_OK) return failed(m, "protocol", resp_protocol.name, st, err);
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const family *fam = &families[f];
        for (size_t i = 0; i < *fam->nopcodes; i++) {
            st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK) return failed(m, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < *fam->ncommands; i++) {
            st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK) return failed(m, "command", fam->commands[i].name, st, err);
        }
    }
    return KEEL_OK;
}

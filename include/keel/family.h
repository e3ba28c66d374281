/* family.h -- one registration shape: a module's opcodes and commands in families, registered
 * by one helper.
 *
 * A family is what one source file defines: its opcodes and the commands whose programs run
 * them.  Each file exports one family; the module's init lists them and registers them all:
 *
 *     const keel_family str_get_family = KEEL_FAMILY(get_ops, get_cmds);      (get.c)
 *
 *     static const keel_family *const families[] = {&str_get_family, &str_set_family};
 *     return keel_register_families(m, "strings", families, KEEL_COUNT(families));
 *
 * Header only (no SDK call of its own): it needs nothing newer than ABI 1.0. */
#ifndef KEEL_FAMILY_H
#define KEEL_FAMILY_H

#include <stddef.h>

/* The opcodes and commands one source file defines, registered in that order. */
typedef struct keel_family {
    const keel_opcode_def *opcodes;
    size_t nopcodes;
    const keel_cmd_def *commands;
    size_t ncommands;
} keel_family;

/* The number of elements of an array (not a pointer). */
#define KEEL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A family of the opcode array OPS and the command array CMDS. */
#define KEEL_FAMILY(OPS, CMDS)                                                                     \
    { (OPS), KEEL_COUNT(OPS), (CMDS), KEEL_COUNT(CMDS) }

/* Logs what init could not register ("WHO: cannot register WHAT NAME: reason", err NULL reads
 * "refused") and returns st: for the types, protocols and INFO sections registered beside the
 * families, as keel_register_families reports its own refusals. */
static inline keel_status keel_register_failed(keel_module *m, const char *who, const char *what,
                                               const char *name, keel_status st, const char *err) {
    keel_log(m, KEEL_LOG_ERROR, "%s: cannot register %s %s: %s", who, what, name,
             err ? err : "refused");
    return st;
}

/* Registers each family's opcodes, then its commands, family by family, in the order given.
 * Stops at the first refusal: logs it as keel_register_failed does and returns its status.
 * Only inside init (the core: while it registers its own commands). */
static inline keel_status keel_register_families(keel_module *m, const char *who,
                                                 const keel_family *const *families, size_t n) {
    for (size_t f = 0; f < n; f++) {
        const keel_family *fam = families[f];
        for (size_t i = 0; i < fam->nopcodes; i++) {
            const char *err = NULL;
            keel_status st = keel_register_opcode(m, &fam->opcodes[i], &err);
            if (st != KEEL_OK)
                return keel_register_failed(m, who, "opcode", fam->opcodes[i].name, st, err);
        }
        for (size_t i = 0; i < fam->ncommands; i++) {
            const char *err = NULL;
            keel_status st = keel_register_command(m, &fam->commands[i], &err);
            if (st != KEEL_OK)
                return keel_register_failed(m, who, "command", fam->commands[i].name, st, err);
        }
    }
    return KEEL_OK;
}

#endif

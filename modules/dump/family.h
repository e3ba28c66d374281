/* family.h -- how each command family of dump.so hands its opcodes and commands to init. */
#ifndef KEEL_DUMP_FAMILY_H
#define KEEL_DUMP_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* One family: the opcodes and commands one source file defines, registered in that order. */
typedef struct dump_family {
    const keel_opcode_def *opcodes;
    size_t nopcodes;
    const keel_cmd_def *commands;
    size_t ncommands;
} dump_family;

#define DUMP_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DUMP_FAMILY(OPS, CMDS)                                                                     \
    { OPS, DUMP_COUNT(OPS), CMDS, DUMP_COUNT(CMDS) }

extern const dump_family dump_dump_family;    /* dump.c: DUMP */
extern const dump_family dump_restore_family; /* restore.c: RESTORE */
extern const dump_family dump_import_family;  /* import.c: RDBIMPORT (--load-rdb) */

/* Hands import.c the module's handle, for its log lines (init). */
void dump_import_init(keel_module *m);
/* The module's fini: frees what an import a shutdown stopped still holds. */
void dump_import_fini(keel_module *m);

/* Registers every family (init). */
keel_status dump_register(keel_module *m);

#endif

/* family.h -- how each command family of dump.so hands its opcodes and commands to init. */
#ifndef KEEL_DUMP_FAMILY_H
#define KEEL_DUMP_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

extern const keel_family dump_dump_family;    /* dump.c: DUMP */
extern const keel_family dump_restore_family; /* restore.c: RESTORE */
extern const keel_family dump_import_family;  /* import.c: RDBIMPORT (--load-rdb) */

/* Hands import.c the module's handle, for its log lines (init). */
void dump_import_init(keel_module *m);
/* The module's fini: frees what an import a shutdown stopped still holds. */
void dump_import_fini(keel_module *m);

/* Registers every family (init). */
keel_status dump_register(keel_module *m);

#endif

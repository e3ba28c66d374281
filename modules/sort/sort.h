/* sort.h -- sort.so's opcode body (run.c), shared by SORT and SORT_RO (module.c). */
#ifndef KEEL_SORT_SORT_H
#define KEEL_SORT_SORT_H

#include <stdbool.h>
#include <keel/sdk.h>

/* Runs SORT (read_only false) or SORT_RO on p: replies, and returns the opcode's result. */
keel_op_result sort_op_run(keel_proc *p, bool read_only);

#endif

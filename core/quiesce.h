/* quiesce.h -- stopping every other worker thread at a loop-turn boundary, so one thread can
 * change what all of them read without locks (the command, opcode, type and protocol tables
 * while a module loads or unloads at run time). */
#ifndef KEEL_CORE_QUIESCE_H
#define KEEL_CORE_QUIESCE_H

#include <stdbool.h>

struct thr;

/* Called on worker self: parks every other worker thread (each runs no process, reads no table
 * and holds no lock while parked) and returns true once all are parked.  False, parking
 * nothing, when another thread is quiescing the server or the server is stopping. */
bool quiesce_begin(struct thr *self);
/* Lets the parked threads go on; returns once each has left its parking place. */
void quiesce_end(void);

#endif

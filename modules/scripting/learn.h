/* learn.h -- what the server learned about scripts that touch keys they do not declare.
 *
 * When a run of a script (by SHA-1) or function (by name) makes a command on a key it did not
 * declare, every argument of that command equal to one of the run's ARGV values is noted: that
 * ARGV position holds a key.  Later calls lock those ARGV values up front with KEYS (the keys
 * callback adds them), so a script that passes key names in ARGV soon runs with all its keys
 * locked from the start, never starting over and never waiting mid-run.  Server-wide (one
 * mutex), at most LEARN_MAX positions per script, and only while some script was noted.
 */
#ifndef KEEL_SCRIPTING_LEARN_H
#define KEEL_SCRIPTING_LEARN_H

#include <keel/sdk.h>
#include <stdint.h>

#define LEARN_MAX 32

/* Notes that ARGV[index] (1-based) of script or function id held a key. */
void learn_note(const char *id, uint32_t index);
/* The ARGV positions noted for id (1-based, ascending) into idx[max]: how many. */
int learn_positions(const char *id, uint32_t *idx, int max);
/* Scripts with notes (INFO). */
uint64_t learn_count(void);
/* Frees everything (module fini). */
void learn_free(void);

#endif

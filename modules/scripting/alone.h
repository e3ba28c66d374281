/* alone.h -- which scripts must run alone.
 *
 * A script that touches keys it does not declare (bullmq's scripts build job keys from an ARGV
 * prefix) cannot know them before it runs.  Until it has written, meeting one that another
 * process holds makes it start over, alone (every other process's keys given back first, no
 * one taking keys until it ends: keel_proc_restart_alone), as every script runs in Redis's one
 * thread.  After writing it could only wait, and two such scripts can wait for each other: so a
 * script seen touching an undeclared key runs alone from its next run on.  A script that
 * declares its keys runs side by side with everything else, from its first run; the first run
 * of one that does not is the one that may still wait (at most busy-reply-threshold, then it
 * fails).  Read-only runs never need it (they can always start over).  Server-wide, by script
 * SHA-1 or function name. */
#ifndef KEEL_SCRIPTING_ALONE_H
#define KEEL_SCRIPTING_ALONE_H

#include <stdbool.h>
#include <stdint.h>

/* The key a script or function id is known by here (a hash: computed once per run). */
uint64_t alone_key(const char *id);
/* What is known of the id of key: no run seen to its end yet, seen staying within its declared
 * keys, or seen touching a key it did not declare (it must run alone). */
enum alone_verdict { ALONE_UNKNOWN = 0, ALONE_SAFE = 1, ALONE_NEEDED = 2 };
enum alone_verdict alone_verdict(uint64_t key);
/* Notes how a run of the id of key ended: whether it touched a key it did not declare. */
void alone_note(uint64_t key, bool undeclared);
/* Scripts known to need it (INFO scripts_alone). */
unsigned long alone_count(void);
/* Forgets everything (SCRIPT FLUSH, module fini). */
void alone_forget(void);

#endif

/* running.h -- every script and function running now, on any thread (one mutex), so SCRIPT KILL
 * and FUNCTION KILL reach a busy one wherever it runs; and the module's counters for INFO.
 */
#ifndef KEEL_SCRIPTING_RUNNING_H
#define KEEL_SCRIPTING_RUNNING_H

#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdint.h>

struct script_run;

void running_add(struct script_run *run);
void running_remove(struct script_run *run); /* no-op when not listed */

/* What SCRIPT KILL (function false) or FUNCTION KILL (true) did. */
typedef enum kill_result {
    KILL_OK,         /* asked every killable busy run of that kind to stop */
    KILL_NOTBUSY,    /* no run is busy */
    KILL_UNKILLABLE, /* the busy runs have written */
    KILL_WRONG_KIND  /* the busy run is of the other kind (BUSY ... use the other KILL) */
} kill_result;
kill_result running_kill(bool function);
/* FUNCTION STATS's running_script: replies a map of the busy function's name, command and
 * duration_ms, or nil when no function is busy. */
void running_reply_busy_function(keel_proc *p);

/* Counters (relaxed atomics), shown in INFO's Scripting section. */
typedef struct script_stats {
    _Atomic uint64_t runs;        /* scripts and functions started */
    _Atomic uint64_t undeclared;  /* runs that touched a key they had not declared */
    _Atomic uint64_t restarts;    /* ... and started over to lock one up front */
    _Atomic uint64_t after_write; /* ... and took one after writing (no start over then) */
    _Atomic uint64_t undone;      /* ... and put their writes back to start over */
    _Atomic uint64_t killed;      /* runs SCRIPT KILL / FUNCTION KILL stopped */
    _Atomic uint64_t busy;        /* runs that went past busy-reply-threshold */
    _Atomic uint64_t yields;      /* slices a run gave up to other work */
} script_stats;
extern script_stats scripting_stats;

/* INFO's Scripting section. */
void running_info(keel_buf *out);

#endif

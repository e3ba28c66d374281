/* library.h -- Redis 7 function libraries: the server-wide registry (one mutex) of every library
 * FUNCTION LOAD accepted (its name, code, and functions with their flags), and loading a
 * library's code into a thread's Lua state, where redis.register_function collects its
 * functions.  Each thread loads a library into its own state the first time one of its
 * functions is called there (and again after it was replaced).
 *
 * A library's code starts with "#!lua name=<library>".  While it loads, its globals are only
 * `redis` with register_function, log and the constants; once loaded, its functions see the
 * globals scripts see.
 */
#ifndef KEEL_SCRIPTING_LIBRARY_H
#define KEEL_SCRIPTING_LIBRARY_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct script_vm;

#define LIB_FN_NO_WRITES 1u

/* What FCALL needs to know about a function (copied out of the registry). */
typedef struct lib_fn_ref {
    char library[128];
    char function[128];
    uint64_t version; /* the library's load: a new one after REPLACE */
    unsigned flags;   /* LIB_FN_* */
} lib_fn_ref;

/* Validates code (on the calling thread's state) and registers its library: KEEL_OK with the
 * library's name replied, else an error replied.  replace: REPLACE given. */
keel_status library_load(keel_proc *p, const char *code, size_t len, bool replace);
/* FUNCTION DELETE: false when there is no such library. */
bool library_delete(const char *name, size_t len);
/* FUNCTION FLUSH. */
void library_flush(void);
/* FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]: replies the list. */
void library_list(keel_proc *p, const char *pattern, size_t plen, bool withcode);
/* FUNCTION DUMP: replies the payload. */
void library_dump(keel_proc *p);
/* FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (policy 'F', 'A', 'R'): replies. */
keel_status library_restore(keel_proc *p, const char *payload, size_t len, char policy);
/* Finds the function called name: false when there is none. */
bool library_find(const char *name, size_t len, lib_fn_ref *out);
/* Pushes the callable for ref onto vm->L, loading its library there when needed: true; false
 * after replying an error. */
bool library_push_function(keel_proc *p, struct script_vm *vm, const lib_fn_ref *ref);
/* Libraries and functions registered (INFO, FUNCTION STATS). */
void library_counts(uint64_t *libraries, uint64_t *functions, uint64_t *bytes);
/* Frees the registry (module fini). */
void library_free_all(void);

#endif

/* blob_walk.h -- turning every value of some types into opaque blobs (a module about to be
 * unloaded) or back into live objects (its module loaded again), on every shard, in every
 * database and namespace, and in the background-free queues.  Run with every other worker
 * parked (quiesce.h): it touches every thread's tables. */
#ifndef KEEL_CORE_BLOB_WALK_H
#define KEEL_CORE_BLOB_WALK_H

#include <stdbool.h>
#include <stddef.h>

struct keel_module;

/* Saves every value of m's types into a blob and frees the object with the module's free op.
 * False, changing nothing, when a save op fails (err says which type); *converted counts them. */
bool blob_walk_to_blobs(const struct keel_module *m, size_t *converted, char *err, size_t cap);
/* Loads every blob of a type marked revive with its (new) module's load op; a blob that does
 * not load is deleted and logged.  Returns the values made live. */
size_t blob_walk_revive(void);

#endif

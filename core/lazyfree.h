/* lazyfree.h -- freeing big values without stalling a thread: a deleted value too big to free
 * in one go is queued on its owner thread and freed a slice per loop tick (DEL of a namespace
 * with a million keys returns at once; the memory comes back over the next milliseconds). */
#ifndef KEEL_CORE_LAZYFREE_H
#define KEEL_CORE_LAZYFREE_H

#include <stdbool.h>
#include <stdint.h>

struct thr;
struct dk_table;

/* Frees obj of the given type now, or queues it on the current thread when it is big (its
 * type's memory_usage above a threshold) and a worker thread is running. */
void lazy_free(uint16_t type, void *obj);
/* Frees queued values for up to budget_ns on thread t (its tick). */
void lazy_free_run(struct thr *t, int64_t budget_ns);
/* Frees everything still queued on t (shutdown). */
void lazy_free_drain(struct thr *t);

/* With every other worker parked (blob_walk.c): offers each of t's queued values to take,
 * which frees it and returns true or leaves it queued, and calls fn with the table of every
 * namespace still queued (its keys are freed later, by their types' ops as they are then). */
void lazy_free_module_values(struct thr *t, bool (*take)(void *arg, uint16_t type, void *obj),
                             void (*fn)(void *arg, struct dk_table *table), void *arg);

#endif

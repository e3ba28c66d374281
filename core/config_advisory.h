/* config_advisory.h -- Redis's tuning parameters that Keel's own layouts make moot (listpack and
 * intset thresholds, hz, lazyfree switches ...): CONFIG SET checks and stores them as Redis 7.0
 * would, CONFIG GET shows them, nothing else reads them.  Test harnesses and tools set them. */
#ifndef KEEL_CORE_CONFIG_ADVISORY_H
#define KEEL_CORE_CONFIG_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>

/* How many there are, and the i-th one's name and current value (as CONFIG GET shows it). */
size_t advisory_count(void);
const char *advisory_name(size_t i);
void advisory_get(size_t i, char *out, size_t cap);
/* The index of the parameter called name (any case), or -1. */
long advisory_find(const char *name);
/* Checks value as Redis does and stores it; NULL, or Redis's reason for refusing it. */
const char *advisory_set(size_t i, const char *value);

#endif

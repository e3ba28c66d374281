/* item_size.h -- the largest value a store may carry: memcached's -I (item_size_max), set per
 * network with the option "memcache.item_size_max" ("2m", "512k", "1g", or bytes). */
#ifndef MC_ITEM_SIZE_H
#define MC_ITEM_SIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

#define MC_ITEM_SIZE_OPTION "memcache.item_size_max"

/* memcached's bounds for -I. */
#define MC_ITEM_SIZE_MIN 1024u
#define MC_ITEM_SIZE_LIMIT (1024u * 1024u * 1024u)

/* Reads an item size as memcached's -I does (digits, optionally followed by k, m or g in either
 * case).  False unless it is MC_ITEM_SIZE_MIN .. MC_ITEM_SIZE_LIMIT bytes. */
bool mc_item_size_parse(const char *text, uint64_t *out);

/* The limit a text gives: its size, or MC_ITEM_SIZE_MAX (wire.h) when it is NULL or invalid. */
uint64_t mc_item_size_or_default(const char *text);

/* The limit of the process's connection (its network's option when the request came). */
static inline uint64_t mc_item_size_max(keel_proc *p) {
    return mc_item_size_or_default(keel_proc_option(p, MC_ITEM_SIZE_OPTION));
}

#endif

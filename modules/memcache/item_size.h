/* item_size.h -- the largest value a store may carry on the process's connection: memcached's -I
 * (item_size_max), set per network with the option MC_ITEM_SIZE_OPTION (<keel/memcache.h>). */
#ifndef MC_ITEM_SIZE_H
#define MC_ITEM_SIZE_H

#include <stdint.h>
#include <keel/memcache.h>
#include <keel/sdk.h>

/* The limit of the process's connection (its network's option when the request came). */
static inline uint64_t mc_item_size_max(keel_proc *p) {
    return mc_item_size_or_default(keel_proc_option(p, MC_ITEM_SIZE_OPTION));
}

#endif

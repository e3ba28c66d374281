/* cache.h -- the server-wide script cache: every script body EVAL ran or SCRIPT LOAD loaded, by its
 * SHA-1, shared by every thread (a mutex), so EVALSHA works on any thread after SCRIPT LOAD on
 * another.  Each thread compiles what it runs into its own Lua state (vm.h); SCRIPT FLUSH bumps a
 * generation that makes every thread drop its compiled copies.
 */
#ifndef KEEL_SCRIPTING_CACHE_H
#define KEEL_SCRIPTING_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Adds body under sha (40 hex digits) unless it is there already. */
void cache_add(const char *sha, const char *body, size_t len);
/* True when sha is cached. */
bool cache_has(const char *sha);
/* Copies the body cached under sha into a keel_alloc'd buffer (*body, *len; the caller frees it
 * with keel_free): false when there is none. */
bool cache_get(const char *sha, char **body, size_t *len);
/* Forgets every script and bumps the generation. */
void cache_flush(void);
/* The generation: changes at each flush. */
uint64_t cache_generation(void);
/* Scripts cached and the bytes of their bodies (INFO). */
void cache_stats(uint64_t *count, uint64_t *bytes);
/* Frees everything (module fini). */
void cache_free(void);

#endif

/* map.h -- what every hash command shares: reaching the fields of the map named by argv[1] (a
 * namespace one level below the connection's), the errors, and storing field values.
 *
 * A map is a namespace: HSET m f v is NS m + SET f v, and HGETALL m lists namespace m.  A hash
 * command opens its map with map_open (which checks the name and the type, then pushes the
 * map's name so that keyspace calls address its fields), works on fields with the ordinary
 * keyspace calls, and closes it with map_close before returning, whatever it returns: the push
 * never survives a yield, a hop or a wait, so a re-run starts from a clean process.
 */
#ifndef KEEL_MAPS_MAP_H
#define KEEL_MAPS_MAP_H

#include <stdbool.h>
#include <keel/sdk.h>

/* Reductions charged per entry a scan visits, on top of the one keel_key_scan charges: visiting
 * an entry of a big table costs about 0.4 us here (cache misses), and replying it as much again,
 * while a reduction is meant to be about 50 ns (a slice of 20,000 = about 1 ms). */
#define MAP_ENTRY_COST 8

/* Opens the map at argv[1]: refuses a name no namespace can have, looks the key up (a key
 * holding another type is a WRONGTYPE error) and pushes it.  Returns KEEL_NEXT with the map
 * pushed and *exists telling whether it exists now; anything else (KEEL_HOP, KEEL_BLOCK, or
 * KEEL_FAIL with the error replied) is what the opcode returns, with nothing pushed. */
keel_op_result map_open(keel_proc *p, bool *exists);

/* Undoes map_open's push. */
void map_close(keel_proc *p);

/* Looks up the map argv[1] without opening it: KEEL_NEXT with *exists, or what to return
 * (KEEL_HOP, KEEL_BLOCK, KEEL_FAIL after the WRONGTYPE / name error). */
keel_op_result map_check(keel_proc *p, bool *exists);

/* Replies the WRONGTYPE error; returns KEEL_FAIL. */
keel_op_result map_wrongtype(keel_proc *p);

/* Replies "ERR out of memory" (a failed store); returns KEEL_FAIL. */
keel_op_result map_store_failed(keel_proc *p);

/* Replies Redis's arity error for the command; returns KEEL_FAIL. */
keel_op_result map_arity_error(keel_proc *p);

/* Stores text s[0..n) as field f of the open map, as the most compact exact box; flags as
 * keel_key_store.  Returns the store's status. */
keel_status map_store_text(keel_proc *p, const keel_arg *f, const char *s, size_t n,
                           unsigned flags);

/* Deletes the map argv[1] (not open) when it holds no live field, as Redis deletes a hash
 * whose last field goes.  Looks at it a slice at a time with its scan cursor in *reg (start
 * with DK_NULL; the caller keeps it in a register across re-runs).  KEEL_NEXT when done,
 * else KEEL_YIELD / KEEL_HOP / KEEL_BLOCK to return. */
keel_op_result map_drop_if_empty(keel_proc *p, dk_val *reg);

#endif

/* names.h -- which names may name a namespace, and the error a client sees for the others.
 *
 * Every name is literal: "..", ".", "/", names with NUL bytes are just names, so nothing a
 * client writes can reach a parent or a sibling of its namespace.  Only empty names and names
 * longer than MAP_NAME_MAX bytes are refused (the core refuses the same ones).
 */
#ifndef KEEL_MAPS_NAMES_H
#define KEEL_MAPS_NAMES_H

#include <stdbool.h>
#include <keel/sdk.h>

/* The longest namespace (or map) name, as the core's namespaces accept it. */
#define MAP_NAME_MAX 512

/* True when name may name a namespace. */
static inline bool map_name_ok(const keel_arg *name) {
    return name->len > 0 && name->len <= MAP_NAME_MAX;
}

/* Replies the error for a name map_name_ok refused ("ERR invalid namespace name: ...", what
 * says "namespace" or "map"); returns KEEL_FAIL. */
keel_op_result map_name_error(keel_proc *p, const keel_arg *name, const char *what);

/* Replies "ERR namespace nesting is limited to N levels" (the core answered KEEL_EDEPTH to
 * entering or pushing a namespace); returns KEEL_FAIL. */
keel_op_result map_depth_error(keel_proc *p);

#endif

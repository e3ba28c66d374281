/* module.c -- btree.so: Keel's B-tree type, an ordered table of rows under one key.  The
 * descriptor, the one symbol it exports.
 *
 * Commands: BTSET BTSETF BTDEL BTDELRANGE BTGET BTCARD BTRANK BTRANGE BTCOUNT BTAGG BTTOP
 * (docs/commands-btree.md).  Rows are ordered by a typed sort key (numbers numerically, then
 * bytes); a row's value is a box or a small record of named fields.  Ranges, filters,
 * aggregations and top-N run on the owning shard and yield on long ranges with the key locked.
 * A table is a dk_map (datakit/map.h) of sort key -> row (rows encoded in btobj.h).
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(3, "btree", KEEL_VERSION, "B-tree tables: BTSET BTRANGE BTAGG BTTOP ...",
                  bt_register, bt_unregister);

/* module.c -- hll.so: HyperLogLog cardinality sketches, byte-compatible with Redis's.  The
 * descriptor, the one symbol it exports.
 *
 * Commands: PFADD (alias HLLADD), PFCOUNT (HLLCOUNT; several keys: the count of their union),
 * PFMERGE (HLLMERGE), with Redis's hash, registers, encodings and estimator, so every count
 * equals Redis's for the same elements.  Keel's differences (docs/commands-hll.md):
 *   - the type is "hll" (TYPE; Redis says "string"), and GET replies the count;
 *   - PFMERGE replies the merged count where Redis replies OK; HLL.MERGEREPLY OK switches the
 *     server to Redis's reply;
 *   - PFADD of a million elements and PFCOUNT/PFMERGE over many keys yield between slices and
 *     are atomic across shards.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(3, "hll", KEEL_VERSION, "HyperLogLog: PFADD PFCOUNT PFMERGE (HLLADD ...)",
                  pf_register, NULL);

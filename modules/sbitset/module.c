/* module.c -- sbitset.so: sparse bitsets over the signed 64-bit position range, on datakit's
 * dk_sbitset (roaring-like 2^16-bit containers).  The descriptor, the one symbol it exports.
 *
 * Commands: SSETBIT SGETBIT SBITCOUNT SBITPOS SBITOP (Redis's bitmap verbs under Keel names),
 * SBITRANK SBITSELECT (rank and select) and SBITSCAN (set positions from a cursor that stays
 * valid across changes).  The type is "sbitset"; docs/commands-sbitset.md is the reference.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(3, "sbitset", KEEL_VERSION,
                  "sparse bitsets: SSETBIT SBITCOUNT SBITOP SBITRANK ...", sbs_register, NULL);

/* module.c -- strings.so: Keel's string values.  The descriptor, the one symbol it exports.
 *
 * Commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND PREPEND
 * STRLEN (COUNTBYTES) COUNTUTF8CODEPOINTS GETRANGE (SUBSTR) SETRANGE INCR DECR INCRBY DECRBY
 * DECRBYFLOOR INCRBYFLOAT CAS SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO LCS, with
 * Redis's semantics and error texts except for Keel's extensions (docs/commands-strings.md has
 * the details):
 *   - INCR, DECR, INCRBY, DECRBY take int64, uint64 and double operands.  Integer results that
 *     fit int64 behave exactly as in Redis; a result above INT64_MAX that fits uint64 is kept
 *     (Redis errors); any double operand (INCRBY k 1.5, or a stored "2.5" or "1e3") gives a
 *     double result, replied as a double.  "increment or decrement would overflow" only when
 *     an integer result leaves both ranges.
 *   - DECRBYFLOOR key n: DECRBY that stops at 0 (memcached's decr).
 *   - CAS key new old, and SET ... COMPARE old: write only when the key holds exactly old.
 *   - PREPEND: APPEND at the front.  COUNTUTF8CODEPOINTS: code points, an invalid byte counts
 *     as one.
 * Values are stored as the most compact box that gives back the same bytes (value.h).
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(4, "strings", KEEL_VERSION, "string values: GET SET INCRBY APPEND ...",
                  str_register, NULL);

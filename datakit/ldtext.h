/* ldtext.h -- long doubles as Redis reads and writes them (INCRBYFLOAT, HINCRBYFLOAT): strtold
 * over the whole text, and "%.17Lf" with trailing zeros removed. */
#ifndef DATAKIT_LDTEXT_H
#define DATAKIT_LDTEXT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest text dk_ld_format writes and the longest dk_ld_parse takes, plus one (Redis's
 * MAX_LONG_DOUBLE_CHARS). */
#define DK_LD_TEXT 5120

/* Parses s[0..n) as Redis's string2ld does: strtold over the whole text, no leading space, no
 * trailing junk, no NaN, no overflow.  False otherwise. */
bool dk_ld_parse(const char *s, size_t n, long double *out);

/* Writes v as Redis's ld2string(LD_STR_HUMAN) does ("%.17Lf", trailing zeros and dot removed,
 * "-0" as "0") into out (DK_LD_TEXT bytes, not NUL-terminated); returns the length, 0 when it
 * does not fit. */
size_t dk_ld_format(long double v, char *out);

#ifdef __cplusplus
}
#endif

#endif

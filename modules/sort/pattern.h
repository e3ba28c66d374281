/* pattern.h -- SORT's BY and GET patterns: the first '*' stands for the element, and a "->field"
 * after it names a hash field (Redis's lookupKeyByPattern). */
#ifndef KEEL_SORT_PATTERN_H
#define KEEL_SORT_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/sdk.h>

typedef enum { PAT_ELEMENT, PAT_NONE, PAT_KEY, PAT_FIELD } pat_kind;

/* What pattern pat makes of element e: PAT_ELEMENT for "#" (the element itself), PAT_NONE when
 * it has no '*' (nothing: nil), else the key (and, PAT_FIELD, the hash field) to read, the key
 * built in `key` (arena memory of p). */
pat_kind sort_pattern(keel_proc *p, const keel_arg *pat, const char *e, size_t elen, keel_arg *key,
                      keel_arg *field);

#endif

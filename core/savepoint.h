/* savepoint.h -- Redis's "save" setting: pairs of seconds and changes ("3600 1 300 100"); a
 * snapshot starts once, for some pair, that many seconds passed since the last save and at least
 * that many changes were made. */
#ifndef KEEL_CORE_SAVEPOINT_H
#define KEEL_CORE_SAVEPOINT_H

#include <stddef.h>
#include <stdint.h>

#define SAVEPOINT_MAX 16

typedef struct savepoint {
    int64_t secs;
    int64_t changes;
} savepoint;

/* Parses a "save" value: "" (no save points) or whitespace-separated pairs of positive integers
 * "seconds changes ...".  Returns how many pairs (0 for ""), or -1 for anything else (an odd
 * count, a word that is not an integer, a number out of range, more than max pairs). */
int savepoint_parse(const char *s, savepoint *out, int max);

/* The setting's text as CONFIG GET answers it ("3600 1 300 100", "" for none). */
void savepoint_format(const savepoint *p, int n, char *out, size_t cap);

#endif

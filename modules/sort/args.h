/* args.h -- SORT / SORT_RO options, parsed and checked as Redis 7.0 does. */
#ifndef KEEL_SORT_ARGS_H
#define KEEL_SORT_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

/* The most GET patterns one SORT takes (Redis has no limit; this bounds a reply's width). */
#define SORT_MAX_GETS 256

typedef struct sort_args {
    const keel_arg *by; /* BY pattern, or NULL */
    bool nosort;        /* a BY pattern without '*': keep the source's order */
    bool alpha, desc;
    bool limit;
    int64_t offset, count;
    uint32_t ngets;
    uint32_t gets[SORT_MAX_GETS]; /* argv indexes of the GET patterns */
    int32_t store;                /* argv index of the STORE destination, or -1 */
} sort_args;

/* Parses argv[2..argc) into *a (SORT_RO: store refused).  False with the error replied. */
bool sort_parse(keel_proc *p, bool read_only, sort_args *a);

/* Key positions for the command table: the source, and STORE's destination. */
int sort_keys(int argc, const keel_arg *argv, int *pos, int max);

#endif

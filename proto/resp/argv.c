/* argv.c -- the parser's argument vector and scratch bytes: growth and trimming. */
#include <keel/sdk.h>
#include "argv.h"

#define ARGV_MIN 16

bool resp_argv_reserve(resp_parser *ps, size_t n) {
    if (n <= ps->argv_cap) return true;
    if (n > RESP_MAX_MULTIBULK) return false;
    size_t cap = ps->argv_cap ? ps->argv_cap : ARGV_MIN;
    while (cap < n)
        cap *= 2;
    if (cap > RESP_MAX_MULTIBULK) cap = RESP_MAX_MULTIBULK;
    keel_arg *a = keel_realloc(ps->argv, cap * sizeof *a);
    if (!a) return false;
    ps->argv = a;
    ps->argv_cap = (uint32_t)cap;
    return true;
}

bool resp_scratch_reserve(resp_parser *ps, size_t n) {
    if (n <= ps->scratch_cap) return true;
    char *s = keel_alloc(n);
    if (!s) return false;
    if (ps->scratch) keel_free(ps->scratch);
    ps->scratch = s;
    ps->scratch_cap = n;
    return true;
}

void resp_parser_trim(resp_parser *ps) {
    if (ps->phase != RESP_PHASE_IDLE) return;
    if (ps->argv_cap > RESP_ARGV_KEEP) {
        keel_free(ps->argv);
        ps->argv = NULL;
        ps->argv_cap = 0;
    }
    if (ps->scratch_cap > RESP_SCRATCH_KEEP) {
        keel_free(ps->scratch);
        ps->scratch = NULL;
        ps->scratch_cap = 0;
    }
}

void resp_parser_release(resp_parser *ps, uint64_t tag) {
    if (ps->seq && tag >> RESP_TAG_SEQ_SHIFT == ps->seq) resp_parser_trim(ps);
}

void resp_parser_free(resp_parser *ps) {
    if (ps->argv) keel_free(ps->argv);
    if (ps->scratch) keel_free(ps->scratch);
    ps->argv = NULL;
    ps->argv_cap = 0;
    ps->scratch = NULL;
    ps->scratch_cap = 0;
    ps->phase = RESP_PHASE_IDLE;
}

/* meta.h -- the meta protocol's flags: reading a command's flags from its arguments, and
 * writing the flags its reply returns, in the order the request gave them. */
#ifndef MC_META_H
#define MC_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

/* A meta command's flags.  Absent token flags keep the defaults mc_meta_read sets. */
typedef struct mc_meta {
    uint64_t seen;         /* one bit per flag letter given (mc_meta_has) */
    const keel_arg *flags; /* the flag arguments, in request order */
    uint32_t nflags;
    keel_arg opaque;       /* O */
    int64_t ttl;           /* T: new exptime */
    int64_t vivify;        /* N: exptime of an item created on a miss */
    int64_t recache;       /* R: win the recache token below this TTL */
    uint64_t compare;      /* C: the CAS unique the item must have */
    uint64_t explicit_cas; /* E: the CAS unique to give the item */
    uint32_t client_flags; /* F */
    uint64_t delta;        /* D (default 1) */
    uint64_t initial;      /* J (default 0) */
    char mode;             /* M's letter, 0 when absent */
} mc_meta;

static inline int mc_meta_bit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return 26 + c - 'a';
    return -1;
}

/* True when flag letter c was given. */
static inline bool mc_meta_has(const mc_meta *m, char c) {
    int b = mc_meta_bit(c);
    return b >= 0 && (m->seen >> b & 1);
}

/* Reads the flags argv[first..argc) of p, allowing the letters in `allowed` (P and L are
 * always allowed and ignored).  Replies memcached's error and returns false on an unknown or
 * repeated flag, a bad token, or an opaque longer than MC_OPAQUE_MAX. */
bool mc_meta_read(keel_proc *p, uint32_t first, const char *allowed, mc_meta *m);

/* What a reply's flags can report about the item. */
typedef struct mc_meta_item {
    const keel_arg *key; /* the key (binary when the request had b) */
    uint64_t cas;
    uint32_t client_flags;
    int64_t ttl; /* seconds left, -1 for none */
    size_t size; /* value bytes */
} mc_meta_item;

/* Room for a reply's flags text. */
#define MC_META_TEXT 1024

/* Writes the return flags the request asked for and `which` allows (letters among O k c f s t;
 * k comes with " b" when the key is base64), separated by spaces, in request order.  Returns
 * the length (no NUL). */
size_t mc_meta_text(const mc_meta *m, const char *which, const mc_meta_item *it, char *out);

/* Appends " X" style flags (single letters) to a flags text of length n; returns the length. */
size_t mc_meta_append(char *out, size_t n, char letter);

/* Replies [status, flags text] or, with a value, [status, flags text, value]. */
void mc_meta_reply(keel_proc *p, int status, const char *text, size_t n, const char *value,
                   size_t vlen, bool with_value);

#endif

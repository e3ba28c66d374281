/* opts.h -- per-connection options for modules ("hll.merge_reply" = "ok" ...): a network's
 * "options" in the config give every connection its starting set; a command on the connection's
 * thread may change its own; every process carries a reference to the set its connection had
 * when the request came, so a keyed command running on another thread reads it safely.  Sets are
 * immutable and shared; a change makes a new one. */
#ifndef KEEL_CORE_OPTS_H
#define KEEL_CORE_OPTS_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct opt_pair {
    const char *name;
    const char *value;
} opt_pair;

typedef struct opt_set {
    _Atomic int refs;
    size_t n;
    opt_pair pairs[]; /* strings follow the array */
} opt_set;

/* A new set: base (may be NULL) with name set to value (NULL removes it). */
opt_set *opt_set_with(const opt_set *base, const char *name, const char *value);
opt_set *opt_ref(opt_set *s);
void opt_unref(opt_set *s);
/* The value of name in s (s may be NULL), or NULL. */
const char *opt_get(const opt_set *s, const char *name);

#endif

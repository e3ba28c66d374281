/* opts.c -- immutable, reference-counted option sets (see opts.h). */
#include "config.h"
#include "opts.h"
#include "mem.h"

#include <string.h>

opt_set *opt_set_with(const opt_set *base, const char *name, const char *value) {
    size_t n = 0, bytes = 0;
    for (size_t i = 0; base && i < base->n; i++) {
        if (strcmp(base->pairs[i].name, name) == 0) continue;
        n++;
        bytes += strlen(base->pairs[i].name) + strlen(base->pairs[i].value) + 2;
    }
    if (value) {
        n++;
        bytes += strlen(name) + strlen(value) + 2;
    }
    opt_set *s = mem_alloc(sizeof *s + sizeof s->pairs[0] * n + bytes);
    atomic_store(&s->refs, 1);
    s->n = 0;
    char *w = (char *)&s->pairs[n];
    for (size_t i = 0; i <= (base ? base->n : 0); i++) {
        const char *k, *v;
        if (base && i < base->n) {
            k = base->pairs[i].name;
            v = base->pairs[i].value;
            if (strcmp(k, name) == 0) continue;
        } else if (value) {
            k = name;
            v = value;
        } else {
            break;
        }
        size_t kl = strlen(k) + 1, vl = strlen(v) + 1;
        memcpy(w, k, kl);
        memcpy(w + kl, v, vl);
        s->pairs[s->n].name = w;
        s->pairs[s->n].value = w + kl;
        s->n++;
        w += kl + vl;
    }
    return s;
}

opt_set *opt_ref(opt_set *s) {
    if (s) atomic_fetch_add(&s->refs, 1);
    return s;
}

void opt_unref(opt_set *s) {
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) mem_free(s);
}

const char *opt_get(const opt_set *s, const char *name) {
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->pairs[i].name, name) == 0) return s->pairs[i].value;
    return NULL;
}

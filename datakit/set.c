/* set.c -- dk_set: intset tier, then the general sorted tier (see set.h). */
#include <datakit/set.h>

#include <math.h>

#include <datakit/intset.h>
#include <datakit/mem.h>
#include <datakit/sorted.h>

struct dk_set {
    dk_intset *ints;    /* integer tier when not NULL */
    dk_sorted gen;      /* general tier (empty while ints is set) */
    uint32_t version;   /* modification count across both tiers, for cursors */
};

/* The int64 value of an integer-typed member. */
static bool int_member(const dk_val *m, int64_t *out) {
    if (m->type == DK_I64) {
        *out = m->v.i;
        return true;
    }
    if (m->type != DK_U64 && m->type != DK_I128 && m->type != DK_U128)
        return false;
    dk_val n = dk_val_normalize(m);
    if (n.type != DK_I64)
        return false;
    *out = n.v.i;
    return true;
}

/* The int64 a member equals by value (integers, and reals with an exact int64 value). */
static bool int_value(const dk_val *m, int64_t *out) {
    if (int_member(m, out))
        return true;
    if (!dk_is_real(m))
        return false;
    double d = m->type == DK_F32 ? (double)m->v.f : m->v.d;
    if (!(d >= -0x1p63 && d < 0x1p63) || d != floor(d))
        return false;
    *out = (int64_t)d;
    return true;
}

dk_set *dk_set_new(void) {
    dk_set *s = dk_calloc(1, sizeof *s);
    if (s)
        dk_sorted_init(&s->gen, false);
    return s;
}

void dk_set_clear(dk_set *s) {
    dk_intset_free(s->ints);
    s->ints = NULL;
    dk_sorted_clear(&s->gen);
    s->version++;
}

void dk_set_free(dk_set *s) {
    if (!s)
        return;
    dk_set_clear(s);
    dk_free(s);
}

size_t dk_set_count(const dk_set *s) {
    return s->ints ? dk_intset_count(s->ints) : dk_sorted_count(&s->gen);
}

size_t dk_set_bytes(const dk_set *s) {
    return dk_mem_footprint(s) + (s->ints ? dk_intset_bytes(s->ints) : 0) +
           dk_sorted_bytes(&s->gen);
}

bool dk_set_is_intset(const dk_set *s) { return s->ints != NULL; }

/* Moves every member of the integer tier into the general tier. */
static bool to_general(dk_set *s) {
    dk_iter it = dk_iter_at(0);
    int64_t x;
    while (dk_intset_next(s->ints, &it, &x)) {
        dk_val v = dk_i64(x);
        if (dk_sorted_put(&s->gen, &v, NULL, false) < 0) {
            dk_sorted_clear(&s->gen);
            return false;
        }
    }
    dk_intset_free(s->ints);
    s->ints = NULL;
    return true;
}

int dk_set_add(dk_set *s, const dk_val *m) {
    int64_t x;
    int r;
    if (m->type == DK_PTR)
        return -1;
    if (!s->ints && dk_sorted_count(&s->gen) == 0 && int_member(m, &x)) {
        if (!(s->ints = dk_intset_new()))
            return -1;
    }
    if (s->ints) {
        if (int_member(m, &x)) {
            r = dk_intset_add(s->ints, x);
            if (r < 0 && dk_intset_count(s->ints) == 0) {
                dk_intset_free(s->ints);
                s->ints = NULL;
            }
            s->version += r > 0;
            return r;
        }
        if (int_value(m, &x) && dk_intset_contains(s->ints, x))
            return 0;
        if (!to_general(s))
            return -1;
        s->version++;
    }
    r = dk_sorted_put(&s->gen, m, NULL, false);
    s->version += r > 0;
    return r;
}

bool dk_set_remove(dk_set *s, const dk_val *m) {
    int64_t x;
    bool ok;
    if (s->ints) {
        ok = int_value(m, &x) && dk_intset_remove(s->ints, x);
        if (ok && dk_intset_count(s->ints) == 0) {
            dk_intset_free(s->ints);
            s->ints = NULL;
        }
    } else {
        ok = dk_sorted_del(&s->gen, m);
    }
    s->version += ok;
    return ok;
}

bool dk_set_contains(const dk_set *s, const dk_val *m) {
    int64_t x;
    if (s->ints)
        return int_value(m, &x) && dk_intset_contains(s->ints, x);
    return dk_sorted_get(&s->gen, m, NULL);
}

bool dk_set_at(const dk_set *s, uint64_t r, dk_val *out) {
    if (s->ints) {
        int64_t x;
        if (!dk_intset_at(s->ints, r, &x))
            return false;
        *out = dk_i64(x);
        return true;
    }
    return dk_sorted_at(&s->gen, r, out, NULL);
}

bool dk_set_random(const dk_set *s, uint64_t rnd, dk_val *out) {
    size_t n = dk_set_count(s);
    return n && dk_set_at(s, rnd % n, out);
}

bool dk_set_next(const dk_set *s, dk_iter *it, dk_val *out) {
    if (it->pos >= dk_set_count(s))
        return false;
    /* The cursor carries the set's version; hand the tier its own so its cache check agrees
     * exactly when the set is unchanged. */
    if (it->version != s->version)
        it->valid = 0;
    it->version = s->ints ? dk_intset_version(s->ints) : s->gen.version;
    bool ok;
    if (s->ints) {
        int64_t x;
        ok = dk_intset_next(s->ints, it, &x);
        if (ok)
            *out = dk_i64(x);
    } else {
        ok = dk_sorted_next(&s->gen, it, out, NULL);
    }
    it->version = s->version;
    return ok;
}

int dk_set_subset_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget) {
    if (dk_set_count(a) > dk_set_count(b))
        return 0;
    dk_val x;
    while (*budget > 0) {
        if (!dk_set_next(a, it, &x))
            return 1;
        (*budget)--;
        if (!dk_set_contains(b, &x))
            return 0;
    }
    return -1;
}

int dk_set_equal_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget) {
    if (dk_set_count(a) != dk_set_count(b))
        return 0;
    return dk_set_subset_step(a, b, it, budget);
}

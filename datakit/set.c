/* set.c -- dk_set: intset tier, then the general sorted tier (see set.h). */
#include <datakit/set.h>

#include <math.h>

#include <datakit/intset.h>
#include <datakit/intset_int.h>
#include <datakit/mem.h>
#include <datakit/sorted.h>

struct dk_set {
    union {
        dk_intset ints; /* integer tier, inline (no handle of its own) */
        dk_sorted gen;  /* general tier; an empty set is an empty general tier */
    } u;
    uint32_t version; /* modification count across both tiers, for cursors */
    bool is_int;
};

/* The int64 value of an integer-typed member. */
static bool int_member(const dk_val *m, int64_t *out) {
    if (m->type == DK_I64) {
        *out = m->v.i;
        return true;
    }
    if (m->type != DK_U64 && m->type != DK_I128 && m->type != DK_U128) return false;
    dk_val n = dk_val_normalize(m);
    if (n.type != DK_I64) return false;
    *out = n.v.i;
    return true;
}

/* The int64 a member equals by value (integers, and reals with an exact int64 value). */
static bool int_value(const dk_val *m, int64_t *out) {
    if (int_member(m, out)) return true;
    if (!dk_is_real(m)) return false;
    double d = m->type == DK_F32 ? (double)m->v.f : m->v.d;
    if (!(d >= -0x1p63 && d < 0x1p63) || d != floor(d)) return false;
    *out = (int64_t)d;
    return true;
}

dk_set *dk_set_new(void) {
    dk_set *s = dk_calloc(1, sizeof *s);
    if (s) dk_sorted_init(&s->u.gen, false);
    return s;
}

/* Back to an empty general tier. */
static void reset(dk_set *s) {
    if (s->is_int)
        dk_intset_destroy(&s->u.ints);
    else
        dk_sorted_clear(&s->u.gen);
    dk_sorted_init(&s->u.gen, false);
    s->is_int = false;
}

void dk_set_clear(dk_set *s) {
    reset(s);
    s->version++;
}

void dk_set_free(dk_set *s) {
    if (!s) return;
    reset(s);
    dk_free(s);
}

size_t dk_set_count(const dk_set *s) {
    return s->is_int ? dk_intset_count(&s->u.ints) : dk_sorted_count(&s->u.gen);
}

size_t dk_set_bytes(const dk_set *s) {
    return dk_mem_footprint(s) +
           (s->is_int ? dk_intset_inner_bytes(&s->u.ints) : dk_sorted_bytes(&s->u.gen));
}

bool dk_set_is_intset(const dk_set *s) {
    return s->is_int;
}

/* Moves every member of the integer tier into the general tier. */
static bool to_general(dk_set *s) {
    dk_sorted gen;
    dk_sorted_init(&gen, false);
    dk_iter it = dk_iter_at(0);
    int64_t x;
    while (dk_intset_next(&s->u.ints, &it, &x)) {
        dk_val v = dk_i64(x);
        if (dk_sorted_put(&gen, &v, NULL, false) < 0) {
            dk_sorted_clear(&gen);
            return false;
        }
    }
    dk_intset_destroy(&s->u.ints);
    s->u.gen = gen;
    s->is_int = false;
    return true;
}

int dk_set_add(dk_set *s, const dk_val *m) {
    int64_t x;
    int r;
    if (m->type == DK_PTR) return -1;
    if (!s->is_int && dk_sorted_count(&s->u.gen) == 0 && int_member(m, &x)) {
        dk_sorted_clear(&s->u.gen);
        dk_intset_init(&s->u.ints, 0);
        s->is_int = true;
    }
    if (s->is_int) {
        if (int_member(m, &x)) {
            r = dk_intset_add(&s->u.ints, x);
            if (r < 0 && dk_intset_count(&s->u.ints) == 0) reset(s);
            s->version += r > 0;
            return r;
        }
        if (int_value(m, &x) && dk_intset_contains(&s->u.ints, x)) return 0;
        if (!to_general(s)) return -1;
        s->version++;
    }
    r = dk_sorted_put(&s->u.gen, m, NULL, false);
    s->version += r > 0;
    return r;
}

bool dk_set_remove(dk_set *s, const dk_val *m) {
    int64_t x;
    bool ok;
    if (s->is_int) {
        ok = int_value(m, &x) && dk_intset_remove(&s->u.ints, x);
        if (ok && dk_intset_count(&s->u.ints) == 0) reset(s);
    } else {
        ok = dk_sorted_del(&s->u.gen, m);
    }
    s->version += ok;
    return ok;
}

bool dk_set_contains(const dk_set *s, const dk_val *m) {
    int64_t x;
    if (s->is_int) return int_value(m, &x) && dk_intset_contains(&s->u.ints, x);
    return dk_sorted_get(&s->u.gen, m, NULL);
}

bool dk_set_at(const dk_set *s, uint64_t r, dk_val *out) {
    if (s->is_int) {
        int64_t x;
        if (!dk_intset_at(&s->u.ints, r, &x)) return false;
        *out = dk_i64(x);
        return true;
    }
    return dk_sorted_at(&s->u.gen, r, out, NULL);
}

bool dk_set_random(const dk_set *s, uint64_t rnd, dk_val *out) {
    size_t n = dk_set_count(s);
    return n && dk_set_at(s, rnd % n, out);
}

bool dk_set_next(const dk_set *s, dk_iter *it, dk_val *out) {
    if (it->pos >= dk_set_count(s)) return false;
    /* The cursor carries the set's version; hand the tier its own so its cache check agrees
     * exactly when the set is unchanged. */
    if (it->version != s->version) it->valid = 0;
    it->version = s->is_int ? dk_intset_version(&s->u.ints) : s->u.gen.version;
    bool ok;
    if (s->is_int) {
        int64_t x;
        ok = dk_intset_next(&s->u.ints, it, &x);
        if (ok) *out = dk_i64(x);
    } else {
        ok = dk_sorted_next(&s->u.gen, it, out, NULL);
    }
    it->version = s->version;
    return ok;
}

int dk_set_subset_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget) {
    if (dk_set_count(a) > dk_set_count(b)) return 0;
    dk_val x;
    while (*budget > 0) {
        if (!dk_set_next(a, it, &x)) return 1;
        (*budget)--;
        if (!dk_set_contains(b, &x)) return 0;
    }
    return -1;
}

int dk_set_equal_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget) {
    if (dk_set_count(a) != dk_set_count(b)) return 0;
    return dk_set_subset_step(a, b, it, budget);
}

/* timer.c -- dk_timer: a B+tree of (when, id) pairs (see timer.h).
 *
 * Leaves hold up to TM_MAX sorted pairs; interior nodes hold up to TM_MAX separators and one
 * more child; every pair of child i+1 is >= separator i > every pair of child i.  Nodes below
 * TM_MIN pairs borrow from or merge with a sibling, so the tree stays about half full or more.
 * Leaves are allocated without the child array.  Splits take nodes from spare pools that
 * dk_timer_reserve() fills, so an add that has reserved never fails halfway.
 */
#include <datakit/timer.h>

#include <assert.h>
#include <string.h>

#include "mem.h"

#define TM_MAX 60
#define TM_MIN (TM_MAX / 2 - 1)
#define TM_SPARE_MAX 16

typedef struct tm_node {
    uint16_t n; /* pairs (leaf) or separators (interior) */
    uint16_t leaf;
    uint32_t id[TM_MAX];
    int64_t when[TM_MAX];
    struct tm_node *child[TM_MAX + 1]; /* interior nodes only: leaves are allocated without it */
} tm_node;

#define TM_LEAF_SIZE offsetof(tm_node, child)

struct dk_timer {
    tm_node *root;
    size_t count;
    unsigned height;     /* 0 when empty, 1 for a lone leaf */
    tm_node *spare_leaf; /* one leaf-sized node for a leaf split */
    unsigned nspare;
    tm_node *spare[TM_SPARE_MAX]; /* interior-sized nodes for interior splits and a new root */
    size_t bytes;
};

static int pair_cmp(int64_t aw, uint32_t ai, int64_t bw, uint32_t bi) {
    if (aw != bw) return aw < bw ? -1 : 1;
    return (ai > bi) - (ai < bi);
}

dk_timer *dk_timer_new(void) {
    dk_timer *t = dk_calloc(1, sizeof *t);
    if (t) t->bytes = dk_mem_footprint(t);
    return t;
}

static void node_free(dk_timer *t, tm_node *n) {
    t->bytes -= dk_mem_footprint(n);
    dk_free(n);
}

static void free_subtree(dk_timer *t, tm_node *n) {
    if (!n->leaf)
        for (unsigned i = 0; i <= n->n; i++)
            free_subtree(t, n->child[i]);
    node_free(t, n);
}

void dk_timer_clear(dk_timer *t) {
    if (t->root) free_subtree(t, t->root);
    t->root = NULL;
    t->count = 0;
    t->height = 0;
}

void dk_timer_free(dk_timer *t) {
    if (!t) return;
    dk_timer_clear(t);
    for (unsigned i = 0; i < t->nspare; i++)
        dk_free(t->spare[i]);
    dk_free(t->spare_leaf);
    dk_free(t);
}

size_t dk_timer_count(const dk_timer *t) {
    return t->count;
}
size_t dk_timer_bytes(const dk_timer *t) {
    return t->bytes;
}

static tm_node *alloc_node(dk_timer *t, size_t size) {
    tm_node *n = dk_malloc(size);
    if (n) t->bytes += dk_mem_footprint(n);
    return n;
}

bool dk_timer_reserve(dk_timer *t) {
    /* A split chain needs a leaf, one interior node per interior level and a new root. */
    if (!t->spare_leaf && !(t->spare_leaf = alloc_node(t, TM_LEAF_SIZE))) return false;
    while (t->nspare < t->height) {
        if (t->nspare == TM_SPARE_MAX) return false;
        tm_node *n = alloc_node(t, sizeof(tm_node));
        if (!n) return false;
        t->spare[t->nspare++] = n;
    }
    return true;
}

static tm_node *take_spare(dk_timer *t, bool leaf) {
    tm_node *n;
    if (leaf) {
        n = t->spare_leaf;
        t->spare_leaf = NULL;
    } else {
        assert(t->nspare > 0);
        n = t->spare[--t->nspare];
    }
    assert(n);
    n->n = 0;
    n->leaf = leaf;
    return n;
}

/* Index of the first pair in n that is > (w, id) (the child to descend into for interior). */
static unsigned upper_bound(const tm_node *n, int64_t w, uint32_t id) {
    unsigned lo = 0, hi = n->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (pair_cmp(n->when[mid], n->id[mid], w, id) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void put_pair(tm_node *n, unsigned i, int64_t w, uint32_t id) {
    memmove(&n->when[i + 1], &n->when[i], (n->n - i) * sizeof n->when[0]);
    memmove(&n->id[i + 1], &n->id[i], (n->n - i) * sizeof n->id[0]);
    n->when[i] = w;
    n->id[i] = id;
    n->n++;
}

static void cut_pair(tm_node *n, unsigned i) {
    memmove(&n->when[i], &n->when[i + 1], (n->n - i - 1) * sizeof n->when[0]);
    memmove(&n->id[i], &n->id[i + 1], (n->n - i - 1) * sizeof n->id[0]);
    n->n--;
}

/* Moves pairs [from, n) of src to the end of dst (and, for interior nodes, their children). */
static void move_tail(tm_node *dst, tm_node *src, unsigned from) {
    unsigned k = src->n - from;
    memcpy(&dst->when[dst->n], &src->when[from], k * sizeof src->when[0]);
    memcpy(&dst->id[dst->n], &src->id[from], k * sizeof src->id[0]);
    if (!src->leaf)
        memcpy(&dst->child[dst->n + 1], &src->child[from + 1], k * sizeof src->child[0]);
    dst->n += k;
    src->n = from;
}

/* Splits the full node n; returns the new right sibling and its separator in *sw, *sid. */
static tm_node *split(dk_timer *t, tm_node *n, int64_t *sw, uint32_t *sid) {
    tm_node *r = take_spare(t, n->leaf);
    unsigned half = n->n / 2;
    if (n->leaf) {
        move_tail(r, n, half);
        *sw = r->when[0];
        *sid = r->id[0];
    } else {
        *sw = n->when[half];
        *sid = n->id[half];
        r->child[0] = n->child[half + 1];
        move_tail(r, n, half + 1);
        n->n = half;
    }
    return r;
}

/* Inserts into the subtree at n; returns a new right sibling when n split. */
static tm_node *insert(dk_timer *t, tm_node *n, int64_t w, uint32_t id, int64_t *sw, uint32_t *sid,
                       bool *added) {
    unsigned i = upper_bound(n, w, id);
    if (n->leaf) {
        if (i > 0 && n->when[i - 1] == w && n->id[i - 1] == id) return NULL;
        *added = true;
        if (n->n < TM_MAX) {
            put_pair(n, i, w, id);
            return NULL;
        }
        tm_node *r = split(t, n, sw, sid);
        if (i <= n->n)
            put_pair(n, i, w, id);
        else
            put_pair(r, i - n->n, w, id);
        return r;
    }
    int64_t cw;
    uint32_t cid;
    tm_node *c = insert(t, n->child[i], w, id, &cw, &cid, added);
    if (!c) return NULL;
    tm_node *target = n, *r = NULL;
    if (n->n == TM_MAX) {
        r = split(t, n, sw, sid);
        if (i > n->n) {
            target = r;
            i -= n->n + 1;
        }
    }
    memmove(&target->child[i + 2], &target->child[i + 1],
            (target->n - i) * sizeof target->child[0]);
    put_pair(target, i, cw, cid);
    target->child[i + 1] = c;
    return r;
}

bool dk_timer_add(dk_timer *t, int64_t when, uint32_t id) {
    if (!dk_timer_reserve(t)) return false;
    if (!t->root) {
        t->root = take_spare(t, true);
        t->height = 1;
    }
    int64_t sw;
    uint32_t sid;
    bool added = false;
    tm_node *r = insert(t, t->root, when, id, &sw, &sid, &added);
    if (r) {
        tm_node *root = take_spare(t, false);
        root->child[0] = t->root;
        root->child[1] = r;
        root->when[0] = sw;
        root->id[0] = sid;
        root->n = 1;
        t->root = root;
        t->height++;
    }
    if (added) t->count++;
    return true;
}

/* Child i of n fell below TM_MIN: borrow from a sibling or merge with one. */
static void fix_child(dk_timer *t, tm_node *n, unsigned i) {
    tm_node *c = n->child[i];
    tm_node *l = i > 0 ? n->child[i - 1] : NULL;
    tm_node *r = i < n->n ? n->child[i + 1] : NULL;
    if (l && l->n > TM_MIN) { /* borrow the left sibling's last */
        if (c->leaf) {
            put_pair(c, 0, l->when[l->n - 1], l->id[l->n - 1]);
        } else {
            memmove(&c->child[1], &c->child[0], (c->n + 1) * sizeof c->child[0]);
            c->child[0] = l->child[l->n];
            put_pair(c, 0, n->when[i - 1], n->id[i - 1]);
        }
        l->n--;
        n->when[i - 1] = c->leaf ? c->when[0] : l->when[l->n];
        n->id[i - 1] = c->leaf ? c->id[0] : l->id[l->n];
        return;
    }
    if (r && r->n > TM_MIN) { /* borrow the right sibling's first */
        if (c->leaf) {
            put_pair(c, c->n, r->when[0], r->id[0]);
            cut_pair(r, 0);
            n->when[i] = r->when[0];
            n->id[i] = r->id[0];
        } else {
            put_pair(c, c->n, n->when[i], n->id[i]);
            c->child[c->n] = r->child[0];
            n->when[i] = r->when[0];
            n->id[i] = r->id[0];
            memmove(&r->child[0], &r->child[1], r->n * sizeof r->child[0]);
            cut_pair(r, 0);
        }
        return;
    }
    if (!r) { /* merge into the left sibling instead */
        r = c;
        c = l;
        i--;
    }
    if (!c->leaf) { /* the separator comes down between them */
        put_pair(c, c->n, n->when[i], n->id[i]);
        c->child[c->n] = r->child[0];
    }
    move_tail(c, r, 0);
    node_free(t, r);
    memmove(&n->child[i + 1], &n->child[i + 2], (n->n - i - 1) * sizeof n->child[0]);
    cut_pair(n, i);
}

static bool delete (dk_timer *t, tm_node *n, int64_t w, uint32_t id) {
    unsigned i = upper_bound(n, w, id);
    if (n->leaf) {
        if (i == 0 || n->when[i - 1] != w || n->id[i - 1] != id) return false;
        cut_pair(n, i - 1);
        return true;
    }
    if (!delete (t, n->child[i], w, id)) return false;
    if (n->child[i]->n < TM_MIN) fix_child(t, n, i);
    return true;
}

bool dk_timer_del(dk_timer *t, int64_t when, uint32_t id) {
    if (!t->root || !delete (t, t->root, when, id)) return false;
    t->count--;
    tm_node *root = t->root;
    if (root->leaf && root->n == 0) {
        node_free(t, root);
        t->root = NULL;
        t->height = 0;
    } else if (!root->leaf && root->n == 0) {
        t->root = root->child[0];
        node_free(t, root);
        t->height--;
    }
    return true;
}

bool dk_timer_min(const dk_timer *t, int64_t *when, uint32_t *id) {
    const tm_node *n = t->root;
    if (!n) return false;
    while (!n->leaf)
        n = n->child[0];
    *when = n->when[0];
    *id = n->id[0];
    return true;
}

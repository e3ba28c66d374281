/* ridx.c -- dk_sorted's run index, a counted B+tree of run descriptors (see ridx.h). */
#include <datakit/ridx.h>

#include <assert.h>
#include <string.h>

#include <datakit/mem.h>

#define FAN DK_RIDX_FAN
#define LOW (FAN / 4)
/* Levels an index can reach: FAN / 2 ^ (levels - 1) >= 2^32 runs long before this. */
#define MAX_LEVELS 12

/* A node: a header, then its slots as four arrays of cap entries each (scans touch only the
 * array they read).  Slot j of a leaf is a run: ptr = the run, cnt = its elements, key = its key.
 * Slot j of an inner node is a child: ptr = the child, cnt = runs under it, elems = elements
 * under it, key = the first key under it. */
struct dk_ridx_node {
    uint32_t n, cap;
    uint32_t leaf, pad;
};

typedef dk_ridx_node node;

/* One slot's contents, moved as a unit. */
typedef struct rslot {
    void *ptr;
    uint64_t key;
    uint64_t elems;
    uint32_t cnt;
} rslot;

static inline void **PTR(const node *nd) {
    return (void **)(nd + 1);
}
static inline uint64_t *KEY(const node *nd) {
    return (uint64_t *)(PTR(nd) + nd->cap);
}
static inline uint64_t *ELEMS(const node *nd) {
    return KEY(nd) + nd->cap;
}
static inline uint32_t *CNT(const node *nd) {
    return (uint32_t *)(ELEMS(nd) + nd->cap);
}

static size_t node_size(uint32_t cap) {
    return sizeof(node) + cap * (sizeof(void *) + 2 * sizeof(uint64_t) + sizeof(uint32_t));
}

static void put_slot(node *nd, uint32_t j, const rslot *v) {
    PTR(nd)[j] = v->ptr;
    KEY(nd)[j] = v->key;
    ELEMS(nd)[j] = v->elems;
    CNT(nd)[j] = v->cnt;
}

/* Moves k slots from a[from..] to b[to..] (a and b may be the same node). */
static void move_slots(node *b, uint32_t to, const node *a, uint32_t from, uint32_t k) {
    memmove(PTR(b) + to, PTR(a) + from, k * sizeof(void *));
    memmove(KEY(b) + to, KEY(a) + from, k * sizeof(uint64_t));
    memmove(ELEMS(b) + to, ELEMS(a) + from, k * sizeof(uint64_t));
    memmove(CNT(b) + to, CNT(a) + from, k * sizeof(uint32_t));
}

/* ======== nodes ======== */

static node *node_new(dk_ridx *x, bool leaf, uint32_t cap) {
    node *nd = dk_malloc(node_size(cap));
    if (!nd) return NULL;
    x->bytes += dk_mem_footprint(nd);
    nd->n = 0;
    nd->cap = cap;
    nd->leaf = leaf;
    return nd;
}

static void node_free(dk_ridx *x, node *nd) {
    x->bytes -= dk_mem_footprint(nd);
    dk_free(nd);
}

static uint32_t runs_of(const node *nd) {
    if (nd->leaf) return nd->n;
    uint32_t r = 0;
    for (uint32_t j = 0; j < nd->n; j++)
        r += CNT(nd)[j];
    return r;
}

static uint64_t elems_of(const node *nd) {
    uint64_t e = 0;
    for (uint32_t j = 0; j < nd->n; j++)
        e += nd->leaf ? CNT(nd)[j] : ELEMS(nd)[j];
    return e;
}

static rslot summary(node *child) {
    rslot v = {child, KEY(child)[0], elems_of(child), runs_of(child)};
    return v;
}

/* Recomputes inner slot j from its child. */
static void refresh(node *nd, uint32_t j) {
    rslot v = summary(PTR(nd)[j]);
    put_slot(nd, j, &v);
}

static void drop_slot(node *nd, uint32_t j) {
    move_slots(nd, j, nd, j + 1, nd->n - j - 1);
    nd->n--;
}

/* The nodes an insertion may need, allocated before anything changes (so it fails whole). */
typedef struct pool {
    node *nd[MAX_LEVELS + 1];
    uint32_t n;
} pool;

/* Puts v at slot j of nd; when nd is full, splits it first and returns the new right half (for
 * the caller to add to nd's parent), else NULL.  *ndp may move: a growing root leaf. */
static node *place(dk_ridx *x, node **ndp, uint32_t j, const rslot *v, pool *pl) {
    node *nd = *ndp, *right = NULL, *into = nd;
    if (nd->n == nd->cap && nd->cap < FAN) { /* the root leaf grows */
        node *g = pl->nd[--pl->n];
        g->leaf = nd->leaf;
        g->n = nd->n;
        move_slots(g, 0, nd, 0, nd->n);
        node_free(x, nd);
        *ndp = into = nd = g;
    } else if (nd->n == FAN) {
        right = pl->nd[--pl->n];
        right->leaf = nd->leaf;
        uint32_t half = FAN / 2;
        move_slots(right, 0, nd, half, FAN - half);
        right->n = FAN - half;
        nd->n = half;
        if (j > half) {
            into = right;
            j -= half;
        }
    }
    move_slots(into, j + 1, into, j, into->n - j);
    put_slot(into, j, v);
    into->n++;
    return right;
}

/* How many nodes inserting run i needs: one per full node on its path (a split each; the root
 * leaf growing counts as one), and a new root when every node on the path is full. */
static uint32_t nodes_needed(const dk_ridx *x, uint32_t i) {
    if (!x->root) return 1;
    uint32_t need = 0;
    const node *nd = x->root;
    for (;;) {
        bool full = nd->n == nd->cap;
        if (!full)
            need = 0;
        else
            need++;
        if (nd->leaf) break;
        uint32_t j = 0;
        for (; j + 1 < nd->n && i > CNT(nd)[j]; j++)
            i -= CNT(nd)[j];
        nd = PTR(nd)[j];
    }
    /* a full path up to the root also needs the new root (not when the root leaf only grows) */
    bool root_splits = need == x->height && x->root->cap == FAN;
    return need + (root_splits ? 1 : 0);
}

/* ======== the index ======== */

dk_ridx *dk_ridx_new(void) {
    return dk_calloc(1, sizeof(dk_ridx));
}

static void free_tree(dk_ridx *x, node *nd) {
    if (!nd->leaf)
        for (uint32_t j = 0; j < nd->n; j++)
            free_tree(x, PTR(nd)[j]);
    node_free(x, nd);
}

void dk_ridx_free(dk_ridx *x) {
    if (!x) return;
    if (x->root) free_tree(x, x->root);
    dk_free(x);
}

/* Inserts v as run i under *ndp; returns the node's new right half when it split. */
static node *insert_under(dk_ridx *x, node **ndp, uint32_t i, const rslot *v, pool *pl) {
    node *nd = *ndp;
    if (nd->leaf) return place(x, ndp, i, v, pl);
    uint32_t j = 0;
    for (; j + 1 < nd->n && i > CNT(nd)[j]; j++)
        i -= CNT(nd)[j];
    node *child = PTR(nd)[j];
    node *split = insert_under(x, &child, i, v, pl);
    refresh(nd, j);
    if (!split) return NULL;
    rslot sv = summary(split);
    return place(x, ndp, j + 1, &sv, pl);
}

bool dk_ridx_insert(dk_ridx *x, uint32_t i, void *run, uint32_t count, uint64_t key) {
    assert(i <= x->n);
    pool pl = {.n = 0};
    uint32_t need = nodes_needed(x, i);
    if (x->height + 1 >= MAX_LEVELS) return false;
    /* a first leaf starts with 2 slots; a full root leaf below FAN slots doubles (need is 1) */
    uint32_t cap = FAN;
    if (!x->root)
        cap = 2;
    else if (x->root->leaf && x->root->n == x->root->cap && x->root->cap < FAN)
        cap = x->root->cap * 2 < FAN ? x->root->cap * 2 : FAN;
    for (; pl.n < need; pl.n++) {
        pl.nd[pl.n] = node_new(x, !x->root, cap);
        if (!pl.nd[pl.n]) {
            while (pl.n)
                node_free(x, pl.nd[--pl.n]);
            return false;
        }
    }
    if (!x->root) {
        x->root = pl.nd[--pl.n];
        x->height = 1;
    }
    rslot v = {run, key, count, count};
    node *split = insert_under(x, &x->root, i, &v, &pl);
    if (split) {
        node *root = pl.nd[--pl.n];
        root->leaf = false;
        rslot a = summary(x->root), b = summary(split);
        put_slot(root, 0, &a);
        put_slot(root, 1, &b);
        root->n = 2;
        x->root = root;
        x->height++;
    }
    assert(pl.n == 0);
    x->n++;
    x->total += count;
    x->hint = NULL;
    return true;
}

/* Children a and a + 1 of nd: merges them when they fit in one node, else evens them out. */
static void rebalance(dk_ridx *x, node *nd, uint32_t a) {
    node *l = PTR(nd)[a], *r = PTR(nd)[a + 1];
    if (l->n + r->n <= l->cap) {
        move_slots(l, l->n, r, 0, r->n);
        l->n += r->n;
        node_free(x, r);
        drop_slot(nd, a + 1);
        refresh(nd, a);
        return;
    }
    uint32_t want = (l->n + r->n) / 2;
    if (l->n < want) {
        uint32_t k = want - l->n;
        move_slots(l, l->n, r, 0, k);
        move_slots(r, 0, r, k, r->n - k);
        l->n += k;
        r->n -= k;
    } else {
        uint32_t k = l->n - want;
        move_slots(r, k, r, 0, r->n);
        move_slots(r, 0, l, want, k);
        r->n += k;
        l->n -= k;
    }
    refresh(nd, a);
    refresh(nd, a + 1);
}

/* Removes run i under nd, mending underfull children on the way back. */
static void remove_under(dk_ridx *x, node *nd, uint32_t i) {
    if (nd->leaf) {
        drop_slot(nd, i);
        return;
    }
    uint32_t j = 0;
    for (; i >= CNT(nd)[j]; j++)
        i -= CNT(nd)[j];
    node *child = PTR(nd)[j];
    remove_under(x, child, i);
    if (child->n == 0) {
        node_free(x, child);
        drop_slot(nd, j);
    } else if (child->n < LOW && nd->n > 1) {
        rebalance(x, nd, j + 1 < nd->n ? j : j - 1);
    } else {
        refresh(nd, j);
    }
}

void dk_ridx_remove(dk_ridx *x, uint32_t i) {
    assert(i < x->n);
    x->total -= dk_ridx_count(x, i);
    x->hint = NULL;
    x->n--;
    if (x->n == 0) {
        free_tree(x, x->root);
        x->root = NULL;
        x->height = 0;
        return;
    }
    remove_under(x, x->root, i);
    while (!x->root->leaf && x->root->n == 1) {
        node *old = x->root;
        x->root = PTR(old)[0];
        node_free(x, old);
        x->height--;
    }
}

/* ======== finding runs ======== */

/* The leaf holding run i (< n) and i's slot in it, using and refreshing the hint. */
static node *leaf_of(const dk_ridx *cx, uint32_t i, uint32_t *slot) {
    dk_ridx *x = (dk_ridx *)cx; /* the hint is a cache: logically const */
    assert(i < x->n);
    if (x->hint && i >= x->hint_first && i - x->hint_first < x->hint->n) {
        *slot = i - x->hint_first;
        return (node *)x->hint;
    }
    node *nd = x->root;
    uint32_t first = i;
    while (!nd->leaf) {
        uint32_t j = 0;
        for (; i >= CNT(nd)[j]; j++)
            i -= CNT(nd)[j];
        nd = PTR(nd)[j];
    }
    x->hint = nd;
    x->hint_first = first - i;
    *slot = i;
    return nd;
}

void *dk_ridx_run(const dk_ridx *x, uint32_t i) {
    uint32_t s;
    return PTR(leaf_of(x, i, &s))[s];
}

void **dk_ridx_slot(dk_ridx *x, uint32_t i) {
    uint32_t s;
    return &PTR(leaf_of(x, i, &s))[s];
}

uint32_t dk_ridx_count(const dk_ridx *x, uint32_t i) {
    uint32_t s;
    return CNT(leaf_of(x, i, &s))[s];
}

void dk_ridx_add(dk_ridx *x, uint32_t i, int64_t delta) {
    assert(i < x->n);
    node *nd = x->root;
    while (!nd->leaf) {
        uint32_t j = 0;
        for (; i >= CNT(nd)[j]; j++)
            i -= CNT(nd)[j];
        ELEMS(nd)[j] = (uint64_t)((int64_t)ELEMS(nd)[j] + delta);
        nd = PTR(nd)[j];
    }
    CNT(nd)[i] = (uint32_t)((int64_t)CNT(nd)[i] + delta);
    x->total = (uint64_t)((int64_t)x->total + delta);
}

void dk_ridx_set_count(dk_ridx *x, uint32_t i, uint32_t count) {
    dk_ridx_add(x, i, (int64_t)count - (int64_t)dk_ridx_count(x, i));
}

/* Sets the key of run i under nd; returns the node's first key afterwards. */
static uint64_t key_under(node *nd, uint32_t i, uint64_t key) {
    if (nd->leaf) {
        KEY(nd)[i] = key;
        return KEY(nd)[0];
    }
    uint32_t j = 0;
    for (; i >= CNT(nd)[j]; j++)
        i -= CNT(nd)[j];
    KEY(nd)[j] = key_under(PTR(nd)[j], i, key);
    return KEY(nd)[0];
}

void dk_ridx_set_key(dk_ridx *x, uint32_t i, uint64_t key) {
    assert(i < x->n);
    key_under(x->root, i, key);
}

uint32_t dk_ridx_locate(const dk_ridx *cx, uint64_t pos, uint32_t *within) {
    dk_ridx *x = (dk_ridx *)cx;
    assert(pos < x->total);
    const node *nd = x->root;
    uint32_t idx = 0, j;
    while (!nd->leaf) {
        for (j = 0; pos >= ELEMS(nd)[j]; j++) {
            pos -= ELEMS(nd)[j];
            idx += CNT(nd)[j];
        }
        nd = PTR(nd)[j];
    }
    x->hint = nd;
    x->hint_first = idx;
    for (j = 0; pos >= CNT(nd)[j]; j++)
        pos -= CNT(nd)[j];
    *within = (uint32_t)pos;
    return idx + j;
}

uint64_t dk_ridx_before(const dk_ridx *x, uint32_t i) {
    assert(i <= x->n);
    if (i == x->n) return x->total;
    const node *nd = x->root;
    uint64_t sum = 0;
    while (!nd->leaf) {
        uint32_t j = 0;
        for (; i >= CNT(nd)[j]; j++) {
            i -= CNT(nd)[j];
            sum += ELEMS(nd)[j];
        }
        nd = PTR(nd)[j];
    }
    for (uint32_t j = 0; j < i; j++)
        sum += CNT(nd)[j];
    return sum;
}

uint32_t dk_ridx_upper(const dk_ridx *x, uint64_t k, uint64_t *last) {
    const node *nd = x->root;
    uint32_t r = 0;
    while (nd) {
        uint32_t lo = 0, hi = nd->n; /* slots whose key is <= k: [0, lo) */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (KEY(nd)[mid] <= k)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (nd->leaf) {
            if (lo && last) *last = KEY(nd)[lo - 1];
            return r + lo;
        }
        if (lo == 0) return r;
        /* children before the last such one hold only keys <= k (each is <= the next's first) */
        for (uint32_t j = 0; j + 1 < lo; j++)
            r += CNT(nd)[j];
        nd = PTR(nd)[lo - 1];
    }
    return r;
}

size_t dk_ridx_bytes(const dk_ridx *x) {
    return x ? dk_mem_footprint(x) + x->bytes : 0;
}

/* order.c -- SORT's comparison and its sliced merge sort (see order.h). */
#include "order.h"

#include <errno.h>
#include <keel/sdk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Binary comparison, the shorter first on a common prefix. */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

int sort_item_cmp(const sort_item *x, const sort_item *y, bool alpha, bool by, bool desc) {
    int c;
    if (!alpha) {
        c = x->score > y->score   ? 1
            : x->score < y->score ? -1
                                  : bytes_cmp(x->elem, x->elen, y->elem, y->elen);
    } else if (by) {
        if (!x->by || !y->by)
            c = (x->by != NULL) - (y->by != NULL);
        else
            c = bytes_cmp(x->by, x->blen, y->by, y->blen);
    } else {
        c = bytes_cmp(x->elem, x->elen, y->elem, y->elen);
    }
    return desc ? -c : c;
}

void sort_merge_init(sort_merge *m, sort_item *a, sort_item *tmp, uint64_t n, bool alpha, bool by,
                     bool desc) {
    *m = (sort_merge){
        .a = a, .tmp = tmp, .n = n, .width = 1, .at = 0, .alpha = alpha, .by = by, .desc = desc};
}

/* Merges a[lo, mid) and a[mid, hi) into tmp[lo, hi) (stable: the left run wins ties). */
static void merge_pair(sort_merge *m, uint64_t lo, uint64_t mid, uint64_t hi) {
    uint64_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        m->tmp[k++] =
            sort_item_cmp(&m->a[j], &m->a[i], m->alpha, m->by, m->desc) < 0 ? m->a[j++] : m->a[i++];
    while (i < mid)
        m->tmp[k++] = m->a[i++];
    while (j < hi)
        m->tmp[k++] = m->a[j++];
}

bool sort_merge_step(sort_merge *m, uint64_t work) {
    uint64_t done = 0;
    while (m->width < m->n) {
        while (m->at < m->n) {
            uint64_t lo = m->at, mid = lo + m->width < m->n ? lo + m->width : m->n;
            uint64_t hi = mid + m->width < m->n ? mid + m->width : m->n;
            merge_pair(m, lo, mid, hi);
            m->at = hi;
            done += hi - lo;
            if (done >= work && m->at < m->n) return false;
        }
        sort_item *swap = m->a; /* this pass's output is the next pass's input */
        m->a = m->tmp;
        m->tmp = swap;
        m->width *= 2;
        m->at = 0;
        if (done >= work && m->width < m->n) return false;
    }
    return true;
}

bool sort_parse_score(const char *s, size_t n, double *out) {
    char buf[128], *copy = n < sizeof buf ? buf : keel_alloc(n + 1);
    if (!copy) return false;
    memcpy(copy, s, n);
    copy[n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(copy, &end);
    bool ok = *end == '\0' && errno != ERANGE && !isnan(d);
    if (copy != buf) keel_free(copy);
    *out = d;
    return ok;
}

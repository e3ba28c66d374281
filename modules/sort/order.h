/* order.h -- the order SORT puts its elements in (Redis 7.0's sortCompare), and a merge sort
 * done a slice at a time so sorting millions of elements never holds the thread. */
#ifndef KEEL_SORT_ORDER_H
#define KEEL_SORT_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One element: its bytes, and what it sorts by (its score, or the BY value's bytes). */
typedef struct sort_item {
    const char *elem;
    uint32_t elen;
    uint32_t blen;
    const char *by; /* ALPHA with BY: the BY value, NULL when its key is missing */
    double score;   /* numeric: the element's (or BY value's) number */
} sort_item;

/* Compares two items: numeric by score, then the elements' bytes (so ties are deterministic);
 * ALPHA by the BY values (a missing one first) or by the elements' bytes; reversed when desc. */
int sort_item_cmp(const sort_item *x, const sort_item *y, bool alpha, bool by, bool desc);

/* A bottom-up merge sort of n items, in steps.  tmp has room for n items. */
typedef struct sort_merge {
    sort_item *a, *tmp;
    uint64_t n, width, at; /* runs of `width` are sorted; merging the pair starting at `at` */
    bool alpha, by, desc;
} sort_merge;

void sort_merge_init(sort_merge *m, sort_item *a, sort_item *tmp, uint64_t n, bool alpha, bool by,
                     bool desc);
/* Does about `work` comparisons; true once the items are sorted (then in m->a). */
bool sort_merge_step(sort_merge *m, uint64_t work);

/* Parses a score as Redis's SORT does (strtod over the whole text; "" is 0): false when the
 * text is not a number, is NaN, or overflows. */
bool sort_parse_score(const char *s, size_t n, double *out);

#endif

/* geo_scan.c -- a yielding geo search over one sorted set (see geo_scan.h). */
#include "geo_scan.h"
#include "zobj.h"

#include <stdio.h>
#include <string.h>

/* Reductions per element read: a decode, one to three haversines, perhaps a copy. */
#define GEO_COST_READ 2

keel_status geo_scan_start(keel_proc *p, geo_scan *g, const geo_shape *shape, uint64_t limit) {
    memset(g, 0, sizeof *g);
    g->shape = *shape;
    g->limit = limit;
    geo_search_cells(&g->shape, g->cells);
    return keel_proc_defer_free(p, geo_scan_release, g);
}

void geo_scan_release(void *ptr) {
    geo_scan *g = ptr;
    keel_free(g->hits);
    g->hits = NULL;
    g->n = g->cap = 0;
}

static bool full(const geo_scan *g) {
    return g->limit && g->n >= g->limit;
}

/* Keeps e when it lies inside the shape; false when out of memory. */
static bool consider(keel_proc *p, geo_scan *g, const dk_zentry *e) {
    double lon, lat, dist;
    geo_point_of(e->score, &lon, &lat);
    if (!geo_within(&g->shape, lon, lat, &dist)) return true;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        geo_hit *h = keel_realloc(g->hits, cap * sizeof *h);
        if (!h) return false;
        g->hits = h;
        g->cap = cap;
    }
    dk_zentry kept = zs_keep(p, e);
    g->hits[g->n++] = (geo_hit){e->score, lon, lat, dist, kept.member, kept.len};
    return true;
}

/* Starts reading cell g->cell, or skips it (no cell, or the same as the last one read);
 * false when the scan is over. */
static bool open_cell(geo_scan *g, const dk_zset *z) {
    while (g->cell < 9) {
        geo_cell c = g->cells[g->cell];
        const geo_cell *last = &g->cells[g->last_read];
        bool none = c.bits == 0 && c.step == 0;
        bool repeat = g->last_read && c.bits == last->bits && c.step == last->step;
        if (!none && !repeat) {
            if (full(g)) return false;
            geo_cell above = c;
            above.bits++;
            g->pos = dk_zset_score_rank(z, (double)geo_align52(c), false);
            g->end = dk_zset_score_rank(z, (double)geo_align52(above), false);
            g->reading = true;
            return true;
        }
        g->cell++;
    }
    return false;
}

int geo_scan_run(keel_proc *p, geo_scan *g, const dk_zset *z) {
    for (;;) {
        if (!g->reading && !open_cell(g, z)) {
            g->cell = 9;
            return 1;
        }
        dk_iter it = dk_iter_at(g->pos);
        dk_zentry e;
        while (g->pos < g->end && !full(g) && dk_zset_next(z, &it, &e)) {
            g->pos++;
            if (!consider(p, g, &e)) return -1;
            if (keel_charge(p, GEO_COST_READ) && g->pos < g->end) return 0;
        }
        g->reading = false;
        g->last_read = g->cell++;
    }
}

/* ======== sorting ======== */

static bool before(const geo_hit *a, const geo_hit *b, bool desc) {
    return desc ? a->dist > b->dist : a->dist < b->dist;
}

/* Merges the sorted runs src[lo, mid) and src[mid, hi) into dst[lo, hi), stably. */
static void merge(const geo_hit *src, geo_hit *dst, size_t lo, size_t mid, size_t hi, bool desc) {
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = before(&src[j], &src[i], desc) ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

bool geo_scan_sort(keel_proc *p, geo_scan *g, bool desc) {
    if (g->n < 2) return true;
    geo_hit *tmp = keel_alloc(g->n * sizeof *tmp);
    if (!tmp) return false;
    geo_hit *src = g->hits, *dst = tmp;
    for (size_t width = 1; width < g->n; width *= 2) {
        for (size_t lo = 0; lo < g->n; lo += 2 * width) {
            size_t mid = lo + width < g->n ? lo + width : g->n;
            size_t hi = lo + 2 * width < g->n ? lo + 2 * width : g->n;
            merge(src, dst, lo, mid, hi, desc);
        }
        geo_hit *t = src;
        src = dst;
        dst = t;
        keel_charge(p, (int64_t)g->n / 16 + 1);
    }
    if (src != g->hits) memcpy(g->hits, src, g->n * sizeof *src);
    keel_free(tmp);
    return true;
}

/* ======== replies ======== */

void geo_reply_coord(keel_proc *p, double d) {
    char text[64];
    int n = snprintf(text, sizeof text, "%.17Lf", (long double)d);
    if (n < 0 || (size_t)n >= sizeof text) n = 0;
    if (memchr(text, '.', (size_t)n)) {
        while (n > 0 && text[n - 1] == '0')
            n--;
        if (n > 0 && text[n - 1] == '.') n--;
    }
    if (n == 2 && text[0] == '-' && text[1] == '0') text[0] = '0', n = 1;
    keel_reply_double_text(p, text, (size_t)n);
}

void geo_reply_dist(keel_proc *p, double d) {
    char text[400];
    int n = snprintf(text, sizeof text, "%.4f", d);
    if (n < 0 || (size_t)n >= sizeof text) n = 0;
    keel_reply_bulk(p, text, (size_t)n);
}

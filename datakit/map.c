/* map.c -- dk_map: the ordered box map, a thin handle over the sorted store (see map.h). */
#include <datakit/map.h>

#include <datakit/mem.h>
#include <datakit/sorted.h>

struct dk_map {
    dk_sorted s;
};

dk_map *dk_map_new(void) {
    dk_map *m = dk_malloc(sizeof *m);
    if (m) dk_sorted_init(&m->s, true);
    return m;
}

void dk_map_free(dk_map *m) {
    if (!m) return;
    dk_sorted_clear(&m->s);
    dk_free(m);
}

void dk_map_clear(dk_map *m) {
    dk_sorted_clear(&m->s);
}
size_t dk_map_count(const dk_map *m) {
    return dk_sorted_count(&m->s);
}
size_t dk_map_bytes(const dk_map *m) {
    return dk_mem_footprint(m) + dk_sorted_bytes(&m->s);
}
size_t dk_map_chunks(const dk_map *m) {
    return dk_sorted_chunks(&m->s);
}

int dk_map_set(dk_map *m, const dk_val *k, const dk_val *v) {
    return dk_sorted_put(&m->s, k, v, true);
}

int dk_map_add(dk_map *m, const dk_val *k, const dk_val *v) {
    return dk_sorted_put(&m->s, k, v, false);
}

bool dk_map_get(const dk_map *m, const dk_val *k, dk_val *v) {
    return dk_sorted_get(&m->s, k, v);
}
bool dk_map_delete(dk_map *m, const dk_val *k) {
    return dk_sorted_del(&m->s, k);
}

uint64_t dk_map_rank(const dk_map *m, const dk_val *k, bool *found) {
    return dk_sorted_rank(&m->s, k, found);
}

bool dk_map_at(const dk_map *m, uint64_t r, dk_val *k, dk_val *v) {
    return dk_sorted_at(&m->s, r, k, v);
}

bool dk_map_random(const dk_map *m, uint64_t rnd, dk_val *k, dk_val *v) {
    size_t n = dk_map_count(m);
    return n && dk_sorted_at(&m->s, rnd % n, k, v);
}

dk_iter dk_map_seek(const dk_map *m, const dk_val *k) {
    return dk_iter_at(dk_sorted_rank(&m->s, k, NULL));
}

bool dk_map_next(const dk_map *m, dk_iter *it, dk_val *k, dk_val *v) {
    return dk_sorted_next(&m->s, it, k, v);
}

bool dk_map_prev(const dk_map *m, dk_iter *it, dk_val *k, dk_val *v) {
    return dk_sorted_prev(&m->s, it, k, v);
}

/* array.c -- dk_array, the fixed-width element array (see array.h). */
#include <datakit/array.h>

#include <assert.h>
#include <string.h>

#include <datakit/mem.h>

struct dk_array {
    uint8_t *data;
    size_t len, cap;
    unsigned width;
};

dk_array *dk_array_new(unsigned width) {
    if (width != 1 && width != 2 && width != 4 && width != 8 && width != 16) return NULL;
    dk_array *a = dk_calloc(1, sizeof *a);
    if (a) a->width = width;
    return a;
}

void dk_array_free(dk_array *a) {
    if (!a) return;
    dk_free(a->data);
    dk_free(a);
}

size_t dk_array_len(const dk_array *a) {
    return a->len;
}
unsigned dk_array_width(const dk_array *a) {
    return a->width;
}

size_t dk_array_bytes(const dk_array *a) {
    return dk_mem_footprint(a) + dk_mem_footprint(a->data);
}

void *dk_array_at(const dk_array *a, size_t i) {
    assert(i < a->len);
    return a->data + i * a->width;
}

void dk_array_get(const dk_array *a, size_t i, void *out) {
    memcpy(out, dk_array_at(a, i), a->width);
}

void dk_array_set(dk_array *a, size_t i, const void *in) {
    memcpy(dk_array_at(a, i), in, a->width);
}

uint64_t dk_array_get_u64(const dk_array *a, size_t i) {
    const uint8_t *p = dk_array_at(a, i);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    switch (a->width) {
    case 1:
        memcpy(&u8, p, 1);
        return u8;
    case 2:
        memcpy(&u16, p, 2);
        return u16;
    case 4:
        memcpy(&u32, p, 4);
        return u32;
    default:
        memcpy(&u64, p, 8);
        return u64;
    }
}

void dk_array_set_u64(dk_array *a, size_t i, uint64_t v) {
    uint8_t *p = dk_array_at(a, i);
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    switch (a->width) {
    case 1:
        memcpy(p, &u8, 1);
        break;
    case 2:
        memcpy(p, &u16, 2);
        break;
    case 4:
        memcpy(p, &u32, 4);
        break;
    default:
        memcpy(p, &v, 8);
        break;
    }
}

/* Sets the capacity to exactly cap elements (cap >= len). */
static bool array_realloc(dk_array *a, size_t cap) {
    if (cap == 0) {
        dk_free(a->data);
        a->data = NULL;
        a->cap = 0;
        return true;
    }
    if (cap > SIZE_MAX / a->width) return false;
    uint8_t *d = dk_realloc(a->data, cap * a->width);
    if (!d) return false;
    a->data = d;
    /* Use the slack the allocator gave anyway. */
    a->cap = dk_mem_usable(d) / a->width;
    return true;
}

bool dk_array_reserve(dk_array *a, size_t n) {
    return n <= a->cap || array_realloc(a, n);
}

/* Room for one more element, growing by half again. */
static bool array_grow1(dk_array *a) {
    if (a->len < a->cap) return true;
    size_t cap = a->cap + a->cap / 2;
    if (cap < 4) cap = 4;
    return array_realloc(a, cap);
}

bool dk_array_push(dk_array *a, const void *in) {
    return dk_array_insert(a, a->len, in);
}

bool dk_array_insert(dk_array *a, size_t i, const void *in) {
    assert(i <= a->len);
    if (!array_grow1(a)) return false;
    uint8_t *p = a->data + i * a->width;
    memmove(p + a->width, p, (a->len - i) * a->width);
    if (in)
        memcpy(p, in, a->width);
    else
        memset(p, 0, a->width);
    a->len++;
    return true;
}

bool dk_array_pop(dk_array *a, void *out) {
    if (a->len == 0) return false;
    if (out) dk_array_get(a, a->len - 1, out);
    a->len--;
    if (a->len < a->cap / 4) array_realloc(a, a->len * 2);
    return true;
}

void dk_array_delete(dk_array *a, size_t i, size_t n) {
    if (i >= a->len) return;
    if (n > a->len - i) n = a->len - i;
    uint8_t *p = a->data + i * a->width;
    memmove(p, p + n * a->width, (a->len - i - n) * a->width);
    a->len -= n;
    if (a->len < a->cap / 4) array_realloc(a, a->len * 2);
}

bool dk_array_resize(dk_array *a, size_t n) {
    if (n != a->cap && !array_realloc(a, n)) return false;
    if (n > a->len) memset(a->data + a->len * a->width, 0, (n - a->len) * a->width);
    a->len = n;
    return true;
}

void dk_array_shrink(dk_array *a) {
    if (a->cap > a->len) array_realloc(a, a->len);
}

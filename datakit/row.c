/* row.c -- dk_row: records of named fields packed as box pairs (see row.h). */
#include <datakit/row.h>

#include <math.h>
#include <string.h>

static bool name_ok(const dk_val *name) {
    return name->type == DK_BYTES && name->len >= 1 && name->len <= DK_ROW_NAME_MAX;
}

static bool same_name(const dk_val *a, const dk_val *b) {
    return a->len == b->len && memcmp(a->v.ptr, b->v.ptr, a->len) == 0;
}

static bool val_ok(const dk_val *v) {
    if (v->type == DK_PTR || v->type >= DK_TYPE_COUNT) return false;
    if (v->type == DK_F32) return !isnan(v->v.f);
    if (dk_is_real(v)) return !isnan(v->v.d);
    return true;
}

size_t dk_row_size(const dk_field *f, size_t n) {
    if (n > DK_ROW_FIELDS_MAX) return 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(&f[i].name) || !val_ok(&f[i].val)) return 0;
        for (size_t j = 0; j < i; j++)
            if (same_name(&f[i].name, &f[j].name)) return 0;
        total += dk_box_size(&f[i].name) + dk_box_size(&f[i].val);
    }
    return total;
}

size_t dk_row_pack(const dk_field *f, size_t n, uint8_t *out) {
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        at += dk_box_pack(&f[i].name, out + at);
        at += dk_box_pack(&f[i].val, out + at);
    }
    return at;
}

bool dk_row_next(const uint8_t *row, size_t len, size_t *off, dk_field *f) {
    if (*off >= len) return false;
    size_t a = dk_box_unpack(row + *off, len - *off, &f->name);
    if (a == 0) return false;
    size_t b = dk_box_unpack(row + *off + a, len - *off - a, &f->val);
    if (b == 0) return false;
    *off += a + b;
    return true;
}

bool dk_row_get(const uint8_t *row, size_t len, const void *name, size_t nlen, dk_val *val) {
    size_t off = 0;
    dk_field f;
    while (dk_row_next(row, len, &off, &f)) {
        if (f.name.len == nlen && (nlen == 0 || memcmp(f.name.v.ptr, name, nlen) == 0)) {
            *val = f.val;
            return true;
        }
    }
    return false;
}

size_t dk_row_count(const uint8_t *row, size_t len) {
    size_t off = 0, n = 0;
    dk_field f;
    while (dk_row_next(row, len, &off, &f))
        n++;
    return n;
}

bool dk_row_check(const uint8_t *row, size_t len) {
    dk_field seen[DK_ROW_FIELDS_MAX];
    size_t off = 0, n = 0;
    while (off < len) {
        dk_field f;
        if (n == DK_ROW_FIELDS_MAX || !dk_row_next(row, len, &off, &f)) return false;
        if (!name_ok(&f.name) || !val_ok(&f.val)) return false;
        for (size_t j = 0; j < n; j++)
            if (same_name(&f.name, &seen[j].name)) return false;
        seen[n++] = f;
    }
    return true;
}

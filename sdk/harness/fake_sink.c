/* fake_sink.c -- the fake keel_api's snapshot sink: keel_sink_write and keel_sink_write_box
 * into a malloc'd buffer, so module tests can run a type's save op and feed its bytes to load;
 * the snapshot-form calls built on it (keel_value_save, keel_type_lookup,
 * keel_key_store_saved); and fake_type_roundtrip, the check a type's save/load pair must pass. */
#include "fake_api.h"
#include "fake_internal.h"

#include <stdlib.h>
#include <string.h>

struct keel_sink {
    uint8_t *p;
    size_t len, cap;
};

keel_sink *fake_sink_new(void) {
    return calloc(1, sizeof(keel_sink));
}

const uint8_t *fake_sink_bytes(const keel_sink *s, size_t *len) {
    *len = s->len;
    return s->p;
}

void fake_sink_free(keel_sink *s) {
    if (!s) return;
    free(s->p);
    free(s);
}

static keel_status f_sink_write(keel_sink *s, const void *data, size_t n) {
    if (!s || (n && !data)) return KEEL_EINVAL;
    if (s->cap - s->len < n) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap - s->len < n)
            cap *= 2;
        uint8_t *p = realloc(s->p, cap);
        if (!p) return KEEL_ENOMEM;
        s->p = p;
        s->cap = cap;
    }
    if (n) memcpy(s->p + s->len, data, n);
    s->len += n;
    return KEEL_OK;
}

static keel_status f_sink_write_box(keel_sink *s, const dk_val *v) {
    if (!v || v->type == DK_PTR || v->type >= DK_TYPE_COUNT) return KEEL_EINVAL;
    uint8_t head[DK_BOX_MAX_SCALAR];
    if (v->type != DK_BYTES) return f_sink_write(s, head, dk_box_pack(v, head));
    keel_status st = f_sink_write(s, head, dk_box_bytes_header(v->len, head));
    return st == KEEL_OK ? f_sink_write(s, v->v.ptr, v->len) : st;
}

/* The log is off in the fake: what the core does then (checks the arguments, logs nothing). */
static keel_status f_proc_log_as(keel_proc *p, uint32_t argc, const keel_arg *argv) {
    (void)p;
    return argc && !argv ? KEEL_EINVAL : KEEL_OK;
}

static keel_api *filled; /* the table, for the store keel_key_store_saved makes */

static keel_status f_value_save(keel_proc *p, const keel_value *v, keel_buf *out) {
    (void)p;
    const keel_type_def *t = v ? fake_type(v->type) : NULL;
    if (!t || !t->save || !out) return KEEL_EINVAL;
    keel_sink sink = {0};
    keel_status st = t->save(v->obj, &sink);
    if (st == KEEL_OK && out->cap - out->len < sink.len) {
        char *grown = realloc(out->data, out->len + sink.len);
        if (!grown)
            st = KEEL_ENOMEM;
        else
            out->data = grown, out->cap = out->len + sink.len;
    }
    if (st == KEEL_OK && sink.len) {
        memcpy(out->data + out->len, sink.p, sink.len);
        out->len += sink.len;
    }
    free(sink.p);
    return st;
}

static keel_type_id f_type_lookup(const char *name) {
    for (keel_type_id id = 1; name && fake_type(id); id++)
        if (!strcmp(fake_type(id)->name, name)) return id;
    return KEEL_TYPE_NONE;
}

static keel_status f_key_store_saved(keel_proc *p, const void *key, size_t klen, keel_type_id type,
                                     const void *data, size_t len, const char **err) {
    const keel_type_def *t = fake_type(type);
    const char *why = "the type cannot be loaded";
    void *obj = t && t->load ? t->load(data, len, &why) : NULL;
    if (!obj) {
        if (err) *err = why;
        return KEEL_EINVAL;
    }
    keel_status st = filled->key_store_object(p, key, klen, type, obj, 0);
    if (st != KEEL_OK) t->free(obj);
    return st;
}

void fake_sink_fill(keel_api *t) {
    filled = t;
    t->sink_write = f_sink_write;
    t->sink_write_box = f_sink_write_box;
    t->proc_log_as = f_proc_log_as;
    t->value_save = f_value_save;
    t->type_lookup = f_type_lookup;
    t->key_store_saved = f_key_store_saved;
}

/* Prefixes of a saved value fake_type_roundtrip loads: every one up to this length, then about
 * this many spread over the rest (a big value's quadratic cost stays bounded). */
#define ROUNDTRIP_PREFIXES 4096

/* load(bytes[0..n)) from a block of exactly n bytes, so AddressSanitizer sees a read past it:
 * an object (freed) or an error message; NULL when load failed without saying why. */
static const char *load_cut(const keel_type_def *t, const uint8_t *bytes, size_t n) {
    uint8_t *cut = malloc(n ? n : 1);
    if (!cut) return "out of memory";
    if (n) memcpy(cut, bytes, n);
    const char *err = NULL;
    void *o = t->load(cut, n, &err);
    free(cut);
    if (o) {
        t->free(o);
        return "loaded";
    }
    return err;
}

const char *fake_type_roundtrip(keel_type_id id, const void *obj) {
    const keel_type_def *t = fake_type(id);
    if (!t) return "no type of that id";
    if (!t->save || !t->load) return "the type has no save and load ops";
    const char *why = NULL;
    keel_sink *a = fake_sink_new(), *b = fake_sink_new();
    size_t alen = 0, blen = 0;
    const uint8_t *abytes = NULL, *bbytes = NULL;
    void *copy = NULL;
    const char *err = NULL;
    if (!a || !b)
        why = "out of memory";
    else if (t->save(obj, a) != KEEL_OK)
        why = "save failed";
    else if (abytes = fake_sink_bytes(a, &alen), !(copy = t->load(abytes, alen, &err)))
        why = "load refused what save wrote";
    else if (t->save(copy, b) != KEEL_OK)
        why = "save of the loaded copy failed";
    else if (bbytes = fake_sink_bytes(b, &blen),
             blen != alen || (alen && memcmp(abytes, bbytes, alen)))
        why = "the loaded copy saves other bytes than the original";
    if (copy) t->free(copy);
    size_t step = alen > ROUNDTRIP_PREFIXES ? alen / ROUNDTRIP_PREFIXES : 1;
    for (size_t n = 0; !why && n < alen; n += n < ROUNDTRIP_PREFIXES ? 1 : step)
        if (!load_cut(t, abytes, n)) why = "load refused a torn copy without saying why";
    fake_sink_free(a);
    fake_sink_free(b);
    return why;
}

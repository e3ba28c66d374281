/* fake_sink.c -- the fake keel_api's snapshot sink: keel_sink_write and keel_sink_write_box
 * into a malloc'd buffer, so module tests can run a type's save op and feed its bytes to load. */
#include "fake_api.h"
#include "fake_internal.h"

#include <stdlib.h>
#include <string.h>

struct keel_sink {
    uint8_t *p;
    size_t len, cap;
};

keel_sink *fake_sink_new(void) { return calloc(1, sizeof(keel_sink)); }

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
        while (cap - s->len < n) cap *= 2;
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

void fake_sink_fill(keel_api *t) {
    t->sink_write = f_sink_write;
    t->sink_write_box = f_sink_write_box;
    t->proc_log_as = f_proc_log_as;
}

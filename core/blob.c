/* blob.c -- the ops of opaque values (see blob.h): a length and the saved bytes. */
#include "config.h"
#include "blob.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

typedef struct blob {
    size_t len;
    unsigned char data[];
} blob;

void *blob_new(const void *data, size_t len) {
    blob *b = mem_alloc(sizeof *b + len);
    if (!b) return NULL;
    b->len = len;
    if (len) memcpy(b->data, data, len);
    return b;
}

const void *blob_bytes(const void *obj, size_t *len) {
    const blob *b = obj;
    *len = b->len;
    return b->data;
}

static void blob_free(void *obj) {
    mem_free(obj);
}

static void *blob_copy(const void *obj) {
    const blob *b = obj;
    return blob_new(b->data, b->len);
}

static size_t blob_memory(const void *obj) {
    return sizeof(blob) + ((const blob *)obj)->len;
}

static size_t blob_describe(const void *obj, char *out, size_t cap) {
    int n = snprintf(out, cap, "opaque, %zu bytes (its module is not loaded)",
                     ((const blob *)obj)->len);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void blob_to_reply(keel_proc *p, const void *obj) {
    (void)obj;
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

static keel_status blob_save(const void *obj, keel_sink *sink) {
    const blob *b = obj;
    return keel_sink_write(sink, b->data, b->len);
}

static void *blob_load(const void *data, size_t len, const char **err) {
    void *b = blob_new(data, len);
    if (!b) *err = "out of memory";
    return b;
}

static const char *blob_encoding(const void *obj) {
    (void)obj;
    return "opaque";
}

static const keel_type_def ops = {
    .size = sizeof(keel_type_def),
    .name = NULL,
    .free = blob_free,
    .copy = blob_copy,
    .memory_usage = blob_memory,
    .describe = blob_describe,
    .to_reply = blob_to_reply,
    .save = blob_save,
    .load = blob_load,
    .encoding = blob_encoding,
};

const keel_type_def *blob_type_ops(void) {
    return &ops;
}

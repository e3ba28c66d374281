/* names.c -- building subscription identities (see names.h). */
#include "names.h"

static size_t id_size(const keel_arg *path, uint32_t npath, size_t nlen) {
    size_t n = 2 + nlen;
    for (uint32_t i = 0; i < npath; i++)
        n += 2 + path[i].len;
    return n;
}

void ps_id_make(ps_id *id, ps_kind kind, const keel_arg *path, uint32_t npath, const void *name,
                size_t nlen) {
    size_t len = id_size(path, npath, nlen);
    id->bytes = len <= sizeof id->inline_buf ? id->inline_buf : keel_alloc(len);
    char *w = id->bytes;
    *w++ = (char)kind;
    *w++ = (char)npath; /* at most KEEL_NS_DEPTH_MAX */
    for (uint32_t i = 0; i < npath; i++) {
        *w++ = (char)(path[i].len >> 8); /* at most 512 */
        *w++ = (char)(path[i].len & 0xff);
        memcpy(w, path[i].ptr, path[i].len);
        w += path[i].len;
    }
    id->name_off = (size_t)(w - id->bytes);
    if (nlen) memcpy(w, name, nlen);
    id->len = len;
}

void ps_id_done(ps_id *id) {
    if (id->bytes != id->inline_buf) keel_free(id->bytes);
    id->bytes = NULL;
}

const char *ps_kind_word_subscribe(ps_kind kind) {
    return kind == PS_PATTERN ? "psubscribe" : kind == PS_SHARD ? "ssubscribe" : "subscribe";
}

const char *ps_kind_word_unsubscribe(ps_kind kind) {
    return kind == PS_PATTERN ? "punsubscribe" : kind == PS_SHARD ? "sunsubscribe" : "unsubscribe";
}

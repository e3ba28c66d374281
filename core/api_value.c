/* api_value.c -- the SDK calls that move one module value through its type's snapshot form
 * (keel_value_save, keel_type_lookup, keel_key_store_saved): what DUMP and RESTORE of types
 * Redis does not have are built on. */
#include "config.h"
#include "api.h"
#include "ns.h"
#include "registry.h"
#include "snap_shard.h"

#include <string.h>

keel_status keel_value_save(keel_proc *p, const keel_value *v, keel_buf *out) {
    (void)p;
    if (!v || !out || v->type == KEEL_TYPE_BOX || v->type == ns_type()) return KEEL_EINVAL;
    const type_entry *te = type_by_id(v->type);
    if (!te || !te->def.save || !v->obj) return KEEL_EINVAL;
    struct keel_sink sink;
    memset(&sink, 0, sizeof sink);
    keel_status st = te->def.save(v->obj, &sink);
    if (st == KEEL_OK && sink.buf.oom) st = KEEL_ENOMEM;
    if (st == KEEL_OK && sink.buf.len) {
        char *at = keel_buf_reserve(out, sink.buf.len);
        if (at) {
            memcpy(at, sink.buf.p, sink.buf.len);
            out->len += sink.buf.len;
        } else {
            st = KEEL_ENOMEM;
        }
    }
    snap_buf_free(&sink.buf);
    return st;
}

keel_type_id keel_type_lookup(const char *name) {
    if (!name) return KEEL_TYPE_NONE;
    for (size_t id = 1; id <= type_count(); id++) {
        const type_entry *te = type_by_id((keel_type_id)id);
        if (te && !strcmp(te->def.name, name)) return te->id;
    }
    return KEEL_TYPE_NONE;
}

keel_status keel_key_store_saved(keel_proc *p, const void *key, size_t klen, keel_type_id type,
                                 const void *data, size_t len, const char **err) {
    const char *why = NULL;
    const type_entry *te = type == ns_type() ? NULL : type_by_id(type);
    if (!te || !te->def.load) {
        if (err) *err = "the type cannot be loaded";
        return KEEL_EINVAL;
    }
    void *obj = te->def.load(data, len, &why);
    if (!obj) {
        if (err) *err = why ? why : "the type refused the bytes";
        return KEEL_EINVAL;
    }
    keel_status st = keel_key_store_object(p, key, klen, type, obj, 0);
    if (st != KEEL_OK) te->def.free(obj);
    return st;
}

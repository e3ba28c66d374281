/* reply_item.c -- reading the reply trees of memcached commands (see reply_item.h). */
#include "reply_item.h"

bool mc_reply_u64(const keel_reply *r, uint64_t *v) {
    if (r && r->type == KEEL_REPLY_INT && r->v.i >= 0)
        *v = (uint64_t)r->v.i;
    else if (r && r->type == KEEL_REPLY_UINT)
        *v = r->v.u;
    else
        return false;
    return true;
}

bool mc_reply_is_string(const keel_reply *r) {
    return r && (r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_SIMPLE ||
                 r->type == KEEL_REPLY_VERBATIM);
}

bool mc_reply_item(const keel_reply *r, mc_item_view *out) {
    const keel_reply *key = r && r->len == 4 ? r->v.child : NULL;
    const keel_reply *flags = key ? key->next : NULL;
    const keel_reply *val = flags ? flags->next : NULL;
    const keel_reply *cas = val ? val->next : NULL;
    out->key = key;
    out->value = val;
    return mc_reply_is_string(key) && mc_reply_u64(flags, &out->flags) && mc_reply_is_string(val) &&
           mc_reply_u64(cas, &out->cas);
}

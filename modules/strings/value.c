/* value.c -- storing strings as the most compact exact box, reading them back as text. */
#include "value.h"

#include <string.h>

dk_val str_box(const char *s, size_t n) {
    return dk_box_from_text(s, n);
}

size_t str_text(const dk_val *box, char *buf, const char **s) {
    return dk_box_text(box, buf, s);
}

keel_status str_lookup(keel_proc *p, const keel_arg *key, keel_value *v) {
    v->size = sizeof *v;
    keel_status st = keel_key_lookup(p, key->ptr, key->len, v);
    if (st == KEEL_OK && v->type != KEEL_TYPE_BOX) {
        str_wrongtype(p);
        return KEEL_EWRONGTYPE;
    }
    return st;
}

keel_op_result str_wrongtype(keel_proc *p) {
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return KEEL_FAIL;
}

keel_status str_store(keel_proc *p, const keel_arg *key, const char *s, size_t n, unsigned flags) {
    dk_val box = str_box(s, n);
    return keel_key_store(p, key->ptr, key->len, &box, flags);
}

keel_op_result str_store_failed(keel_proc *p, keel_status st) {
    (void)st;
    keel_reply_error(p, "ERR out of memory");
    return KEEL_FAIL;
}

keel_op_result str_too_long(keel_proc *p) {
    keel_reply_error(p, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return KEEL_FAIL;
}

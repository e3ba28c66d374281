/* edit.c -- opening a string for a change in place, bit by bit (SETBIT, BITFIELD). */
#include "edit.h"
#include "value.h"

#include <string.h>

/* Bytes copied or zeroed per reduction. */
#define EDIT_BYTES_PER_REDUCTION 1024
/* Values this long are worth asking to change in place (the keyspace keeps bytes past about
 * 1 KB out of line, where they can be written); shorter ones are copied and stored. */
#define EDIT_IN_PLACE_MIN 1024

keel_status str_edit_open(keel_proc *p, const keel_arg *key, keel_status found, const keel_value *v,
                          size_t need, str_edit *e) {
    memset(e, 0, sizeof *e);
    e->created = found != KEEL_OK;
    if (!e->created && v->box.type == DK_BYTES && v->box.len >= EDIT_IN_PLACE_MIN) {
        void *bytes;
        size_t len;
        keel_status st = keel_key_bytes_edit(p, key->ptr, key->len, need, &bytes, &len);
        if (st == KEEL_OK) {
            e->bytes = bytes;
            e->len = len;
            e->old_len = v->box.len;
            e->in_place = true;
            keel_charge(p, (int64_t)((len - e->old_len) / EDIT_BYTES_PER_REDUCTION));
            return KEEL_OK;
        }
        if (st != KEEL_EINVAL) return st;
    }
    if (e->created && need >= KEEL_STORE_BYTES_MIN) {
        void *bytes;
        keel_status st = keel_key_store_bytes(p, key->ptr, key->len, need, &bytes);
        if (st != KEEL_OK) return st;
        memset(bytes, 0, need);
        e->bytes = bytes;
        e->len = need;
        e->in_place = true;
        keel_charge(p, (int64_t)(need / EDIT_BYTES_PER_REDUCTION));
        return KEEL_OK;
    }
    char buf[STR_NUM_TEXT];
    const char *old = "";
    size_t olen = e->created ? 0 : str_text(&v->box, buf, &old);
    size_t n = need > olen ? need : olen;
    e->bytes = keel_proc_alloc(p, n ? n : 1);
    memcpy(e->bytes, old, olen);
    memset(e->bytes + olen, 0, n - olen);
    e->len = n;
    e->old_len = olen;
    keel_charge(p, (int64_t)(n / EDIT_BYTES_PER_REDUCTION));
    return KEEL_OK;
}

keel_status str_edit_close(keel_proc *p, const keel_arg *key, str_edit *e) {
    if (e->in_place) return KEEL_OK;
    return str_store(p, key, (const char *)e->bytes, e->len, KEEL_STORE_KEEPTTL);
}

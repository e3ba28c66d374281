/* edit.h -- opening a string for a change in place, bit by bit (SETBIT, BITFIELD). */
#ifndef KEEL_STRINGS_EDIT_H
#define KEEL_STRINGS_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

/* A string being changed. */
typedef struct str_edit {
    uint8_t *bytes; /* its bytes, writable until the opcode returns */
    size_t len;     /* its length now (grown) */
    size_t old_len; /* its length before (0 when it did not exist) */
    bool created;   /* the key did not exist */
    bool in_place;  /* bytes lie in the keyspace: str_edit_close stores nothing */
} str_edit;

/* Opens key's string for a change, grown with zero bytes to at least need bytes (need <=
 * STR_MAX_LEN + 8: a BITFIELD write may end a field past the last offset).  found and v are
 * what str_lookup just answered (KEEL_OK or KEEL_NOTFOUND).  A value of 1 KB or more is written
 * where it lies when the keyspace allows (keel_key_bytes_edit: no copy); a new one of 64 KB or
 * more is reserved in the keyspace (keel_key_store_bytes); anything else is copied into the
 * arena and stored by str_edit_close.  Charges 1 reduction per KiB copied or zeroed.  KEEL_OK, or
 * a status to pass on (KEEL_MOVED/KEEL_WAIT), or another failure for str_store_failed. */
keel_status str_edit_open(keel_proc *p, const keel_arg *key, keel_status found, const keel_value *v,
                          size_t need, str_edit *e);

/* Stores the changed value (keeping the key's expiry) unless it was changed in place.  Returns
 * the store's status as str_store does. */
keel_status str_edit_close(keel_proc *p, const keel_arg *key, str_edit *e);

#endif

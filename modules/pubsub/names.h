/* names.h -- a subscription's identity: its kind (channel, pattern, shard channel), the namespace
 * it lives in and its name, as one byte string.
 *
 *   kind (1 byte) | path length n (1 byte) | n x (name length, 2 bytes big endian | name) | name
 *
 * Namespace names are 1 to 512 bytes and paths at most 16 names, so the prefix always parses
 * the same way whatever bytes the channel's name holds: a channel of one namespace can never be
 * spelled from another.  Two identities are in the same namespace when their bytes from 1 up to
 * their names' offsets are equal. */
#ifndef PUBSUB_NAMES_H
#define PUBSUB_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <keel/sdk.h>

typedef enum ps_kind { PS_CHANNEL = 'c', PS_PATTERN = 'p', PS_SHARD = 's' } ps_kind;

/* The longest namespace name the encoding holds (the core's are at most 512 bytes). */
#define PS_PATH_NAME_MAX 0xffffu

/* An identity in the caller's memory (ps_id_make). */
typedef struct ps_id {
    char *bytes;
    size_t len;
    size_t name_off;      /* where the name starts */
    char inline_buf[256]; /* short identities live here, others in keel_alloc'd memory */
} ps_id;

/* Builds the identity of name (nlen bytes) of kind in the namespace path[0..npath). */
void ps_id_make(ps_id *id, ps_kind kind, const keel_arg *path, uint32_t npath, const void *name,
                size_t nlen);
/* Frees what ps_id_make allocated (nothing for a short one). */
void ps_id_done(ps_id *id);

static inline ps_kind ps_id_kind(const char *bytes) {
    return (ps_kind)bytes[0];
}

/* True when identities a and b (their bytes and names' offsets) are in the same namespace. */
static inline bool ps_same_path(const char *a, size_t a_off, const char *b, size_t b_off) {
    return a_off == b_off && memcmp(a + 1, b + 1, a_off - 1) == 0;
}

/* The kinds' words in replies and pushes. */
const char *ps_kind_word_subscribe(ps_kind kind);   /* "subscribe" "psubscribe" "ssubscribe" */
const char *ps_kind_word_unsubscribe(ps_kind kind); /* "unsubscribe" ... */

#endif

/* value.h -- how strings.so stores a string value and reads it back.
 *
 * A string is stored as the most compact datakit box that gives back exactly the same bytes:
 * an integer box when the text is a canonical decimal integer ("42", "-7", never "042" or
 * "+1"), a real box when dk_val_format writes the same text back ("1.5", "0.25"; not "1.0",
 * "1e3", "-0.0"), and bytes for everything else.  GET therefore always returns the bytes SET
 * was given.
 */
#ifndef KEEL_STRINGS_VALUE_H
#define KEEL_STRINGS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/sdk.h>

/* Largest string a command may build (Redis's default proto-max-bulk-len, 512 MB). */
#define STR_MAX_LEN ((size_t)512 * 1024 * 1024)

/* Room for the text of any number box. */
#define STR_NUM_TEXT DK_BOX_TEXT_MAX

/* The box that stores s[0..n): an integer or real box when its text is exactly s, else bytes
 * viewing s (the caller keeps s alive until the box is stored). */
dk_val str_box(const char *s, size_t n);

/* The text of a stored box: bytes are returned as a view, numbers are written into buf (which
 * must hold STR_NUM_TEXT bytes).  Sets *s and returns the length. */
size_t str_text(const dk_val *box, char *buf, const char **s);

/* Looks key up as a string.  KEEL_OK fills *v (a string box), KEEL_NOTFOUND when absent,
 * KEEL_MOVED/KEEL_WAIT to pass on with KEEL_OP_PROPAGATE, or KEEL_EWRONGTYPE after replying
 * the WRONGTYPE error (the opcode then returns KEEL_FAIL). */
keel_status str_lookup(keel_proc *p, const keel_arg *key, keel_value *v);

/* Replies the WRONGTYPE error; returns KEEL_FAIL. */
keel_op_result str_wrongtype(keel_proc *p);

/* Stores s[0..n) at key as str_box(s, n) with keel_key_store flags.  Returns the store's
 * status: KEEL_MOVED/KEEL_WAIT to pass on, other failures for str_store_failed. */
keel_status str_store(keel_proc *p, const keel_arg *key, const char *s, size_t n, unsigned flags);

/* Replies the error for a failed store (out of memory); returns KEEL_FAIL. */
keel_op_result str_store_failed(keel_proc *p, keel_status st);

/* Replies Redis's error for a string that would grow past STR_MAX_LEN; returns KEEL_FAIL. */
keel_op_result str_too_long(keel_proc *p);

#endif

/* item.h -- memcached items on Keel's keyspace: how values are stored (exactly as strings.so
 * stores strings, so RESP and memcached clients see the same bytes), expiry times, CAS uniques
 * and client flags, and the steps that finish writing an item.
 *
 * An item is a string key.  Its client flags live in the key's optional 32-bit word (only when
 * they are not 0), its CAS unique in the optional 64-bit word, given out lazily: the first
 * "gets" (or a meta command asking for it) assigns one from a global counter.  Replacing the
 * value clears both words, so a CAS handed out before a change no longer matches.  The two top
 * bits of the 64-bit word hold meta protocol states (stale, recache token sent).
 */
#ifndef MC_ITEM_H
#define MC_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

/* Expiry results of mc_expiry_at. */
#define MC_AT_NEVER (-1) /* no expiry */
#define MC_AT_EXPIRED 0  /* already expired: the item disappears at once */
#define MC_AT_KEEP (-2)  /* leave the key's expiry as it is (mc_item_finish only) */

/* The 64-bit optional word: the CAS unique in the low bits, meta states on top. */
#define MC_CAS_MASK ((UINT64_C(1) << 62) - 1)
#define MC_AUX_STALE (UINT64_C(1) << 63) /* md I / ms I: the value is stale */
#define MC_AUX_TOKEN (UINT64_C(1) << 62) /* a recache token (W) was handed out */

/* Room for the text of a number box. */
#define MC_BOX_TEXT DK_BOX_TEXT_MAX

/* The box that stores s[0..n): exactly what strings.so stores for the same bytes
 * (dk_box_from_text: an integer or real box when its text is exactly s, else bytes viewing s). */
static inline dk_val mc_box(const char *s, size_t n) {
    return dk_box_from_text(s, n);
}

/* The text of a stored box: bytes as a view, numbers written into buf (MC_BOX_TEXT bytes).
 * Sets *s and returns the length. */
static inline size_t mc_box_text(const dk_val *box, char *buf, const char **s) {
    return dk_box_text(box, buf, s);
}

/* An exptime as memcached reads it, into an absolute time in ms: 0 = MC_AT_NEVER, negative =
 * MC_AT_EXPIRED, up to 30 days = relative seconds, beyond = absolute unix seconds (a past one is
 * MC_AT_EXPIRED). */
int64_t mc_expiry_at(int64_t exptime, int64_t now_ms);

/* A new CAS unique (never 0, below MC_CAS_MASK), from a counter shared by all threads. */
uint64_t mc_cas_new(void);

/* The item's CAS unique (0 when it has none yet), and its meta state bits. */
static inline uint64_t mc_item_cas(const keel_value *v) {
    return v->has_aux64 ? v->aux64 & MC_CAS_MASK : 0;
}
static inline uint64_t mc_item_state(const keel_value *v) {
    return v->has_aux64 ? v->aux64 & ~MC_CAS_MASK : 0;
}
static inline uint32_t mc_item_flags(const keel_value *v) {
    return v->has_aux32 ? v->aux32 : 0;
}

/* Looks key up.  KEEL_OK with *v filled for a string item; KEEL_NOTFOUND for a missing key;
 * KEEL_EWRONGTYPE for a key holding another type; KEEL_MOVED / KEEL_WAIT to propagate. */
keel_status mc_item_lookup(keel_proc *p, const keel_arg *key, keel_value *v);

/* The text of a found item (see mc_box_text). */
static inline size_t mc_item_text(const keel_value *v, char *buf, const char **s) {
    return mc_box_text(&v->box, buf, s);
}

/* The unsigned 64-bit number a found item holds, by memcached's rule for incr and decr (what
 * strtoull reads: optional leading white space and '+', digits, then the end or white space;
 * no sign, no overflow).  False when it holds none. */
bool mc_item_number(const keel_value *v, uint64_t *out);

/* The box a number is stored as: the integer box dk_parse_int gives for its decimal text. */
static inline dk_val mc_number_box(uint64_t n) {
    return n <= (uint64_t)INT64_MAX ? dk_i64((int64_t)n) : dk_u64(n);
}

/* Gives a found item a CAS unique if it has none; returns it.  KEEL_OK, or the status of the
 * failed keel_key_aux_set (*cas is then 0). */
keel_status mc_item_ensure_cas(keel_proc *p, const keel_arg *key, keel_value *v, uint64_t *cas);

/* ---- writing ----
 * A write stores the value, then sets the expiry, the client flags and the 64-bit word, each
 * step recorded in registers so that a re-run after a hop or a wait resumes where it stopped:
 *   r0 = steps done (null: the write has not started), r1 = expiry (an MC_AT_ value or absolute
 * ms), r2 = client flags (null: none), r3 = the 64-bit word (null: none), r4 = the reply status. An
 * opcode decides, calls mc_item_begin (which stores the value), then mc_item_finish. */

/* The registers of a write. */
enum { MC_R_STEP = 0, MC_R_AT, MC_R_FLAGS, MC_R_AUX64, MC_R_STATUS };

/* True once the write has stored its value (a re-run must not decide again). */
static inline bool mc_item_begun(const keel_proc *p) {
    return p->reg[MC_R_STEP].type != DK_NULL;
}

/* Stores box at key (keeping the key's expiry when at is MC_AT_KEEP) and records the other
 * steps.  flags 0 stores no flags word; aux64 0 stores no 64-bit word.  Returns the store's
 * status (KEEL_MOVED / KEEL_WAIT: propagate, nothing recorded). */
keel_status mc_item_begin(keel_proc *p, const keel_arg *key, const dk_val *box, int64_t at,
                          uint32_t flags, uint64_t aux64, int status);

/* Carries out the recorded steps not done yet.  KEEL_OK when all are done (a key deleted by an
 * immediate expiry is fine), else a status to propagate. */
keel_status mc_item_finish(keel_proc *p, const keel_arg *key);

/* Replies the out-of-memory error memcached gives for a failed store; returns KEEL_FAIL. */
keel_op_result mc_item_store_failed(keel_proc *p);

#endif

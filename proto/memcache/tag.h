/* tag.h -- the 64-bit request tag: what the parser tells the encoder about each request.
 *
 * Every request the parser emits carries a tag, and the encoder gets it back with the reply.
 * The low bits say how to write the reply (its kind), then come option bits, then a small
 * number whose meaning depends on the kind (a message index for MC_KIND_MSG).  A tag of 0 is a
 * protocol error the core reports itself (the message is written as it is, the connection then
 * closes).
 */
#ifndef MC_TAG_H
#define MC_TAG_H

#include <stdint.h>

typedef enum mc_kind {
    MC_KIND_RAW = 0, /* an error from the core (tag 0): the line as it is */
    MC_KIND_VALUE,   /* get gets gat gats: a "VALUE" block on a hit, nothing on a miss */
    MC_KIND_STATUS,  /* storage, delete, touch: the status word (STORED, DELETED, ...) */
    MC_KIND_ARITH,   /* incr decr: the new number, or NOT_FOUND */
    MC_KIND_OK,      /* flush_all verbosity: "OK" whatever the reply */
    MC_KIND_VERSION, /* "VERSION ..." */
    MC_KIND_STATS,   /* "STAT name value" lines and END, or one word (RESET), or an error */
    MC_KIND_MSG,     /* a fixed line from mc_messages (the parser found a problem) */
    MC_KIND_END,     /* a keys line without keys ("gat 10"): just END */
    MC_KIND_SILENT,  /* nothing at all (a delayed flush_all carried out) */
    MC_KIND_MG,      /* meta get: VA / HD / EN */
    MC_KIND_MS,      /* meta set: HD / NS / EX / NF */
    MC_KIND_MD,      /* meta delete: HD / NF / EX */
    MC_KIND_MA,      /* meta arithmetic: VA / HD / NF / NS / EX */
    MC_KIND_MN,      /* meta no-op: MN */
    MC_KIND_ME,      /* meta debug: ME line or EN */
    MC_KIND_BIN,     /* a binary protocol request: the rest of the tag is bin.h's */
    MC_KIND_COUNT
} mc_kind;

#define MC_TAG_KIND_MASK 0x1fu
#define MC_TAG_QUIET (1u << 5) /* noreply (text) or q (meta): leave out the usual answers */
#define MC_TAG_LAST (1u << 6)  /* the last key of a keys line: END follows its reply */
#define MC_TAG_CAS (1u << 7)   /* gets / gats: VALUE lines carry the CAS unique */
#define MC_TAG_ARG_SHIFT 8     /* MC_KIND_MSG: the message index (enum mc_msg) */

static inline uint64_t mc_tag(mc_kind kind, unsigned bits) {
    return (uint64_t)kind | bits;
}
static inline uint64_t mc_tag_msg(unsigned msg, unsigned bits) {
    return (uint64_t)MC_KIND_MSG | bits | ((uint64_t)msg << MC_TAG_ARG_SHIFT);
}
static inline mc_kind mc_tag_kind(uint64_t tag) {
    return (mc_kind)(tag & MC_TAG_KIND_MASK);
}
static inline unsigned mc_tag_arg(uint64_t tag) {
    return (unsigned)(tag >> MC_TAG_ARG_SHIFT);
}

#endif

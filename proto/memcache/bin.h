/* bin.h -- memcached's binary protocol: its request parser and its reply encoder.
 *
 * A binary request is a 24-byte header (magic 0x80, opcode, key length, extras length, data
 * type, vbucket, body length, opaque, CAS) and a body of extras, key and value.  The parser turns
 * each one into the MC.* command the text protocol would run for the same work (set runs MC.MS,
 * get MC.GETS, ...), with a tag that carries the opcode and the opaque; the encoder writes the
 * command's reply as memcached's binary response (magic 0x81) for that opcode.  Quiet opcodes
 * leave out what memcached leaves out: their successes (GETQ and friends: their misses).
 *
 * Frames memcached would close the connection for (a key or extras longer than the body, a key
 * over 250 bytes, extras or lengths that do not fit the opcode) are answered with its status and
 * close it; an unknown opcode is answered "Unknown command" and its body skipped; a value over
 * the item size limit is answered "Too large." and skipped without being buffered.
 */
#ifndef MC_BIN_H
#define MC_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/proto.h>
#include "tag.h"

#define MC_BIN_REQ_MAGIC 0x80
#define MC_BIN_RES_MAGIC 0x81
#define MC_BIN_HEADER 24

/* Opcodes. */
enum {
    MC_BIN_GET = 0x00,
    MC_BIN_SET = 0x01,
    MC_BIN_ADD = 0x02,
    MC_BIN_REPLACE = 0x03,
    MC_BIN_DELETE = 0x04,
    MC_BIN_INCR = 0x05,
    MC_BIN_DECR = 0x06,
    MC_BIN_QUIT = 0x07,
    MC_BIN_FLUSH = 0x08,
    MC_BIN_GETQ = 0x09,
    MC_BIN_NOOP = 0x0a,
    MC_BIN_VERSION = 0x0b,
    MC_BIN_GETK = 0x0c,
    MC_BIN_GETKQ = 0x0d,
    MC_BIN_APPEND = 0x0e,
    MC_BIN_PREPEND = 0x0f,
    MC_BIN_STAT = 0x10,
    MC_BIN_SETQ = 0x11,
    MC_BIN_ADDQ = 0x12,
    MC_BIN_REPLACEQ = 0x13,
    MC_BIN_DELETEQ = 0x14,
    MC_BIN_INCRQ = 0x15,
    MC_BIN_DECRQ = 0x16,
    MC_BIN_QUITQ = 0x17,
    MC_BIN_FLUSHQ = 0x18,
    MC_BIN_APPENDQ = 0x19,
    MC_BIN_PREPENDQ = 0x1a,
    MC_BIN_TOUCH = 0x1c,
    MC_BIN_GAT = 0x1d,
    MC_BIN_GATQ = 0x1e,
    MC_BIN_SASL_LIST = 0x20,
    MC_BIN_SASL_AUTH = 0x21,
    MC_BIN_SASL_STEP = 0x22,
    MC_BIN_GATK = 0x23,
    MC_BIN_GATKQ = 0x24
};

/* Response statuses. */
enum {
    MC_BIN_OK = 0x00,
    MC_BIN_KEY_ENOENT = 0x01,
    MC_BIN_KEY_EEXISTS = 0x02,
    MC_BIN_E2BIG = 0x03,
    MC_BIN_EINVAL = 0x04,
    MC_BIN_NOT_STORED = 0x05,
    MC_BIN_DELTA_BADVAL = 0x06,
    MC_BIN_AUTH_ERROR = 0x20,
    MC_BIN_UNKNOWN_COMMAND = 0x81,
    MC_BIN_ENOMEM = 0x82,
    MC_BIN_EINTERNAL = 0x84
};

/* The binary tag: kind MC_KIND_BIN, MC_TAG_QUIET for quiet opcodes, the opcode, a status the
 * parser already decided (0: the reply decides), and the request's opaque. */
#define MC_BIN_TAG_OPCODE_SHIFT 8
#define MC_BIN_TAG_STATUS_SHIFT 16
#define MC_BIN_TAG_OPAQUE_SHIFT 32

static inline uint64_t mc_bin_tag(uint8_t opcode, bool quiet, uint8_t status, uint32_t opaque) {
    return (uint64_t)MC_KIND_BIN | (quiet ? MC_TAG_QUIET : 0u) |
           (uint64_t)opcode << MC_BIN_TAG_OPCODE_SHIFT |
           (uint64_t)status << MC_BIN_TAG_STATUS_SHIFT |
           (uint64_t)opaque << MC_BIN_TAG_OPAQUE_SHIFT;
}
static inline uint8_t mc_bin_tag_opcode(uint64_t tag) {
    return (uint8_t)(tag >> MC_BIN_TAG_OPCODE_SHIFT);
}
static inline uint8_t mc_bin_tag_status(uint64_t tag) {
    return (uint8_t)(tag >> MC_BIN_TAG_STATUS_SHIFT);
}
static inline uint32_t mc_bin_tag_opaque(uint64_t tag) {
    return (uint32_t)(tag >> MC_BIN_TAG_OPAQUE_SHIFT);
}

/* Room for the arguments the parser writes as text ("F4294967295", "D18446744073709551615"). */
#define MC_BIN_TEXT 24
#define MC_BIN_MAX_ARGS 10

/* Per-connection parser state.  All zero is an idle parser; nothing to free. */
typedef struct mc_bin_parser {
    keel_arg argv[MC_BIN_MAX_ARGS];          /* the request being handed out */
    char text[MC_BIN_MAX_ARGS][MC_BIN_TEXT]; /* numbers written as the commands' arguments */
    uint64_t swallow;                        /* body bytes of a refused request still to skip */
    /* the request a protocol error (KEEL_PARSE_ERROR) answers, for the encoder: */
    uint8_t error_opcode;
    uint8_t error_status;
    uint32_t error_opaque;
} mc_bin_parser;

/* Parses at most one binary request from buf[0..len) (the keel_proto_def.parse contract):
 * KEEL_PARSE_OK with a request (or argc 0 after skipping body bytes), KEEL_PARSE_NEED with
 * req->need, KEEL_PARSE_ERROR for a frame that closes the connection (req->error is the body of
 * the error response; bp->error_* say which request and status), KEEL_PARSE_CLOSE for a bad
 * magic byte or QUITQ.  item_max is the largest value a store may carry. */
keel_parse_result mc_parse_bin(mc_bin_parser *bp, uint64_t item_max, const char *buf, size_t len,
                               keel_request *req);

/* Appends the binary response to the request tagged `tag` (kind MC_KIND_BIN) for reply r. */
void mc_encode_bin(uint64_t tag, const keel_reply *r, keel_buf *out);

/* Appends the error response a protocol error gets (status, opcode and opaque from the parser,
 * message as the body). */
void mc_encode_bin_error(uint8_t opcode, uint8_t status, uint32_t opaque, const char *msg, size_t n,
                         keel_buf *out);

#endif

/* parse_bin.c -- memcached binary requests into MC.* requests: the header's checks, each
 * opcode's frame rules (as memcached 1.6 applies them), and the arguments its command takes. */
#include <string.h>
#include "bin.h"
#include <datakit/decimal.h>
#include "wire.h"

/* SASL: the longest mechanism name memcached takes, and the most PLAIN credentials Keel reads. */
#define SASL_MECH_MAX 32
#define SASL_DATA_MAX 1024

typedef struct bin_header {
    uint8_t magic, opcode, extlen;
    uint16_t keylen;
    uint32_t bodylen, opaque;
    uint64_t cas;
} bin_header;

/* What the body of each opcode holds, as memcached checks it. */
typedef enum bin_shape {
    SHAPE_UNKNOWN = 0,
    SHAPE_GET,    /* key only */
    SHAPE_STORE,  /* 8 bytes of extras (flags, exptime), key, value */
    SHAPE_CONCAT, /* key, value */
    SHAPE_DELETE, /* key only */
    SHAPE_ARITH,  /* 20 bytes of extras (delta, initial, exptime), key */
    SHAPE_TOUCH,  /* 4 bytes of extras (exptime), key */
    SHAPE_FLUSH,  /* nothing, or 4 bytes of extras (exptime) */
    SHAPE_EMPTY,  /* nothing */
    SHAPE_STAT,   /* an optional key (the group); a value is ignored */
    SHAPE_SASL    /* key (the mechanism), value (the data) */
} bin_shape;

static bin_shape shape_of(uint8_t op, bool *quiet) {
    *quiet = false;
    switch (op) {
    case MC_BIN_GETQ:
    case MC_BIN_GETKQ:
        *quiet = true;
        return SHAPE_GET;
    case MC_BIN_GET:
    case MC_BIN_GETK:
        return SHAPE_GET;
    case MC_BIN_SETQ:
    case MC_BIN_ADDQ:
    case MC_BIN_REPLACEQ:
        *quiet = true;
        return SHAPE_STORE;
    case MC_BIN_SET:
    case MC_BIN_ADD:
    case MC_BIN_REPLACE:
        return SHAPE_STORE;
    case MC_BIN_APPENDQ:
    case MC_BIN_PREPENDQ:
        *quiet = true;
        return SHAPE_CONCAT;
    case MC_BIN_APPEND:
    case MC_BIN_PREPEND:
        return SHAPE_CONCAT;
    case MC_BIN_DELETEQ:
        *quiet = true;
        return SHAPE_DELETE;
    case MC_BIN_DELETE:
        return SHAPE_DELETE;
    case MC_BIN_INCRQ:
    case MC_BIN_DECRQ:
        *quiet = true;
        return SHAPE_ARITH;
    case MC_BIN_INCR:
    case MC_BIN_DECR:
        return SHAPE_ARITH;
    case MC_BIN_GATQ:
    case MC_BIN_GATKQ:
        *quiet = true;
        return SHAPE_TOUCH;
    case MC_BIN_TOUCH:
    case MC_BIN_GAT:
    case MC_BIN_GATK:
        return SHAPE_TOUCH;
    case MC_BIN_FLUSHQ:
        *quiet = true;
        return SHAPE_FLUSH;
    case MC_BIN_FLUSH:
        return SHAPE_FLUSH;
    case MC_BIN_QUITQ:
        *quiet = true;
        return SHAPE_EMPTY;
    case MC_BIN_QUIT:
    case MC_BIN_NOOP:
    case MC_BIN_VERSION:
    case MC_BIN_SASL_LIST:
        return SHAPE_EMPTY;
    case MC_BIN_STAT:
        return SHAPE_STAT;
    case MC_BIN_SASL_AUTH:
    case MC_BIN_SASL_STEP:
        return SHAPE_SASL;
    default:
        return SHAPE_UNKNOWN;
    }
}

/* True when the lengths fit the opcode (memcached closes the connection otherwise). */
static bool frame_ok(const bin_header *h, bin_shape shape) {
    uint32_t ext = h->extlen, key = h->keylen, body = h->bodylen;
    switch (shape) {
    case SHAPE_GET:
    case SHAPE_DELETE:
        return ext == 0 && key > 0 && body == key;
    case SHAPE_STORE:
        return ext == 8 && key > 0;
    case SHAPE_CONCAT:
    case SHAPE_SASL:
        return ext == 0 && key > 0;
    case SHAPE_ARITH:
        return ext == 20 && key > 0 && body == key + 20;
    case SHAPE_TOUCH:
        return ext == 4 && key > 0 && body == key + 4;
    case SHAPE_FLUSH:
        return key == 0 && body == ext && (ext == 0 || ext == 4);
    case SHAPE_EMPTY:
        return ext == 0 && key == 0 && body == 0;
    case SHAPE_STAT:
        return ext == 0;
    default:
        return false;
    }
}

static uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static void read_header(const char *buf, bin_header *h) {
    const unsigned char *b = (const unsigned char *)buf;
    h->magic = b[0];
    h->opcode = b[1];
    h->keylen = (uint16_t)(b[2] << 8 | b[3]);
    h->extlen = b[4];
    h->bodylen = rd32(b + 8);
    h->opaque = rd32(b + 12);
    h->cas = rd64(b + 16);
}

/* A frame that closes the connection: the encoder answers it with status and msg. */
static keel_parse_result fail(mc_bin_parser *bp, keel_request *req, const bin_header *h,
                              uint8_t status, const char *msg) {
    bp->error_opcode = h->opcode;
    bp->error_status = status;
    bp->error_opaque = h->opaque;
    req->error = msg;
    return KEEL_PARSE_ERROR;
}

/* Writes letter (0: none) and v as argument i's text; returns the argument. */
static keel_arg num_arg(mc_bin_parser *bp, int i, char letter, uint64_t v) {
    char *t = bp->text[i];
    size_t n = 0;
    if (letter) t[n++] = letter;
    n += dk_dec_fmt_u64(t + n, v);
    return (keel_arg){t, n};
}

static keel_arg lit(const char *s) {
    return (keel_arg){s, strlen(s)};
}

/* Hands out argv[0..argc) (argv[0] = cmd) with the tag of request h. */
static keel_parse_result emit(mc_bin_parser *bp, keel_request *req, const bin_header *h, bool quiet,
                              const char *cmd, uint32_t argc, size_t consumed, uint8_t status) {
    bp->argv[0] = lit(cmd);
    req->argc = argc;
    req->argv = bp->argv;
    req->consumed = consumed;
    req->tag = mc_bin_tag(h->opcode, quiet, status, h->opaque);
    return KEEL_PARSE_OK;
}

/* A reply-only request (no command runs: the encoder writes the answer) for request h. */
static keel_parse_result emit_reply(keel_request *req, const bin_header *h, size_t consumed,
                                    uint8_t status) {
    req->argc = 0;
    req->argv = NULL;
    req->consumed = consumed;
    req->tag = mc_bin_tag(h->opcode, false, status, h->opaque);
    req->reply_only = true; /* ABI 1.6, which the module's descriptor asks for */
    return KEEL_PARSE_OK;
}

/* An answer decided here (status; nothing runs), skipping `skip` body bytes after the
 * `consumed` ones. */
static keel_parse_result answer(mc_bin_parser *bp, keel_request *req, const bin_header *h,
                                uint8_t status, size_t consumed, uint64_t skip) {
    bp->swallow = skip;
    return emit_reply(req, h, consumed, status);
}

/* set add replace (quiet or not): MC.MS key value F<flags> T<exptime> M<mode> c [C<cas>].  A
 * CAS makes any of them a compare-and-set, as in memcached. */
static uint32_t store_args(mc_bin_parser *bp, const bin_header *h, const char *ext) {
    const unsigned char *e = (const unsigned char *)ext;
    uint32_t n = 3;
    bp->argv[n] = num_arg(bp, n, 'F', rd32(e));
    n++;
    bp->argv[n] = num_arg(bp, n, 'T', rd32(e + 4));
    n++;
    uint8_t op = h->opcode;
    const char *mode = "MS";
    if (h->cas == 0 && (op == MC_BIN_ADD || op == MC_BIN_ADDQ)) mode = "ME";
    if (h->cas == 0 && (op == MC_BIN_REPLACE || op == MC_BIN_REPLACEQ)) mode = "MR";
    bp->argv[n++] = lit(mode);
    bp->argv[n++] = lit("c");
    if (h->cas) {
        bp->argv[n] = num_arg(bp, n, 'C', h->cas);
        n++;
    }
    return n;
}

/* append prepend: MC.MS key value M<A|P> c [C<cas>]. */
static uint32_t concat_args(mc_bin_parser *bp, const bin_header *h) {
    bool append = h->opcode == MC_BIN_APPEND || h->opcode == MC_BIN_APPENDQ;
    uint32_t n = 3;
    bp->argv[n++] = lit(append ? "MA" : "MP");
    bp->argv[n++] = lit("c");
    if (h->cas) {
        bp->argv[n] = num_arg(bp, n, 'C', h->cas);
        n++;
    }
    return n;
}

/* incr decr: MC.MA key D<delta> J<initial> M<+|-> v c [N<exptime>] [C<cas>]; an exptime of
 * 0xffffffff means "do not create". */
static uint32_t arith_args(mc_bin_parser *bp, const bin_header *h, const char *ext) {
    const unsigned char *e = (const unsigned char *)ext;
    bool decr = h->opcode == MC_BIN_DECR || h->opcode == MC_BIN_DECRQ;
    uint32_t n = 2;
    bp->argv[n] = num_arg(bp, n, 'D', rd64(e));
    n++;
    bp->argv[n] = num_arg(bp, n, 'J', rd64(e + 8));
    n++;
    bp->argv[n++] = lit(decr ? "M-" : "M+");
    bp->argv[n++] = lit("v");
    bp->argv[n++] = lit("c");
    uint32_t exptime = rd32(e + 16);
    if (exptime != 0xffffffffu) {
        bp->argv[n] = num_arg(bp, n, 'N', exptime);
        n++;
    }
    if (h->cas) {
        bp->argv[n] = num_arg(bp, n, 'C', h->cas);
        n++;
    }
    return n;
}

/* SASL AUTH with PLAIN ("authzid\0authcid\0password"): the core's AUTH with the password (the
 * names are not checked: Keel networks have one password).  Anything else: an auth error. */
static keel_parse_result sasl(mc_bin_parser *bp, keel_request *req, const bin_header *h,
                              const keel_arg *mech, const char *data, size_t n, size_t frame) {
    const char *zero1 = memchr(data, '\0', n);
    const char *zero2 = zero1 ? memchr(zero1 + 1, '\0', n - (size_t)(zero1 + 1 - data)) : NULL;
    bool plain = h->opcode == MC_BIN_SASL_AUTH && mech->len == 5 && !memcmp(mech->ptr, "PLAIN", 5);
    if (!plain || !zero2) return answer(bp, req, h, MC_BIN_AUTH_ERROR, frame, 0);
    bp->argv[1] = lit("default");
    bp->argv[2] = (keel_arg){zero2 + 1, n - (size_t)(zero2 + 1 - data)};
    return emit(bp, req, h, false, "AUTH", 3, frame, 0);
}

/* Builds the request of a frame that is whole in buf. */
static keel_parse_result build(mc_bin_parser *bp, keel_request *req, const bin_header *h,
                               bool quiet, const char *buf) {
    const char *ext = buf + MC_BIN_HEADER;
    const char *key = ext + h->extlen;
    const char *value = key + h->keylen;
    size_t vlen = h->bodylen - h->extlen - h->keylen;
    size_t frame = MC_BIN_HEADER + (size_t)h->bodylen;
    bp->argv[1] = (keel_arg){key, h->keylen};
    switch (h->opcode) {
    case MC_BIN_GET:
    case MC_BIN_GETQ:
        return emit(bp, req, h, quiet, "MC.GETS", 2, frame, 0);
    case MC_BIN_GETK:
    case MC_BIN_GETKQ:
        return emit(bp, req, h, quiet, "MC.GETK", 2, frame, 0);
    case MC_BIN_TOUCH:
    case MC_BIN_GAT:
    case MC_BIN_GATQ:
        bp->argv[2] = num_arg(bp, 2, 0, rd32((const unsigned char *)ext));
        return emit(bp, req, h, quiet, "MC.GATS", 3, frame, 0);
    case MC_BIN_GATK:
    case MC_BIN_GATKQ:
        bp->argv[2] = num_arg(bp, 2, 0, rd32((const unsigned char *)ext));
        return emit(bp, req, h, quiet, "MC.GATK", 3, frame, 0);
    case MC_BIN_DELETE:
    case MC_BIN_DELETEQ:
        if (!h->cas) return emit(bp, req, h, quiet, "MC.DELETE", 2, frame, 0);
        bp->argv[2] = num_arg(bp, 2, 'C', h->cas);
        return emit(bp, req, h, quiet, "MC.MD", 3, frame, 0);
    case MC_BIN_INCR:
    case MC_BIN_INCRQ:
    case MC_BIN_DECR:
    case MC_BIN_DECRQ:
        return emit(bp, req, h, quiet, "MC.MA", arith_args(bp, h, ext), frame, 0);
    case MC_BIN_FLUSH:
    case MC_BIN_FLUSHQ: {
        uint32_t delay = h->extlen == 4 ? rd32((const unsigned char *)ext) : 0;
        if (delay == 0) return emit(bp, req, h, quiet, "MC.FLUSH", 1, frame, 0);
        bp->argv[1] = num_arg(bp, 1, 0, delay);
        return emit(bp, req, h, quiet, "MC.FLUSH", 2, frame, 0);
    }
    case MC_BIN_QUIT:
        return emit(bp, req, h, false, "MC.QUIT", 1, frame, 0);
    case MC_BIN_QUITQ:
        req->consumed = frame;
        return KEEL_PARSE_CLOSE;
    case MC_BIN_STAT:
        return emit(bp, req, h, false, "MC.STATS", h->keylen ? 2 : 1, frame, 0);
    case MC_BIN_SASL_AUTH:
    case MC_BIN_SASL_STEP:
        return sasl(bp, req, h, &bp->argv[1], value, vlen, frame);
    case MC_BIN_SET:
    case MC_BIN_SETQ:
    case MC_BIN_ADD:
    case MC_BIN_ADDQ:
    case MC_BIN_REPLACE:
    case MC_BIN_REPLACEQ:
        bp->argv[2] = (keel_arg){value, vlen};
        return emit(bp, req, h, quiet, "MC.MS", store_args(bp, h, ext), frame, 0);
    case MC_BIN_APPEND:
    case MC_BIN_APPENDQ:
    case MC_BIN_PREPEND:
    case MC_BIN_PREPENDQ:
        bp->argv[2] = (keel_arg){value, vlen};
        return emit(bp, req, h, quiet, "MC.MS", concat_args(bp, h), frame, 0);
    default: /* NOOP VERSION SASL_LIST: the encoder writes the answer */
        return emit_reply(req, h, frame, 0);
    }
}

/* Skips what is left of a refused request's body. */
static keel_parse_result swallow(mc_bin_parser *bp, size_t len, keel_request *req) {
    size_t n = len < bp->swallow ? len : (size_t)bp->swallow;
    bp->swallow -= n;
    req->consumed = n;
    return n ? KEEL_PARSE_OK : KEEL_PARSE_NEED;
}

keel_parse_result mc_parse_bin(mc_bin_parser *bp, uint64_t item_max, const char *buf, size_t len,
                               keel_request *req) {
    req->argc = 0;
    req->argv = NULL;
    req->consumed = 0;
    req->need = 0;
    req->tag = 0;
    req->error = NULL;
    if (bp->swallow) return swallow(bp, len, req);
    if (len < MC_BIN_HEADER) {
        req->need = MC_BIN_HEADER;
        return KEEL_PARSE_NEED;
    }
    bin_header h;
    read_header(buf, &h);
    if (h.magic != MC_BIN_REQ_MAGIC) return KEEL_PARSE_CLOSE; /* memcached says nothing */
    if ((uint32_t)h.keylen + h.extlen > h.bodylen)
        return fail(bp, req, &h, MC_BIN_UNKNOWN_COMMAND, "Unknown command");
    if (h.keylen > MC_KEY_MAX) return fail(bp, req, &h, MC_BIN_EINVAL, "Invalid arguments");
    bool quiet;
    bin_shape shape = shape_of(h.opcode, &quiet);
    if (shape == SHAPE_UNKNOWN)
        return answer(bp, req, &h, MC_BIN_UNKNOWN_COMMAND, MC_BIN_HEADER, h.bodylen);
    if (!frame_ok(&h, shape)) return fail(bp, req, &h, MC_BIN_EINVAL, "Invalid arguments");
    size_t head = MC_BIN_HEADER + (size_t)h.extlen + h.keylen;
    uint64_t vlen = (uint64_t)h.bodylen - h.extlen - h.keylen;
    bool refuse = ((shape == SHAPE_STORE || shape == SHAPE_CONCAT) && vlen > item_max) ||
                  (shape == SHAPE_STAT && vlen > 0) ||
                  (shape == SHAPE_SASL && (h.keylen > SASL_MECH_MAX || vlen > SASL_DATA_MAX));
    if (refuse && len < head) {
        req->need = head;
        return KEEL_PARSE_NEED;
    }
    if (refuse && shape == SHAPE_STAT) { /* the group is the key; a value means nothing */
        bp->swallow = vlen;
        bp->argv[1] = (keel_arg){buf + head - h.keylen, h.keylen};
        return emit(bp, req, &h, false, "MC.STATS", h.keylen ? 2 : 1, head, 0);
    }
    if (refuse && shape == SHAPE_SASL) return answer(bp, req, &h, MC_BIN_EINVAL, head, vlen);
    if (refuse) { /* too large: skipped unread; a refused set deletes the key, as memcached */
        bool set = h.opcode == MC_BIN_SET || h.opcode == MC_BIN_SETQ;
        bp->swallow = vlen;
        bp->argv[1] = (keel_arg){buf + head - h.keylen, h.keylen};
        bp->argv[2] = lit(set ? "set" : "store");
        return emit(bp, req, &h, false, "MC.REFUSE", 3, head, MC_BIN_E2BIG);
    }
    size_t frame = MC_BIN_HEADER + (size_t)h.bodylen;
    if (len < frame) {
        req->need = frame;
        return KEEL_PARSE_NEED;
    }
    return build(bp, req, &h, quiet, buf);
}

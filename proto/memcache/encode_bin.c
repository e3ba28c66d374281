/* encode_bin.c -- binary responses: each opcode's reply tree into memcached's response frames.
 *
 * What the commands reply, by opcode (see parse_bin.c for which command runs):
 *   GET GETK GAT GATK TOUCH  [key, flags, value, cas] on a hit; nil (or the key) on a miss
 *   SET ADD REPLACE APPEND PREPEND  MC.MS's [mc_status, "c<cas>"]
 *   DELETE   an mc_status (MC.DELETE) or MC.MD's [mc_status, ""]
 *   INCR DECR  MC.MA's [mc_status, "c<cas>", number?]
 *   STAT     a map of names to values, or the word RESET
 *   FLUSH NOOP QUIT VERSION SASL_LIST SASL_AUTH: success whatever the reply, unless an error
 * An error reply becomes memcached's status for it, with memcached's text as the body.
 */
#include <string.h>
#include <keel/sdk.h>
#include "bin.h"
#include <datakit/decimal.h>
#include "reply_item.h"
#include "wire.h"

/* One response frame. */
typedef struct bin_resp {
    uint8_t opcode;
    uint8_t status;
    uint32_t opaque;
    uint64_t cas;
    const char *ext; /* extras (4 bytes of flags, or nothing) */
    uint8_t extlen;
    const char *key;
    size_t keylen;
    const char *val;
    size_t vlen;
} bin_resp;

static char *put32(char *p, uint32_t v) {
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
    return p + 4;
}

static char *put64(char *p, uint64_t v) {
    return put32(put32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static void put_resp(const bin_resp *b, keel_buf *out) {
    size_t body = b->extlen + b->keylen + b->vlen;
    char *w = keel_buf_reserve(out, MC_BIN_HEADER + body), *p = w;
    *p++ = (char)MC_BIN_RES_MAGIC;
    *p++ = (char)b->opcode;
    *p++ = (char)(b->keylen >> 8);
    *p++ = (char)b->keylen;
    *p++ = (char)b->extlen;
    *p++ = 0; /* data type: raw bytes */
    *p++ = 0;
    *p++ = (char)b->status;
    p = put32(p, (uint32_t)body);
    p = put32(p, b->opaque);
    p = put64(p, b->cas);
    if (b->extlen) memcpy(p, b->ext, b->extlen);
    p += b->extlen;
    if (b->keylen) memcpy(p, b->key, b->keylen);
    p += b->keylen;
    if (b->vlen) memcpy(p, b->val, b->vlen);
    p += b->vlen;
    out->len += (size_t)(p - w);
}

/* memcached's text for each error status. */
static const char *status_text(uint8_t status) {
    switch (status) {
    case MC_BIN_KEY_ENOENT:
        return "Not found";
    case MC_BIN_KEY_EEXISTS:
        return "Data exists for key.";
    case MC_BIN_E2BIG:
        return "Too large.";
    case MC_BIN_EINVAL:
        return "Invalid arguments";
    case MC_BIN_NOT_STORED:
        return "Not stored.";
    case MC_BIN_DELTA_BADVAL:
        return "Non-numeric server-side value for incr or decr";
    case MC_BIN_AUTH_ERROR:
        return "Auth failure.";
    case MC_BIN_UNKNOWN_COMMAND:
        return "Unknown command";
    case MC_BIN_ENOMEM:
        return "Out of memory";
    default:
        return "";
    }
}

/* An error response with body msg[0..n), or memcached's text for the status when msg is NULL. */
static void put_error(bin_resp *b, uint8_t status, const char *msg, size_t n, keel_buf *out) {
    b->status = status;
    b->cas = 0;
    b->extlen = 0;
    b->keylen = 0;
    b->val = msg ? msg : status_text(status);
    b->vlen = msg ? n : strlen(b->val);
    put_resp(b, out);
}

void mc_encode_bin_error(uint8_t opcode, uint8_t status, uint32_t opaque, const char *msg, size_t n,
                         keel_buf *out) {
    bin_resp b = {.opcode = opcode, .opaque = opaque};
    put_error(&b, status, msg, n, out);
}

static bool starts(const char *s, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* The status an error reply gets; *keep says whether its message is the body (else memcached's
 * text for the status is). */
static uint8_t error_status(uint8_t op, const char *s, size_t n, bool *keep) {
    *keep = false;
    if (starts(s, n, "NOPERM ")) {
        *keep = true;
        return MC_BIN_AUTH_ERROR;
    }
    if (starts(s, n, "NOAUTH ") || op == MC_BIN_SASL_AUTH || op == MC_BIN_SASL_STEP)
        return MC_BIN_AUTH_ERROR;
    if (starts(s, n, "ERR unknown command")) return MC_BIN_UNKNOWN_COMMAND;
    if (starts(s, n, "SERVER_ERROR object too large")) return MC_BIN_E2BIG;
    if (starts(s, n, "SERVER_ERROR out of memory")) return MC_BIN_ENOMEM;
    if (starts(s, n, "CLIENT_ERROR cannot increment or decrement")) return MC_BIN_DELTA_BADVAL;
    if (op == MC_BIN_STAT) return MC_BIN_KEY_ENOENT;
    if (starts(s, n, "CLIENT_ERROR ")) return MC_BIN_EINVAL;
    *keep = true;
    return MC_BIN_EINTERNAL;
}

/* The response to an error reply. */
static void put_error_reply(bin_resp *b, const keel_reply *r, keel_buf *out) {
    bool keep;
    uint8_t status = error_status(b->opcode, r->v.s, r->len, &keep);
    put_error(b, status, keep ? r->v.s : NULL, r->len, out);
}

static void put_unexpected(bin_resp *b, keel_buf *out) {
    static const char msg[] = "SERVER_ERROR unexpected reply";
    put_error(b, MC_BIN_EINTERNAL, msg, sizeof msg - 1, out);
}

/* The CAS unique a meta reply's flags text reports ("c<n>"), 0 if none. */
static uint64_t flags_cas(const keel_reply *text) {
    const char *s = text->v.s;
    size_t n = text->len;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != 'c' || (i > 0 && s[i - 1] != ' ')) continue;
        size_t j = i + 1;
        while (j < n && s[j] != ' ')
            j++;
        uint64_t cas;
        if (dk_dec_u64(s + i + 1, j - i - 1, &cas)) return cas;
    }
    return 0;
}

/* Reads a meta reply [status, flags text, value?]. */
static bool meta_parts(const keel_reply *r, uint64_t *status, const keel_reply **text,
                       const keel_reply **value) {
    const keel_reply *st = r->type == KEEL_REPLY_ARRAY ? r->v.child : NULL;
    *text = st ? st->next : NULL;
    *value = *text ? (*text)->next : NULL;
    return mc_reply_u64(st, status) && mc_reply_is_string(*text) &&
           (!*value || mc_reply_is_string(*value));
}

/* get getq getk getkq gat gatq gatk gatkq touch */
static void put_get(bin_resp *b, bool quiet, const keel_reply *r, keel_buf *out) {
    uint8_t op = b->opcode;
    bool with_key =
        op == MC_BIN_GETK || op == MC_BIN_GETKQ || op == MC_BIN_GATK || op == MC_BIN_GATKQ;
    if (r->type != KEEL_REPLY_ARRAY) { /* a miss: nil, or the key */
        if (quiet) return;
        if (!with_key) {
            put_error(b, MC_BIN_KEY_ENOENT, NULL, 0, out);
            return;
        }
        b->status = MC_BIN_KEY_ENOENT;
        b->key = mc_reply_is_string(r) ? r->v.s : NULL;
        b->keylen = mc_reply_is_string(r) ? r->len : 0;
        {
            put_resp(b, out);
            return;
        }
    }
    mc_item_view it;
    if (!mc_reply_item(r, &it)) {
        put_unexpected(b, out);
        return;
    }
    const keel_reply *key = it.key, *val = it.value;
    uint64_t f = it.flags, c = it.cas;
    char ext[4];
    put32(ext, (uint32_t)f);
    b->ext = ext;
    b->extlen = 4;
    b->cas = c;
    if (with_key) {
        b->key = key->v.s;
        b->keylen = key->len;
    }
    if (op != MC_BIN_TOUCH) {
        b->val = val->v.s;
        b->vlen = val->len;
    }
    put_resp(b, out);
}

/* The status a meta reply's mc_status gives opcode op (MC_BIN_OK for a success). */
static uint8_t meta_status(uint8_t op, uint64_t st) {
    bool concat = op == MC_BIN_APPEND || op == MC_BIN_APPENDQ || op == MC_BIN_PREPEND ||
                  op == MC_BIN_PREPENDQ;
    switch (st) {
    case MC_STORED:
    case MC_DELETED:
    case MC_TOUCHED:
    case MC_HIT:
        return MC_BIN_OK;
    case MC_EXISTS:
        return MC_BIN_KEY_EEXISTS;
    case MC_NOT_FOUND:
        return concat ? MC_BIN_NOT_STORED : MC_BIN_KEY_ENOENT;
    default: /* MC_NOT_STORED */
        if (op == MC_BIN_ADD || op == MC_BIN_ADDQ) return MC_BIN_KEY_EEXISTS;
        if (op == MC_BIN_REPLACE || op == MC_BIN_REPLACEQ) return MC_BIN_KEY_ENOENT;
        return MC_BIN_NOT_STORED;
    }
}

/* set add replace append prepend delete incr decr (quiet or not) */
static void put_update(bin_resp *b, bool quiet, const keel_reply *r, keel_buf *out) {
    uint64_t st;
    const keel_reply *text = NULL, *value = NULL;
    if (!mc_reply_u64(r, &st) && !meta_parts(r, &st, &text, &value)) {
        put_unexpected(b, out);
        return;
    }
    if (st >= MC_STATUS_COUNT) {
        put_unexpected(b, out);
        return;
    }
    uint8_t status = meta_status(b->opcode, st);
    if (status != MC_BIN_OK) {
        put_error(b, status, NULL, 0, out);
        return;
    }
    if (quiet) return;
    b->cas = text ? flags_cas(text) : 0;
    char num[8];
    uint64_t n;
    if (value) { /* incr decr: the new value, 8 bytes */
        if (!dk_dec_u64(value->v.s, value->len, &n)) {
            put_unexpected(b, out);
            return;
        }
        put64(num, n);
        b->val = num;
        b->vlen = 8;
    }
    put_resp(b, out);
}

/* A stat value as text: strings as they are, numbers in decimal. */
static size_t stat_text(const keel_reply *v, char *buf, size_t cap, const char **s) {
    if (mc_reply_is_string(v)) {
        *s = v->v.s;
        return v->len;
    }
    *s = buf;
    if (v->type == KEEL_REPLY_INT) return dk_dec_fmt_i64(buf, v->v.i);
    if (v->type == KEEL_REPLY_UINT) return dk_dec_fmt_u64(buf, v->v.u);
    if (v->type == KEEL_REPLY_DOUBLE) {
        dk_val d = dk_f64(v->v.d);
        return dk_val_format(&d, buf, cap);
    }
    return 0;
}

/* stat: one response per statistic (key = name, value = value), then an empty one. */
static void put_stats(bin_resp *b, const keel_reply *r, keel_buf *out) {
    if (r->type == KEEL_REPLY_MAP || r->type == KEEL_REPLY_ARRAY) {
        for (const keel_reply *k = r->v.child; k && k->next; k = k->next->next) {
            char buf[64];
            bin_resp s = *b;
            s.key = mc_reply_is_string(k) ? k->v.s : "";
            s.keylen = mc_reply_is_string(k) ? k->len : 0;
            s.vlen = stat_text(k->next, buf, sizeof buf, &s.val);
            put_resp(&s, out);
        }
    } else if (!mc_reply_is_string(r)) { /* the word RESET: just the end */
        {
            put_unexpected(b, out);
            return;
        }
    }
    put_resp(b, out);
}

void mc_encode_bin(uint64_t tag, const keel_reply *r, keel_buf *out) {
    if (!r) return;
    bin_resp b = {.opcode = mc_bin_tag_opcode(tag), .opaque = mc_bin_tag_opaque(tag)};
    bool quiet = (tag & MC_TAG_QUIET) != 0;
    uint8_t forced = mc_bin_tag_status(tag);
    if (r->type == KEEL_REPLY_ERROR) {
        put_error_reply(&b, r, out);
        return;
    }
    if (forced) {
        put_error(&b, forced, NULL, 0, out);
        return;
    }
    switch (b.opcode) {
    case MC_BIN_GET:
    case MC_BIN_GETQ:
    case MC_BIN_GETK:
    case MC_BIN_GETKQ:
    case MC_BIN_GAT:
    case MC_BIN_GATQ:
    case MC_BIN_GATK:
    case MC_BIN_GATKQ:
    case MC_BIN_TOUCH: {
        put_get(&b, quiet, r, out);
        return;
    }
    case MC_BIN_STAT: {
        put_stats(&b, r, out);
        return;
    }
    case MC_BIN_VERSION:
        b.val = MC_VERSION_PREFIX KEEL_VERSION;
        b.vlen = strlen(b.val);
        {
            put_resp(&b, out);
            return;
        }
    case MC_BIN_SASL_LIST:
        b.val = "PLAIN";
        b.vlen = 5;
        {
            put_resp(&b, out);
            return;
        }
    case MC_BIN_SASL_AUTH:
        b.val = "Authenticated";
        b.vlen = 13;
        {
            put_resp(&b, out);
            return;
        }
    case MC_BIN_FLUSH:
    case MC_BIN_FLUSHQ:
    case MC_BIN_NOOP:
    case MC_BIN_QUIT:
        if (!quiet) put_resp(&b, out);
        return;
    default: {
        put_update(&b, quiet, r, out);
        return;
    }
    }
}

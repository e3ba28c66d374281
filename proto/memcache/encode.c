/* encode.c -- the memcached encoder: each request kind's reply tree into its reply lines.
 *
 * What the commands reply, by kind:
 *   VALUE   array [key, flags, value, cas] on a hit, nil on a miss   -> VALUE block; END if last
 *   STATUS  integer mc_status                                          -> STORED, DELETED, ...
 *   ARITH   integer (the new value) or nil                             -> the number, NOT_FOUND
 *   STATS   map of names to values, or a simple word                   -> STAT lines and END
 *   MG MS MD MA  array [mc_status, return flags text, value?]          -> VA / HD / EN ... (meta)
 *   ME      bulk (the line after "ME ") or nil                         -> ME ... / EN
 *   OK VERSION MSG END MN SILENT: a fixed line (or nothing) whatever the reply.
 */
#include <string.h>
#include <keel/sdk.h>
#include "encode.h"
#include "reply_item.h"
#include <datakit/decimal.h>
#include "tag.h"
#include "wire.h"

static const mc_line text_words[MC_STATUS_COUNT] = {
    [MC_STORED] = {"STORED", 6},   [MC_NOT_STORED] = {"NOT_STORED", 10},
    [MC_EXISTS] = {"EXISTS", 6},   [MC_NOT_FOUND] = {"NOT_FOUND", 9},
    [MC_DELETED] = {"DELETED", 7}, [MC_TOUCHED] = {"TOUCHED", 7},
    [MC_HIT] = {"STORED", 6},
};

static const char *const meta_codes[MC_STATUS_COUNT] = {
    [MC_STORED] = "HD",  [MC_NOT_STORED] = "NS", [MC_EXISTS] = "EX", [MC_NOT_FOUND] = "NF",
    [MC_DELETED] = "HD", [MC_TOUCHED] = "HD",    [MC_HIT] = "HD",
};

/* Appends s[0..n) and, when crlf, "\r\n". */
static void put(keel_buf *out, const char *s, size_t n, bool crlf) {
    char *w = keel_buf_reserve(out, n + 2);
    if (n) memcpy(w, s, n);
    if (crlf) {
        w[n] = '\r';
        w[n + 1] = '\n';
    }
    out->len += n + (crlf ? 2 : 0);
}

#define PUT_LIT(out, lit) put((out), (lit), sizeof(lit) - 1, false)
#define LINE_LIT(out, lit) put((out), (lit), sizeof(lit) - 1, true)

/* Writes an error message as one memcached line (CR and LF inside become spaces); a message
 * that is not memcached's own becomes SERVER_ERROR, without a leading "ERR ". */
static void put_error(keel_buf *out, const char *s, size_t n) {
    if (n >= 19 && !memcmp(s, "ERR unknown command", 19)) {
        LINE_LIT(out, "ERROR");
        return;
    }
    if (n >= 4 && !memcmp(s, "OOM ", 4)) { /* a store over maxmemory that may not evict */
        LINE_LIT(out, "SERVER_ERROR out of memory storing object");
        return;
    }
    bool native =
        (n >= 13 && (!memcmp(s, "CLIENT_ERROR ", 13) || !memcmp(s, "SERVER_ERROR ", 13))) ||
        (n == 5 && !memcmp(s, "ERROR", 5));
    if (!native) {
        PUT_LIT(out, "SERVER_ERROR ");
        if (n > 4 && !memcmp(s, "ERR ", 4)) { /* Redis's generic code word says nothing here */
            s += 4;
            n -= 4;
        }
    }
    char *w = keel_buf_reserve(out, n + 2);
    for (size_t i = 0; i < n; i++)
        w[i] = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
    w[n] = '\r';
    w[n + 1] = '\n';
    out->len += n + 2;
}

static void put_unexpected(keel_buf *out) {
    LINE_LIT(out, "SERVER_ERROR unexpected reply");
}

/* VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n */
static void put_value(const keel_reply *r, bool with_cas, keel_buf *out) {
    mc_item_view it;
    if (!mc_reply_item(r, &it)) {
        put_unexpected(out);
        return;
    }
    const keel_reply *key = it.key, *val = it.value;
    uint64_t f = it.flags, c = it.cas;
    size_t room = 6 + key->len + 3 * (DK_DEC_TEXT + 1) + 2 + val->len + 2;
    char *w = keel_buf_reserve(out, room), *p = w;
    memcpy(p, "VALUE ", 6);
    p += 6;
    memcpy(p, key->v.s, key->len);
    p += key->len;
    *p++ = ' ';
    p += dk_dec_fmt_u64(p, f);
    *p++ = ' ';
    p += dk_dec_fmt_u64(p, val->len);
    if (with_cas) {
        *p++ = ' ';
        p += dk_dec_fmt_u64(p, c);
    }
    *p++ = '\r';
    *p++ = '\n';
    memcpy(p, val->v.s, val->len);
    p += val->len;
    *p++ = '\r';
    *p++ = '\n';
    out->len += (size_t)(p - w);
}

static void put_number(const keel_reply *r, keel_buf *out) {
    char text[DK_DEC_TEXT];
    uint64_t v;
    if (r->type == KEEL_REPLY_INT && r->v.i < 0) {
        put(out, text, dk_dec_fmt_i64(text, r->v.i), false);
        return;
    }
    if (!mc_reply_u64(r, &v)) {
        put_unexpected(out);
        return;
    }
    put(out, text, dk_dec_fmt_u64(text, v), false);
}

/* STAT <name> <value> lines from a map (or a flat array of pairs), then END. */
static void put_stats(const keel_reply *r, keel_buf *out) {
    if (mc_reply_is_string(r)) {
        put(out, r->v.s, r->len, true);
        return;
    }
    if (r->type != KEEL_REPLY_MAP && r->type != KEEL_REPLY_ARRAY) {
        put_unexpected(out);
        return;
    }
    for (const keel_reply *k = r->v.child; k && k->next; k = k->next->next) {
        const keel_reply *v = k->next;
        PUT_LIT(out, "STAT ");
        if (mc_reply_is_string(k)) put(out, k->v.s, k->len, false);
        PUT_LIT(out, " ");
        if (mc_reply_is_string(v))
            put(out, v->v.s, v->len, false);
        else if (v->type == KEEL_REPLY_DOUBLE) {
            char text[64];
            dk_val d = dk_f64(v->v.d);
            put(out, text, dk_val_format(&d, text, sizeof text), false);
        } else
            put_number(v, out);
        PUT_LIT(out, "\r\n");
    }
    LINE_LIT(out, "END");
}

/* A meta reply: <code>[ <size>][ <flags>]\r\n[<value>\r\n] */
static void put_meta(mc_kind kind, bool quiet, const keel_reply *r, keel_buf *out) {
    const keel_reply *st = r->type == KEEL_REPLY_ARRAY ? r->v.child : NULL;
    const keel_reply *flags = st ? st->next : NULL;
    const keel_reply *val = flags ? flags->next : NULL;
    uint64_t status;
    if (!mc_reply_u64(st, &status) || status >= MC_STATUS_COUNT || !mc_reply_is_string(flags) ||
        (val && !mc_reply_is_string(val))) {
        put_unexpected(out);
        return;
    }
    const char *code = meta_codes[status];
    bool ok =
        status == MC_STORED || status == MC_DELETED || status == MC_TOUCHED || status == MC_HIT;
    if (kind == MC_KIND_MG && status == MC_NOT_FOUND) code = "EN";
    if (quiet) {
        if (kind == MC_KIND_MG && status == MC_NOT_FOUND) return;
        if ((kind == MC_KIND_MS || kind == MC_KIND_MD) && ok) return;
        if (kind == MC_KIND_MA && ok) return;
    }
    char text[DK_DEC_TEXT];
    if (val) {
        PUT_LIT(out, "VA ");
        put(out, text, dk_dec_fmt_u64(text, val->len), false);
    } else {
        put(out, code, 2, false);
    }
    if (flags->len) {
        PUT_LIT(out, " ");
        put(out, flags->v.s, flags->len, false);
    }
    PUT_LIT(out, "\r\n");
    if (val) put(out, val->v.s, val->len, true);
}

/* The kinds whose reply is the same whatever the command replied. */
static void put_fixed(mc_kind kind, uint64_t tag, keel_buf *out) {
    bool quiet = (tag & MC_TAG_QUIET) != 0;
    switch (kind) {
    case MC_KIND_OK:
        if (!quiet) LINE_LIT(out, "OK");
        break;
    case MC_KIND_VERSION:
        LINE_LIT(out, "VERSION " MC_VERSION_PREFIX KEEL_VERSION);
        break;
    case MC_KIND_MSG: {
        unsigned m = mc_tag_arg(tag);
        if (!quiet && m < MC_MSG_COUNT) put(out, mc_msg_lines[m].s, mc_msg_lines[m].n, true);
        break;
    }
    case MC_KIND_END:
        LINE_LIT(out, "END");
        break;
    case MC_KIND_MN:
        LINE_LIT(out, "MN");
        break;
    default: /* MC_KIND_SILENT */
        break;
    }
}

void mc_encode(uint64_t tag, const keel_reply *r, keel_buf *out) {
    mc_kind kind = mc_tag_kind(tag);
    bool quiet = (tag & MC_TAG_QUIET) != 0;
    bool meta = kind >= MC_KIND_MG && kind <= MC_KIND_ME;
    if (!r) return;
    if (r->type == KEEL_REPLY_ERROR && kind != MC_KIND_SILENT) {
        if (!quiet || meta || kind == MC_KIND_RAW) put_error(out, r->v.s, r->len);
        return;
    }
    switch (kind) {
    case MC_KIND_RAW:
        break;
    case MC_KIND_VALUE:
        if (r->type == KEEL_REPLY_ARRAY)
            put_value(r, (tag & MC_TAG_CAS) != 0, out);
        else if (r->type != KEEL_REPLY_NIL)
            put_unexpected(out);
        if (tag & MC_TAG_LAST) LINE_LIT(out, "END");
        break;
    case MC_KIND_STATUS: {
        uint64_t st;
        if (quiet) break;
        if (mc_reply_u64(r, &st) && st < MC_STATUS_COUNT)
            put(out, text_words[st].s, text_words[st].n, true);
        else
            put_unexpected(out);
        break;
    }
    case MC_KIND_ARITH:
        if (quiet) break;
        if (r->type == KEEL_REPLY_NIL)
            LINE_LIT(out, "NOT_FOUND");
        else {
            put_number(r, out);
            PUT_LIT(out, "\r\n");
        }
        break;
    case MC_KIND_STATS:
        put_stats(r, out);
        break;
    case MC_KIND_MG:
    case MC_KIND_MS:
    case MC_KIND_MD:
    case MC_KIND_MA:
        put_meta(kind, quiet, r, out);
        break;
    case MC_KIND_ME:
        if (mc_reply_is_string(r)) {
            PUT_LIT(out, "ME ");
            put(out, r->v.s, r->len, true);
        } else
            LINE_LIT(out, "EN");
        break;
    default:
        put_fixed(kind, tag, out);
        break;
    }
}

/* parse_text.c -- the classic text commands: keys lines (get gets gat gats), storage commands,
 * delete, incr/decr, touch, flush_all, verbosity, slabs, version, stats and quit. */
#include <datakit/box.h>
#include <datakit/decimal.h>
#include "parse_int.h"

/* ---- keys lines ---- */

/* Reads the token starting at or after *i on [*i, end); returns its length (0 at the end). */
static size_t next_token(const char *b, size_t *i, size_t end) {
    while (*i < end && b[*i] == ' ')
        (*i)++;
    size_t j = *i;
    while (j < end && b[j] != ' ')
        j++;
    return j - *i;
}

keel_parse_result mc_parse_keys_line(mc_parser *ps, mc_cmdline *cl, mc_keys_verb verb,
                                     size_t after_verb, keel_request *req) {
    const char *b = cl->buf;
    size_t i = after_verb, end = cl->end;
    if (verb == MC_KEYS_GAT || verb == MC_KEYS_GATS) {
        size_t n = next_token(b, &i, end);
        int64_t exptime;
        if (n == 0) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
        if (n >= sizeof ps->exptime || !dk_dec_i64(b + i, n, &exptime))
            return mc_emit_msg(ps, req, MC_MSG_BAD_EXPTIME, cl->next, 0);
        memcpy(ps->exptime, b + i, n);
        ps->exptime_len = (uint8_t)n;
        i += n;
    }
    /* Every key is checked before the first is handed out: a bad one fails the whole line. */
    size_t keys = 0;
    for (size_t at = i;;) {
        size_t n = next_token(b, &at, end);
        if (n == 0) break;
        if (!mc_key_ok(b + at, n)) return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, 0);
        keys++;
        at += n;
    }
    ps->work += end - after_verb;
    if (keys == 0) {
        if (verb == MC_KEYS_GET || verb == MC_KEYS_GETS)
            return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
        return mc_emit_reply(req, cl->next, mc_tag(MC_KIND_END, 0));
    }
    ps->keys_verb = (uint8_t)verb;
    ps->keys_end = end;
    ps->keys_eol = cl->next - end;
    return mc_next_key(ps, b, i, req);
}

keel_parse_result mc_next_key(mc_parser *ps, const char *buf, size_t from, keel_request *req) {
    size_t end = ps->keys_end, i = from;
    size_t n = next_token(buf, &i, end);
    size_t k = i + n;
    while (k < end && buf[k] == ' ')
        k++;
    bool last = k == end;
    ps->work += k - from;
    ps->argv[1].ptr = buf + i;
    ps->argv[1].len = n;
    mc_keys_verb verb = (mc_keys_verb)ps->keys_verb;
    unsigned bits = last ? MC_TAG_LAST : 0;
    size_t consumed = last ? end + ps->keys_eol : k;
    if (last)
        ps->keys_verb = MC_KEYS_NONE;
    else
        ps->keys_end = end - k;
    uint64_t tag;
    switch (verb) {
    case MC_KEYS_GETS:
        tag = mc_tag(MC_KIND_VALUE, bits | MC_TAG_CAS);
        return mc_emit(ps, req, "MC.GETS", 2, consumed, tag);
    case MC_KEYS_GAT:
    case MC_KEYS_GATS:
        ps->argv[2].ptr = ps->exptime;
        ps->argv[2].len = ps->exptime_len;
        tag = mc_tag(MC_KIND_VALUE, bits | (verb == MC_KEYS_GATS ? MC_TAG_CAS : 0));
        return mc_emit(ps, req, verb == MC_KEYS_GAT ? "MC.GAT" : "MC.GATS", 3, consumed, tag);
    default:
        return mc_emit(ps, req, "MC.GET", 2, consumed, mc_tag(MC_KIND_VALUE, bits));
    }
}

/* ---- the other commands ---- */

/* "noreply" as the line's last token (memcached's rule): the tag's quiet bit. */
static unsigned noreply_bit(const mc_cmdline *cl, int at) {
    return cl->ntok == at + 1 && MC_TOK_IS(&cl->tok[at], "noreply") ? MC_TAG_QUIET : 0;
}

/* set add replace append prepend (cas when is_cas):
 * <verb> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]\r\n<data>\r\n */
static keel_parse_result parse_storage(mc_parser *ps, mc_cmdline *cl, keel_request *req,
                                       const char *cmd, bool is_cas) {
    int want = is_cas ? 6 : 5;
    if (cl->more || (cl->ntok != want && cl->ntok != want + 1))
        return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = noreply_bit(cl, want);
    const keel_arg *t = cl->tok;
    uint32_t flags;
    int64_t exptime;
    uint64_t vlen, cas;
    if (!mc_key_ok(t[1].ptr, t[1].len) || !dk_dec_u32(t[2].ptr, t[2].len, &flags) ||
        !dk_dec_i64(t[3].ptr, t[3].len, &exptime) || !dk_dec_u64(t[4].ptr, t[4].len, &vlen) ||
        vlen > INT32_MAX - 2 || (is_cas && !dk_dec_u64(t[5].ptr, t[5].len, &cas)))
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
    if (vlen > mc_parser_item_max(ps)) {
        ps->swallow = (size_t)vlen + 2;
        ps->argv[1] = t[1];
        ps->argv[2] = t[0];
        return mc_emit(ps, req, "MC.REFUSE", 3, cl->next, mc_tag_msg(MC_MSG_TOO_LARGE, q));
    }
    keel_arg data;
    keel_parse_result r = mc_data_block(cl, vlen, req, &data);
    if (r != KEEL_PARSE_OK) return r;
    ps->argv[1] = t[1];
    ps->argv[2] = data;
    ps->argv[3] = t[2];
    ps->argv[4] = t[3];
    if (is_cas) ps->argv[5] = t[5];
    return mc_emit(ps, req, cmd, is_cas ? 6 : 5, cl->next + (size_t)vlen + 2,
                   mc_tag(MC_KIND_STATUS, q));
}

/* delete <key> [0] [noreply] */
static keel_parse_result parse_delete(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    int n = cl->ntok;
    if (cl->more || n < 2 || n > 4) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = MC_TOK_IS(&cl->tok[n - 1], "noreply") ? MC_TAG_QUIET : 0;
    if (n > 2) {
        bool zero = MC_TOK_IS(&cl->tok[2], "0");
        bool ok = (n == 3 && (zero || q)) || (n == 4 && zero && q);
        if (!ok) return mc_emit_msg(ps, req, MC_MSG_DELETE_USAGE, cl->next, q);
    } else {
        q = 0;
    }
    if (!mc_key_ok(cl->tok[1].ptr, cl->tok[1].len))
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
    ps->argv[1] = cl->tok[1];
    return mc_emit(ps, req, "MC.DELETE", 2, cl->next, mc_tag(MC_KIND_STATUS, q));
}

/* incr|decr <key> <delta> [noreply] */
static keel_parse_result parse_arith(mc_parser *ps, mc_cmdline *cl, keel_request *req,
                                     const char *cmd) {
    if (cl->more || (cl->ntok != 3 && cl->ntok != 4))
        return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = noreply_bit(cl, 3);
    uint64_t delta;
    if (!mc_key_ok(cl->tok[1].ptr, cl->tok[1].len))
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
    if (!dk_dec_u64(cl->tok[2].ptr, cl->tok[2].len, &delta))
        return mc_emit_msg(ps, req, MC_MSG_BAD_DELTA, cl->next, q);
    ps->argv[1] = cl->tok[1];
    ps->argv[2] = cl->tok[2];
    return mc_emit(ps, req, cmd, 3, cl->next, mc_tag(MC_KIND_ARITH, q));
}

/* touch <key> <exptime> [noreply] */
static keel_parse_result parse_touch(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    if (cl->more || (cl->ntok != 3 && cl->ntok != 4))
        return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = noreply_bit(cl, 3);
    int64_t exptime;
    if (!mc_key_ok(cl->tok[1].ptr, cl->tok[1].len))
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
    if (!dk_dec_i64(cl->tok[2].ptr, cl->tok[2].len, &exptime))
        return mc_emit_msg(ps, req, MC_MSG_BAD_EXPTIME, cl->next, q);
    ps->argv[1] = cl->tok[1];
    ps->argv[2] = cl->tok[2];
    return mc_emit(ps, req, "MC.TOUCH", 3, cl->next, mc_tag(MC_KIND_STATUS, q));
}

/* flush_all [delay] [noreply]: MC.FLUSH, with the delay when it is positive. */
static keel_parse_result parse_flush(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    int n = cl->ntok;
    if (cl->more || n > 3) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = n > 1 && MC_TOK_IS(&cl->tok[n - 1], "noreply") ? MC_TAG_QUIET : 0;
    int64_t delay = 0;
    if (n - (q ? 1 : 0) >= 2 && !dk_dec_i64(cl->tok[1].ptr, cl->tok[1].len, &delay))
        return mc_emit_msg(ps, req, MC_MSG_BAD_EXPTIME, cl->next, q);
    uint64_t tag = mc_tag(MC_KIND_OK, q);
    if (delay <= 0) return mc_emit(ps, req, "MC.FLUSH", 1, cl->next, tag);
    ps->argv[1] = cl->tok[1];
    return mc_emit(ps, req, "MC.FLUSH", 2, cl->next, tag);
}

/* stats [section ...] */
static keel_parse_result parse_stats(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    if (cl->more) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    for (int i = 1; i < cl->ntok; i++)
        ps->argv[i] = cl->tok[i];
    return mc_emit(ps, req, "MC.STATS", (uint32_t)cl->ntok, cl->next, mc_tag(MC_KIND_STATS, 0));
}

/* verbosity <level> [noreply]: OK when the level is a number (Keel logs by its own level). */
static keel_parse_result parse_verbosity(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    if (cl->more || (cl->ntok != 2 && cl->ntok != 3))
        return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = noreply_bit(cl, cl->ntok - 1);
    uint64_t level;
    if (!dk_dec_u64(cl->tok[1].ptr, cl->tok[1].len, &level))
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
    return mc_emit_reply(req, cl->next, mc_tag(MC_KIND_OK, q));
}

/* Highest slab class memcached 1.6 has with its default settings (class 0 is its page pool). */
#define MC_SLAB_CLASS_MAX 39

/* slabs reassign <src> <dst> | slabs automove <0|1|2> [noreply] | slabs automove ratio <r>:
 * memcached's answers for a cache whose classes have no page to spare.  Keel has no slabs, so
 * nothing changes. */
static keel_parse_result parse_slabs(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    int n = cl->ntok;
    const keel_arg *t = cl->tok;
    if (!cl->more && n == 4 && MC_TOK_IS(&t[1], "reassign")) {
        int64_t src, dst;
        if (!dk_dec_i64(t[2].ptr, t[2].len, &src) || !dk_dec_i64(t[3].ptr, t[3].len, &dst))
            return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, 0);
        mc_msg m = MC_MSG_SLABS_NOSPARE;
        if (src == dst)
            m = MC_MSG_SLABS_SAME;
        else if (src < 0 || src > MC_SLAB_CLASS_MAX || dst < 0 || dst > MC_SLAB_CLASS_MAX)
            m = MC_MSG_SLABS_BADCLASS;
        return mc_emit_msg(ps, req, m, cl->next, 0);
    }
    if (cl->more || n < 3 || !MC_TOK_IS(&t[1], "automove"))
        return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    unsigned q = noreply_bit(cl, n - 1);
    if (MC_TOK_IS(&t[2], "ratio")) {
        double ratio;
        bool ok = n >= 4 && dk_parse_real(t[3].ptr, t[3].len, &ratio);
        if (!ok) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, q);
    } else {
        uint64_t level;
        if (!dk_dec_u64(t[2].ptr, t[2].len, &level))
            return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, q);
        if (level > 2) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, q);
    }
    return mc_emit_reply(req, cl->next, mc_tag(MC_KIND_OK, q));
}

/* memcached closes, without a word, a connection whose unknown command line ends in an HTTP
 * version (a web client that reached the cache port): verbs it does not take for one of its own
 * (their first letter or their name), at least two bytes long, last token "HTTP/...". */
static bool looks_like_http(const mc_cmdline *cl) {
    const keel_arg *v = &cl->tok[0], *last = &cl->tok[cl->ntok - 1];
    static const char *const others[] = {"bget", "lru", "lru_crawler", "watch"};
    if (cl->more || v->len < 2 || memchr("gsacidt", v->ptr[0], 7)) return false;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (mc_tok_is(v, others[i], strlen(others[i]))) return false;
    return last->len >= 5 && memcmp(last->ptr, "HTTP/", 5) == 0;
}

keel_parse_result mc_parse_text(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    const keel_arg *v = &cl->tok[0];
    if (MC_TOK_IS(v, "set")) return parse_storage(ps, cl, req, "MC.SET", false);
    if (MC_TOK_IS(v, "add")) return parse_storage(ps, cl, req, "MC.ADD", false);
    if (MC_TOK_IS(v, "replace")) return parse_storage(ps, cl, req, "MC.REPLACE", false);
    if (MC_TOK_IS(v, "append")) return parse_storage(ps, cl, req, "MC.APPEND", false);
    if (MC_TOK_IS(v, "prepend")) return parse_storage(ps, cl, req, "MC.PREPEND", false);
    if (MC_TOK_IS(v, "cas")) return parse_storage(ps, cl, req, "MC.CAS", true);
    if (MC_TOK_IS(v, "delete")) return parse_delete(ps, cl, req);
    if (MC_TOK_IS(v, "incr")) return parse_arith(ps, cl, req, "MC.INCR");
    if (MC_TOK_IS(v, "decr")) return parse_arith(ps, cl, req, "MC.DECR");
    if (MC_TOK_IS(v, "touch")) return parse_touch(ps, cl, req);
    if (MC_TOK_IS(v, "flush_all")) return parse_flush(ps, cl, req);
    if (MC_TOK_IS(v, "stats")) return parse_stats(ps, cl, req);
    if (MC_TOK_IS(v, "version")) return mc_emit_reply(req, cl->next, mc_tag(MC_KIND_VERSION, 0));
    if (MC_TOK_IS(v, "verbosity")) return parse_verbosity(ps, cl, req);
    if (MC_TOK_IS(v, "slabs")) return parse_slabs(ps, cl, req);
    if ((MC_TOK_IS(v, "quit") && cl->ntok == 1) || looks_like_http(cl)) {
        req->consumed = cl->next;
        return KEEL_PARSE_CLOSE;
    }
    return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
}

/* parse_meta.c -- the meta commands (mg ms md ma mn me) into requests.  The parser frames them
 * (key, data block, quiet and base64 flags); the commands read and check the other flags. */
#include <datakit/base64.h>
#include <datakit/decimal.h>
#include "parse_int.h"

/* The command and reply kind of each meta verb. */
typedef struct meta_verb {
    char letter;
    const char *cmd;
    mc_kind kind;
} meta_verb;

static const meta_verb verbs[] = {
    {'g', "MC.MG", MC_KIND_MG}, {'s', "MC.MS", MC_KIND_MS}, {'d', "MC.MD", MC_KIND_MD},
    {'a', "MC.MA", MC_KIND_MA}, {'e', "MC.ME", MC_KIND_ME},
};

/* Finds the key the command names: tok itself, or its base64 decoding (into ps->key) when the
 * flags include 'b'.  Returns MC_MSG_COUNT when it is fine, else the message to answer. */
static mc_msg meta_key(mc_parser *ps, const keel_arg *tok, bool b64, keel_arg *key) {
    if (!b64) {
        if (!mc_key_ok(tok->ptr, tok->len)) return MC_MSG_BAD_FORMAT;
        *key = *tok;
        return MC_MSG_COUNT;
    }
    long n = tok->len <= DK_BASE64_LEN(MC_KEY_MAX)
                 ? dk_base64_decode(tok->ptr, tok->len, ps->key, MC_KEY_MAX)
                 : -1;
    if (n <= 0) return MC_MSG_KEY_DECODE;
    key->ptr = ps->key;
    key->len = (size_t)n;
    return MC_MSG_COUNT;
}

keel_parse_result mc_parse_meta(mc_parser *ps, mc_cmdline *cl, keel_request *req) {
    char letter = cl->tok[0].ptr[1];
    int n = cl->ntok;
    if (letter == 'n') return mc_emit_reply(req, cl->next, mc_tag(MC_KIND_MN, 0));
    const meta_verb *mv = NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verbs[i].letter == letter) mv = &verbs[i];
    if (!mv || (n < 2 && letter != 'e')) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl->next, 0);
    bool set = letter == 's';
    if (n < 2 || (set && n < 3) || cl->more)
        return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, 0);

    int first_flag = set ? 3 : 2;
    bool b64 = false;
    unsigned q = 0;
    for (int i = first_flag; i < n; i++) {
        if (cl->tok[i].ptr[0] == 'b') b64 = true;
        if (cl->tok[i].ptr[0] == 'q') q = MC_TAG_QUIET;
    }
    uint64_t vlen = 0;
    size_t consumed = cl->next;
    keel_arg data = {NULL, 0};
    if (set) {
        if (!dk_dec_u64(cl->tok[2].ptr, cl->tok[2].len, &vlen) || vlen > INT32_MAX - 2 ||
            (!b64 && !mc_key_ok(cl->tok[1].ptr, cl->tok[1].len)))
            return mc_emit_msg(ps, req, MC_MSG_BAD_FORMAT, cl->next, 0);
        if (vlen > mc_parser_item_max(ps)) {
            ps->swallow = (size_t)vlen + 2;
            keel_arg key;
            if (meta_key(ps, &cl->tok[1], b64, &key) != MC_MSG_COUNT)
                return mc_emit_msg(ps, req, MC_MSG_TOO_LARGE, cl->next, 0);
            ps->argv[1] = key;
            ps->argv[2] = cl->tok[0];
            return mc_emit(ps, req, "MC.REFUSE", 3, cl->next, mc_tag_msg(MC_MSG_TOO_LARGE, 0));
        }
        keel_parse_result r = mc_data_block(cl, vlen, req, &data);
        if (r != KEEL_PARSE_OK) return r;
        consumed = cl->next + (size_t)vlen + 2;
    }
    keel_arg key;
    mc_msg bad = meta_key(ps, &cl->tok[1], b64, &key);
    if (bad != MC_MSG_COUNT) return mc_emit_msg(ps, req, bad, consumed, 0);
    uint32_t argc = 1;
    ps->argv[argc++] = key;
    if (set) ps->argv[argc++] = data;
    for (int i = first_flag; i < n; i++)
        ps->argv[argc++] = cl->tok[i];
    return mc_emit(ps, req, mv->cmd, argc, consumed, mc_tag(mv->kind, q));
}

/* meta.c -- reading meta flags and writing the flags a meta reply returns. */
#include <string.h>
#include <datakit/base64.h>
#include "meta.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

static bool fail(keel_proc *p, const char *msg) {
    keel_reply_error(p, "%s", msg);
    return false;
}

/* Reads the token of a flag that takes one (the bytes after its letter). */
static bool read_token(keel_proc *p, mc_meta *m, char c, const char *t, size_t n) {
    bool ok = true;
    switch (c) {
    case 'O':
        if (n > MC_OPAQUE_MAX) return fail(p, "CLIENT_ERROR opaque token too long");
        m->opaque.ptr = t;
        m->opaque.len = n;
        break;
    case 'T':
        ok = dk_dec_i64(t, n, &m->ttl);
        break;
    case 'N':
        ok = dk_dec_i64(t, n, &m->vivify);
        break;
    case 'R':
        ok = dk_dec_i64(t, n, &m->recache);
        break;
    case 'C':
        ok = dk_dec_u64(t, n, &m->compare);
        break;
    case 'E':
        ok = dk_dec_u64(t, n, &m->explicit_cas);
        break;
    case 'F': /* memcached words this one differently */
        if (!dk_dec_u32(t, n, &m->client_flags))
            return fail(p, "CLIENT_ERROR bad command line format");
        break;
    case 'D':
        ok = dk_dec_u64(t, n, &m->delta);
        break;
    case 'J':
        ok = dk_dec_u64(t, n, &m->initial);
        break;
    case 'M':
        ok = n == 1;
        m->mode = ok ? t[0] : 0;
        break;
    default:
        break;
    }
    return ok ? true : fail(p, "CLIENT_ERROR bad token in command line format");
}

bool mc_meta_read(keel_proc *p, uint32_t first, const char *allowed, mc_meta *m) {
    memset(m, 0, sizeof *m);
    m->delta = 1;
    m->flags = p->argv + first;
    m->nflags = p->argc > first ? p->argc - first : 0;
    for (uint32_t i = 0; i < m->nflags; i++) {
        const keel_arg *a = &m->flags[i];
        char c = a->ptr[0];
        if (c == 'P' || c == 'L') continue;
        int bit = mc_meta_bit(c);
        if (bit < 0 || !strchr(allowed, c)) return fail(p, "CLIENT_ERROR invalid flag");
        if (m->seen >> bit & 1) return fail(p, "CLIENT_ERROR duplicate flag");
        m->seen |= UINT64_C(1) << bit;
        if (!read_token(p, m, c, a->ptr + 1, a->len - 1)) return false;
    }
    return true;
}

static size_t put(char *out, size_t n, char letter, const char *s, size_t len) {
    if (n) out[n++] = ' ';
    out[n++] = letter;
    memcpy(out + n, s, len);
    return n + len;
}

static size_t put_num(char *out, size_t n, char letter, int64_t v) {
    char text[DK_DEC_TEXT];
    return put(out, n, letter, text, dk_dec_fmt_i64(text, v));
}

size_t mc_meta_text(const mc_meta *m, const char *which, const mc_meta_item *it, char *out) {
    size_t n = 0;
    bool b64 = mc_meta_has(m, 'b');
    for (uint32_t i = 0; i < m->nflags; i++) {
        char c = m->flags[i].ptr[0];
        if (!strchr(which, c)) continue;
        switch (c) {
        case 'O':
            n = put(out, n, 'O', m->opaque.ptr, m->opaque.len);
            break;
        case 'k':
            if (b64) {
                char enc[DK_BASE64_LEN(MC_KEY_MAX)];
                size_t len = it->key->len <= MC_KEY_MAX ? it->key->len : MC_KEY_MAX;
                n = put(out, n, 'k', enc, dk_base64_encode(it->key->ptr, len, enc));
                n = put(out, n, 'b', "", 0);
            } else {
                size_t len = it->key->len <= MC_KEY_MAX ? it->key->len : MC_KEY_MAX;
                n = put(out, n, 'k', it->key->ptr, len);
            }
            break;
        case 'c':
            n = put_num(out, n, 'c', (int64_t)it->cas);
            break;
        case 'f':
            n = put_num(out, n, 'f', it->client_flags);
            break;
        case 's':
            n = put_num(out, n, 's', (int64_t)it->size);
            break;
        case 't':
            n = put_num(out, n, 't', it->ttl);
            break;
        default:
            break;
        }
    }
    return n;
}

size_t mc_meta_append(char *out, size_t n, char letter) {
    return put(out, n, letter, "", 0);
}

void mc_meta_reply(keel_proc *p, int status, const char *text, size_t n, const char *value,
                   size_t vlen, bool with_value) {
    keel_reply_array(p, with_value ? 3 : 2);
    keel_reply_int(p, status);
    keel_reply_bulk(p, text, n);
    if (with_value) keel_reply_bulk(p, value, vlen);
}

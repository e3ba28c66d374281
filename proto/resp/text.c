/* text.c -- the tree walk behind the text reply syntaxes (JSON, Python): brackets, separators,
 * one value per line, in steps when asked; plus the helpers both syntaxes share. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <datakit/box.h>
#include <keel/sdk.h>
#include "text.h"
#include "text_syntax.h"

/* Bytes asked of keel_buf_reserve at a time. */
#define RESERVE_CHUNK 16384
/* Aggregate frames kept inside the walk before its stack moves to the heap. */
#define STACK_INLINE 32

/* An open aggregate: its next child, how many are still to come, how many were started. */
typedef struct tframe {
    const keel_reply *next;
    uint64_t left;
    uint64_t started;
    uint8_t kind; /* enum text_kind */
} tframe;

struct text_walk {
    const keel_reply *node; /* the node to write next; NULL once the line is out */
    const text_syntax *sx;
    tframe *stack;
    size_t cap, depth;
    tframe inline_frames[STACK_INLINE];
};

static const keel_reply nil_node = {.type = KEEL_REPLY_NIL};

/* ---- shared helpers ---- */

char *text_room(keel_buf *b, size_t n) {
    if (b->cap - b->len >= n) return b->data + b->len;
    return keel_buf_reserve(b, n > RESERVE_CHUNK ? n : RESERVE_CHUNK);
}

void text_put(keel_buf *b, const char *s, size_t n) {
    if (!n) return;
    memcpy(text_room(b, n), s, n);
    b->len += n;
}

void text_puts(keel_buf *b, const char *s) {
    text_put(b, s, strlen(s));
}

size_t text_utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

size_t text_u64(char *out, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t text_i64(char *out, int64_t v) {
    if (v >= 0) return text_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + text_u64(out + 1, 0 - (uint64_t)v);
}

size_t text_double(char *out, size_t cap, double d) {
    const char *word = isnan(d) ? "nan" : isinf(d) ? (d > 0 ? "inf" : "-inf") : NULL;
    if (word) {
        size_t n = strlen(word);
        memcpy(out, word, n);
        return n;
    }
    dk_val v = dk_f64(d);
    size_t n = dk_val_format(&v, out, cap);
    if (n == 0) n = (size_t)snprintf(out, cap, "%.17g", d);
    return n;
}

/* ---- the walk ---- */

static bool is_aggregate(const keel_reply *r) {
    return r->type == KEEL_REPLY_ARRAY || r->type == KEEL_REPLY_MAP || r->type == KEEL_REPLY_SET ||
           r->type == KEEL_REPLY_PUSH;
}

static uint8_t kind_of(const keel_reply *r) {
    return r->type == KEEL_REPLY_MAP ? TEXT_MAP : r->type == KEEL_REPLY_SET ? TEXT_SET : TEXT_LIST;
}

static bool grow(text_walk *w) {
    size_t ncap = w->cap * 2;
    tframe *s;
    if (w->stack == w->inline_frames) {
        s = keel_alloc(ncap * sizeof *s);
        if (s) memcpy(s, w->stack, w->cap * sizeof *s);
    } else {
        s = keel_realloc(w->stack, ncap * sizeof *s);
    }
    if (!s) return false;
    w->stack = s;
    w->cap = ncap;
    return true;
}

static void walk_init(text_walk *w, const keel_reply *r, text_dialect d) {
    w->node = r ? r : &nil_node;
    w->sx = d == TEXT_PYTHON ? &text_python : &text_json;
    w->stack = w->inline_frames;
    w->cap = STACK_INLINE;
    w->depth = 0;
}

static void walk_fini(text_walk *w) {
    if (w->stack != w->inline_frames) keel_free(w->stack);
}

/* A value where the syntax wants a scalar (a JSON key, a Python set member or dict key), given
 * as a string holding its own encoding. */
static void put_as_string(text_walk *w, keel_buf *out, const keel_reply *r) {
    keel_buf tmp = {0};
    text_encode(r, w->sx == &text_python ? TEXT_PYTHON : TEXT_JSON, &tmp);
    w->sx->string(out, tmp.data, tmp.len ? tmp.len - 1 : 0); /* without its newline */
    keel_free(tmp.data);
}

/* Writes node r (an aggregate's opening only, pushing a frame for its children). */
static void write_node(text_walk *w, keel_buf *out, const keel_reply *r) {
    const text_syntax *sx = w->sx;
    tframe *f = w->depth ? &w->stack[w->depth - 1] : NULL;
    bool keyed = false;
    if (f) {
        bool value_of_pair = f->kind == TEXT_MAP && (f->started & 1);
        if (value_of_pair)
            text_puts(out, sx->colon);
        else if (f->started)
            text_puts(out, sx->comma);
        keyed = sx->keyed_members[f->kind] && !value_of_pair;
        f->started++;
    }
    if (keyed) {
        if (is_aggregate(r) || sx->keyed(out, r) < 0) put_as_string(w, out, r);
        return;
    }
    if (!is_aggregate(r)) {
        sx->scalar(out, r);
        return;
    }
    uint8_t kind = kind_of(r);
    uint64_t n = r->type == KEEL_REPLY_MAP ? 2 * (uint64_t)r->len : r->len;
    if (n == 0 || (w->depth == w->cap && !grow(w))) { /* no memory for a deeper walk: empty */
        text_puts(out, sx->empty[kind]);
        return;
    }
    text_puts(out, sx->open[kind]);
    w->stack[w->depth++] = (tframe){.next = r->v.child, .left = n, .started = 0, .kind = kind};
}

/* Writes up to budget nodes (0 = no limit); true when the line is out. */
static bool walk_run(text_walk *w, keel_buf *out, size_t budget) {
    size_t written = 0;
    while (w->node) {
        write_node(w, out, w->node);
        w->node = NULL;
        while (w->depth > 0) {
            tframe *f = &w->stack[w->depth - 1];
            if (f->left == 0) {
                text_puts(out, w->sx->close[f->kind]);
                w->depth--;
                continue;
            }
            w->node = f->next ? f->next : &nil_node;
            f->next = f->next ? f->next->next : NULL;
            f->left--;
            break;
        }
        if (!w->node) break;
        if (budget && ++written >= budget) return false;
    }
    text_put(out, "\n", 1);
    return true;
}

void text_encode(const keel_reply *r, text_dialect d, keel_buf *out) {
    text_walk w;
    walk_init(&w, r, d);
    walk_run(&w, out, 0);
    walk_fini(&w);
}

bool text_encode_step(const keel_reply *r, text_dialect d, keel_buf *out, text_walk **walk,
                      size_t budget) {
    if (!*walk) {
        *walk = keel_alloc(sizeof **walk);
        if (!*walk) { /* no memory for a stepwise walk: write it in one go */
            text_encode(r, d, out);
            return true;
        }
        walk_init(*walk, r, d);
    }
    if (!walk_run(*walk, out, budget)) return false;
    text_encode_abort(*walk);
    *walk = NULL;
    return true;
}

void text_encode_abort(text_walk *walk) {
    if (!walk) return;
    walk_fini(walk);
    keel_free(walk);
}

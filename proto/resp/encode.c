/* encode.c -- the RESP2/RESP3 encoder: an explicit-stack tree walk writing into the out buffer. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <datakit/box.h>
#include <keel/sdk.h>
#include "encode.h"

/* Bytes asked of keel_buf_reserve at a time, so small nodes rarely call through the table. */
#define RESERVE_CHUNK 16384
/* Aggregate frames kept on the C stack before the walk moves its stack to the heap. */
#define STACK_INLINE 64
/* A type byte, a sign, 20 digits and CRLF. */
#define NUM_LINE_MAX 24

/* An open aggregate: its next child and how many children are still to be written. */
typedef struct frame {
    const keel_reply *next;
    uint64_t left;
    bool pairs; /* RESP3 and KEEL_REPLY_ARRAY_PAIRS: "*2" before every other child */
} frame;

static const keel_reply nil_node = {.type = KEEL_REPLY_NIL};

static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/* Where to write n more bytes (then add what was written to b->len). */
static inline char *room(keel_buf *b, size_t n) {
    if (b->cap - b->len >= n) return b->data + b->len;
    return keel_buf_reserve(b, n > RESERVE_CHUNK ? n : RESERVE_CHUNK);
}

static inline unsigned u64_width(uint64_t v) {
    unsigned w = 1;
    for (;;) {
        if (v < 10) return w;
        if (v < 100) return w + 1;
        if (v < 1000) return w + 2;
        if (v < 10000) return w + 3;
        v /= 10000;
        w += 4;
    }
}

/* Writes v in decimal at w; returns the end. */
static inline char *put_u64(char *w, uint64_t v) {
    char *end = w + u64_width(v), *p = end;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    }
    if (v >= 10) {
        *--p = digit_pairs[v * 2 + 1];
        *--p = digit_pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    return end;
}

static inline char *put_i64(char *w, int64_t v) {
    if (v >= 0) return put_u64(w, (uint64_t)v);
    *w++ = '-';
    return put_u64(w, 0 - (uint64_t)v);
}

static inline char *put_crlf(char *w) {
    w[0] = '\r';
    w[1] = '\n';
    return w + 2;
}

/* "<type><v>\r\n": integers and aggregate headers. */
static void put_num_line(keel_buf *b, char type, int64_t v) {
    char *w = room(b, NUM_LINE_MAX), *p = w;
    *p++ = type;
    p = put_crlf(put_i64(p, v));
    b->len += (size_t)(p - w);
}

static void put_unum_line(keel_buf *b, char type, uint64_t v) {
    char *w = room(b, NUM_LINE_MAX), *p = w;
    *p++ = type;
    p = put_crlf(put_u64(p, v));
    b->len += (size_t)(p - w);
}

/* "<type><n>\r\n<bytes>\r\n": bulk and verbatim strings. */
static void put_blob(keel_buf *b, char type, const char *s, size_t n) {
    char *w = room(b, n + NUM_LINE_MAX + 2), *p = w;
    *p++ = type;
    p = put_crlf(put_u64(p, n));
    if (n) memcpy(p, s, n);
    p = put_crlf(p + n);
    b->len += (size_t)(p - w);
}

/* "<type><text>\r\n" with CR and LF replaced by spaces, so no text can end the line early. */
static void put_line(keel_buf *b, char type, const char *s, size_t n) {
    char *w = room(b, n + 3);
    w[0] = type;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        w[1 + i] = c == '\r' || c == '\n' ? ' ' : c;
    }
    put_crlf(w + 1 + n);
    b->len += n + 3;
}

static void put_raw(keel_buf *b, const char *s, size_t n) {
    memcpy(room(b, n), s, n);
    b->len += n;
}

/* Shortest round-trip text of d (RESP2 doubles), with Redis 7's words for the values that have
 * no digits. */
static size_t format_double(double d, char *out, size_t cap) {
    const char *word = isnan(d) ? "nan" : isinf(d) ? (d > 0 ? "inf" : "-inf") : NULL;
    size_t n;
    if (word) {
        n = strlen(word);
        memcpy(out, word, n);
        return n;
    }
    dk_val v = dk_f64(d);
    n = dk_val_format(&v, out, cap);
    if (n == 0) n = (size_t)snprintf(out, cap, "%.17g", d); /* not reached with 64 bytes */
    return n;
}

/* A RESP3 double as Redis 7.0's addReplyDouble writes it: "inf" and "-inf" spelled out, every
 * other value (NaN included, "nan" or "-nan" as the C library prints it) with "%.17g". */
static size_t format_double_resp3(double d, char *out, size_t cap) {
    int n = isinf(d) ? snprintf(out, cap, "%s", d > 0 ? "inf" : "-inf")
                     : snprintf(out, cap, "%.17g", d);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void put_double(keel_buf *b, double d, bool v3) {
    char text[64];
    if (v3) {
        put_line(b, ',', text, format_double_resp3(d, text, sizeof text));
        return;
    }
    put_blob(b, '$', text, format_double(d, text, sizeof text));
}

static void put_uint(keel_buf *b, uint64_t u, bool v3) {
    if (u <= INT64_MAX) {
        put_unum_line(b, ':', u);
        return;
    }
    /* Beyond a RESP integer: a big number in RESP3, its digits as a bulk string in RESP2. */
    char text[24];
    size_t n = (size_t)(put_u64(text, u) - text);
    if (v3)
        put_line(b, '(', text, n);
    else
        put_blob(b, '$', text, n);
}

static void put_verbatim(keel_buf *b, const char *s, size_t n, bool v3) {
    bool formatted = n >= 4 && s[3] == ':';
    if (v3 && formatted)
        put_blob(b, '=', s, n);
    else if (formatted)
        put_blob(b, '$', s + 4, n - 4);
    else
        put_blob(b, '$', s, n);
}

/* Writes one node (an aggregate's header only); returns how many children follow it. */
static uint64_t put_node(keel_buf *b, const keel_reply *r, bool v3) {
    switch (r->type) {
    case KEEL_REPLY_NIL:
        if (v3)
            put_raw(b, "_\r\n", 3);
        else if (r->len == KEEL_REPLY_NIL_ARRAY)
            put_raw(b, "*-1\r\n", 5);
        else
            put_raw(b, "$-1\r\n", 5);
        return 0;
    case KEEL_REPLY_INT:
        put_num_line(b, ':', r->v.i);
        return 0;
    case KEEL_REPLY_UINT:
        put_uint(b, r->v.u, v3);
        return 0;
    case KEEL_REPLY_DOUBLE:
        put_double(b, r->v.d, v3);
        return 0;
    case KEEL_REPLY_BOOL:
        if (v3)
            put_raw(b, r->v.i ? "#t\r\n" : "#f\r\n", 4);
        else
            put_raw(b, r->v.i ? ":1\r\n" : ":0\r\n", 4);
        return 0;
    case KEEL_REPLY_BULK:
        if (v3 && r->pad[0] == KEEL_REPLY_BULK_DOUBLE)
            put_line(b, ',', r->v.s, r->len);
        else
            put_blob(b, '$', r->v.s, r->len);
        return 0;
    case KEEL_REPLY_SIMPLE:
        put_line(b, '+', r->v.s, r->len);
        return 0;
    case KEEL_REPLY_ERROR:
        if (r->len)
            put_line(b, '-', r->v.s, r->len);
        else
            put_raw(b, "-ERR\r\n", 6);
        return 0;
    case KEEL_REPLY_VERBATIM:
        put_verbatim(b, r->v.s, r->len, v3);
        return 0;
    case KEEL_REPLY_ARRAY:
        put_num_line(b, '*', v3 && r->pad[0] == KEEL_REPLY_ARRAY_PAIRS ? r->len / 2 : r->len);
        return r->len;
    case KEEL_REPLY_SET:
        put_num_line(b, v3 ? '~' : '*', r->len);
        return r->len;
    case KEEL_REPLY_PUSH:
        put_num_line(b, v3 ? '>' : '*', r->len);
        return r->len;
    case KEEL_REPLY_MAP:
        put_num_line(b, v3 ? '%' : '*', v3 ? (int64_t)r->len : 2 * (int64_t)r->len);
        return 2 * (uint64_t)r->len;
    default:
        put_raw(b, "-ERR unknown reply type\r\n", 25);
        return 0;
    }
}

/* A walk in progress: the node to write next and the open aggregates above it.  Lives on the
 * C stack for a one-go encode, on the heap for a stepwise one. */
struct resp_walk {
    const keel_reply *node;
    frame *stack;
    size_t cap, depth;
    size_t body_done; /* a big string being written a piece per step: bytes out */
    bool v3;
    frame inline_frames[STACK_INLINE];
};

/* Doubles the walk's stack, moving it off the inline frames the first time. */
static bool grow(resp_walk *w) {
    size_t ncap = w->cap * 2;
    frame *s;
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

static void walk_init(resp_walk *w, const keel_reply *r, int version) {
    w->node = r ? r : &nil_node;
    w->body_done = 0;
    w->stack = w->inline_frames;
    w->cap = STACK_INLINE;
    w->depth = 0;
    w->v3 = version == 3;
}

static void walk_fini(resp_walk *w) {
    if (w->stack != w->inline_frames) keel_free(w->stack);
}

/* A string of more than this is written a piece per step (stepwise encoding only), so a huge
 * value never needs an output buffer of its size nor one long copy. */
#define BLOB_PIECE (256 * 1024)

static bool big_blob(const keel_reply *r) {
    return (r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_VERBATIM) && r->len > BLOB_PIECE;
}

/* Writes the next piece of big string node r (its header first): true once it is all out. */
static bool put_blob_piece(resp_walk *w, keel_buf *out, const keel_reply *r) {
    const char *s = r->v.s;
    size_t n = r->len;
    char type = '$';
    if (r->type == KEEL_REPLY_VERBATIM && n >= 4 && s[3] == ':') { /* as put_verbatim */
        if (w->v3)
            type = '=';
        else
            s += 4, n -= 4;
    }
    if (w->body_done == 0) {
        char *h = room(out, NUM_LINE_MAX), *p = h;
        *p++ = type;
        p = put_crlf(put_u64(p, n));
        out->len += (size_t)(p - h);
    }
    size_t piece = n - w->body_done < BLOB_PIECE ? n - w->body_done : BLOB_PIECE;
    memcpy(room(out, piece + 2), s + w->body_done, piece);
    out->len += piece;
    w->body_done += piece;
    if (w->body_done < n) return false;
    put_raw(out, "\r\n", 2);
    w->body_done = 0;
    return true;
}

/* Writes up to budget nodes (0 = no limit); true when the whole tree is out. */
static bool walk_run(resp_walk *w, keel_buf *out, size_t budget) {
    for (size_t written = 0;;) {
        if (!w->node) return true;
        if (budget && big_blob(w->node) && !put_blob_piece(w, out, w->node)) return false;
        uint64_t kids = budget && big_blob(w->node) ? 0 : put_node(out, w->node, w->v3);
        if (kids) {
            if (w->depth < w->cap || grow(w)) {
                w->stack[w->depth].next = w->node->v.child;
                w->stack[w->depth].left = kids;
                w->stack[w->depth].pairs = w->v3 && w->node->type == KEEL_REPLY_ARRAY &&
                                           w->node->pad[0] == KEEL_REPLY_ARRAY_PAIRS;
                w->depth++;
            } else {
                for (uint64_t i = 0; i < kids; i++)
                    put_node(out, &nil_node, w->v3);
            }
        }
        if (w->depth == 0) {
            w->node = NULL;
            return true;
        }
        /* Next: the next child of the innermost open aggregate.  Taking the last child closes
         * the aggregate at once, so single-child chains do not deepen the stack. */
        frame *f = &w->stack[w->depth - 1];
        if (f->pairs && f->left % 2 == 0) put_raw(out, "*2\r\n", 4);
        w->node = f->next ? f->next : &nil_node;
        f->next = f->next ? f->next->next : NULL;
        if (--f->left == 0) w->depth--;
        if (budget && ++written >= budget) return false;
    }
}

void resp_encode(const keel_reply *r, int version, keel_buf *out) {
    resp_walk w;
    walk_init(&w, r, version);
    walk_run(&w, out, 0);
    walk_fini(&w);
}

/* Moves a walk that lives on the C stack to the heap, keeping its frames. */
static resp_walk *walk_to_heap(const resp_walk *w) {
    resp_walk *h = keel_alloc(sizeof *h);
    if (!h) return NULL;
    memcpy(h, w, sizeof *h);
    if (w->stack == w->inline_frames) h->stack = h->inline_frames;
    return h;
}

bool resp_encode_step(const keel_reply *r, int version, keel_buf *out, resp_walk **walk,
                      size_t budget) {
    if (!*walk) { /* most replies finish in their first step: walk on the C stack */
        resp_walk w;
        walk_init(&w, r, version);
        if (walk_run(&w, out, budget)) {
            walk_fini(&w);
            return true;
        }
        if (!(*walk = walk_to_heap(&w))) { /* no memory to pause: finish in one go */
            walk_run(&w, out, 0);
            walk_fini(&w);
            return true;
        }
        return false;
    }
    if (!walk_run(*walk, out, budget)) return false;
    resp_encode_abort(*walk);
    *walk = NULL;
    return true;
}

void resp_encode_abort(resp_walk *walk) {
    if (!walk) return;
    walk_fini(walk);
    keel_free(walk);
}

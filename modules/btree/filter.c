/* filter.c -- FILTER expressions: a recursive-descent parser into an arena tree, and its test. */
#include "filter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { N_CMP = 0, N_AND, N_OR, N_NOT };
enum { OP_EQ = 0, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

typedef struct node {
    int kind;
    int op;                   /* N_CMP */
    bt_operand opnd;          /* N_CMP */
    dk_val lit;               /* N_CMP */
    const struct node *l, *r; /* N_AND, N_OR: both; N_NOT: l */
} node;

struct bt_filter {
    const node *root;
    int terms;
};

typedef struct parser {
    keel_proc *p;
    const char *s;
    size_t n, at;
    int terms;
    bool failed;
} parser;

/* Replies the syntax error once; returns NULL. */
static node *fail(parser *ps, const char *what) {
    if (!ps->failed)
        keel_reply_error(ps->p, "ERR filter syntax error at offset %zu: %s", ps->at, what);
    ps->failed = true;
    return NULL;
}

static void skip_space(parser *ps) {
    while (ps->at < ps->n && isspace((unsigned char)ps->s[ps->at]))
        ps->at++;
}

static bool word_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '+';
}

/* The length of the word at the cursor (letters, digits, _ - . : +). */
static size_t word_len(const parser *ps) {
    size_t k = ps->at;
    while (k < ps->n && word_char(ps->s[k]))
        k++;
    return k - ps->at;
}

/* True (and consumed) when the next word is kw. */
static bool take_word(parser *ps, const char *kw) {
    skip_space(ps);
    size_t len = word_len(ps);
    keel_arg a = {ps->s + ps->at, len};
    if (len == 0 || !keel_arg_is(&a, kw)) return false;
    ps->at += len;
    return true;
}

static bool take_char(parser *ps, char c) {
    skip_space(ps);
    if (ps->at < ps->n && ps->s[ps->at] == c) {
        ps->at++;
        return true;
    }
    return false;
}

/* A quoted text at the cursor (after its opening quote was seen) into arena memory. */
static bool quoted(parser *ps, const char **out, size_t *len) {
    char q = ps->s[ps->at++];
    char *buf = keel_proc_alloc(ps->p, ps->n - ps->at + 1);
    size_t k = 0;
    while (ps->at < ps->n && ps->s[ps->at] != q) {
        if (ps->s[ps->at] == '\\' && ps->at + 1 < ps->n) ps->at++;
        buf[k++] = ps->s[ps->at++];
    }
    if (ps->at >= ps->n) {
        fail(ps, "unterminated quoted text");
        return false;
    }
    ps->at++;
    *out = buf;
    *len = k;
    return true;
}

static bool parse_operand(parser *ps, bt_operand *o) {
    skip_space(ps);
    if (ps->at < ps->n && ps->s[ps->at] == '@' && ps->at + 1 < ps->n &&
        (ps->s[ps->at + 1] == '\'' || ps->s[ps->at + 1] == '"')) {
        ps->at++;
        if (!quoted(ps, &o->name, &o->nlen)) return false;
        if (o->nlen == 0 || o->nlen > DK_ROW_NAME_MAX) return fail(ps, "bad field name"), false;
        o->kind = BT_OPND_FIELD;
        return true;
    }
    size_t len = ps->at < ps->n && ps->s[ps->at] == '@' ? 1 : 0;
    while (ps->at + len < ps->n && word_char(ps->s[ps->at + len]))
        len++;
    if (len == 0 || !bt_parse_operand(ps->s + ps->at, len, o))
        return fail(ps, "expected VALUE, KEY or @field"), false;
    ps->at += len;
    return true;
}

static bool parse_op(parser *ps, int *op) {
    skip_space(ps);
    const char *s = ps->s + ps->at;
    size_t left = ps->n - ps->at;
    static const struct {
        const char *text;
        int op;
    } ops[] = {{"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
               {"=", OP_EQ},  {"<", OP_LT},  {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t len = strlen(ops[i].text);
        if (left >= len && memcmp(s, ops[i].text, len) == 0) {
            ps->at += len;
            *op = ops[i].op;
            return true;
        }
    }
    fail(ps, "expected one of = != < <= > >=");
    return false;
}

static bool parse_literal(parser *ps, dk_val *lit) {
    skip_space(ps);
    if (ps->at < ps->n && (ps->s[ps->at] == '\'' || ps->s[ps->at] == '"')) {
        const char *t;
        size_t len;
        if (!quoted(ps, &t, &len)) return false;
        *lit = dk_bytes(t, len);
        return true;
    }
    size_t len = word_len(ps);
    if (len > 0) {
        dk_val v = bt_parse_box(ps->s + ps->at, len);
        if (v.type != DK_BYTES) {
            ps->at += len;
            *lit = v;
            return true;
        }
    }
    fail(ps, "expected a number or quoted text");
    return false;
}

static node *new_node(parser *ps, int kind) {
    node *nd = keel_proc_alloc(ps->p, sizeof *nd);
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    return nd;
}

static node *parse_or(parser *ps, int depth);

static node *parse_unary(parser *ps, int depth) {
    if (depth > BT_FILTER_MAX_DEPTH) return fail(ps, "nested too deep");
    if (take_word(ps, "NOT")) {
        node *nd = new_node(ps, N_NOT);
        nd->l = parse_unary(ps, depth + 1);
        return nd->l ? nd : NULL;
    }
    if (take_char(ps, '(')) {
        node *in = parse_or(ps, depth + 1);
        if (!in) return NULL;
        if (!take_char(ps, ')')) return fail(ps, "expected )");
        return in;
    }
    if (++ps->terms > BT_FILTER_MAX_TERMS) return fail(ps, "too many comparisons");
    node *nd = new_node(ps, N_CMP);
    if (!parse_operand(ps, &nd->opnd) || !parse_op(ps, &nd->op) || !parse_literal(ps, &nd->lit))
        return NULL;
    return nd;
}

static node *parse_and(parser *ps, int depth) {
    node *l = parse_unary(ps, depth);
    while (l && take_word(ps, "AND")) {
        node *nd = new_node(ps, N_AND);
        nd->l = l;
        nd->r = parse_unary(ps, depth);
        l = nd->r ? nd : NULL;
    }
    return l;
}

static node *parse_or(parser *ps, int depth) {
    node *l = parse_and(ps, depth);
    while (l && take_word(ps, "OR")) {
        node *nd = new_node(ps, N_OR);
        nd->l = l;
        nd->r = parse_and(ps, depth);
        l = nd->r ? nd : NULL;
    }
    return l;
}

bool bt_filter_parse(keel_proc *p, const keel_arg *text, bt_filter **out) {
    parser ps = {.p = p, .s = text->ptr, .n = text->len};
    if (text->len > BT_FILTER_MAX_BYTES) {
        keel_reply_error(p, "ERR filter longer than %d bytes", BT_FILTER_MAX_BYTES);
        return false;
    }
    if (memchr(text->ptr, '\0', text->len)) {
        fail(&ps, "NUL byte");
        return false;
    }
    const node *root = parse_or(&ps, 0);
    if (root) {
        skip_space(&ps);
        if (ps.at < ps.n) root = fail(&ps, "unexpected text (expected AND, OR or the end)");
    }
    if (!root) return false;
    bt_filter *f = keel_proc_alloc(p, sizeof *f);
    f->root = root;
    f->terms = ps.terms;
    *out = f;
    return true;
}

static bool match(const node *nd, const dk_val *key, const bt_row *row) {
    switch (nd->kind) {
    case N_AND:
        return match(nd->l, key, row) && match(nd->r, key, row);
    case N_OR:
        return match(nd->l, key, row) || match(nd->r, key, row);
    case N_NOT:
        return !match(nd->l, key, row);
    default:
        break;
    }
    dk_val v;
    if (!bt_operand_get(&nd->opnd, key, row, &v)) return false;
    int c = dk_val_cmp(&v, &nd->lit);
    switch (nd->op) {
    case OP_EQ:
        return c == 0;
    case OP_NE:
        return c != 0;
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

bool bt_filter_match(const bt_filter *f, const dk_val *key, const bt_row *row) {
    return match(f->root, key, row);
}

int bt_filter_terms(const bt_filter *f) {
    return f->terms;
}

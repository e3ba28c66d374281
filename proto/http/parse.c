/* parse.c -- the HTTP/1.x request parser (parse.h): request line, header fields, body length. */
#include "parse.h"

#include <string.h>
#include <strings.h>

/* A line of the head: [p, p + len), its line ending not included. */
typedef struct http_line {
    const char *p;
    size_t len;
} http_line;

/* What the header fields said, gathered while reading them. */
typedef struct http_fields {
    uint64_t content_length;
    bool have_length;
    bool chunked_or_coded; /* a Transfer-Encoding field: not served */
    bool close;            /* Connection: close */
    bool keep_alive;       /* Connection: keep-alive */
    int hosts;             /* Host fields seen */
} http_fields;

/* RFC 9110 token characters (methods, field names, connection options). */
static bool is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Characters allowed in a request target: visible ASCII (no space, no control, no DEL). */
static bool is_target_char(unsigned char c) {
    return c > 0x20 && c < 0x7f;
}

/* Characters allowed in a field value: visible, obs-text, space and tab. */
static bool is_value_char(unsigned char c) {
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static http_parse_status refuse(http_request *req, int status) {
    req->status = status;
    return HTTP_REFUSED;
}

/* The next line from *at, within the first `limit` bytes of buf; false when no line ending
 * lies there.  A CR is allowed only right before the LF. */
static bool next_line(const char *buf, size_t limit, size_t *at, http_line *line, bool *bad) {
    const char *start = buf + *at;
    const char *nl = memchr(start, '\n', limit - *at);
    if (!nl) return false;
    size_t len = (size_t)(nl - start);
    if (len && start[len - 1] == '\r') len--;
    *bad = memchr(start, '\r', len) != NULL;
    line->p = start;
    line->len = len;
    *at = (size_t)(nl - buf) + 1;
    return true;
}

static bool line_is(const http_line *l, size_t off, const char *word) {
    size_t n = strlen(word);
    return l->len - off >= n && memcmp(l->p + off, word, n) == 0;
}

/* The path's resource: the target's path (before ? or #) compared exactly. */
static http_resource resource_of(const char *path, size_t len) {
    size_t n = 0;
    while (n < len && path[n] != '?' && path[n] != '#')
        n++;
    static const struct {
        const char *path;
        http_resource res;
    } paths[] = {
        {"/metrics", HTTP_RES_METRICS}, {"/stats", HTTP_RES_STATS}, {"/health", HTTP_RES_HEALTH}};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strlen(paths[i].path) == n && memcmp(paths[i].path, path, n) == 0) return paths[i].res;
    return HTTP_RES_NONE;
}

/* Request line: METHOD SP target SP HTTP/1.x.  Sets the method and resource; *minor is the
 * HTTP minor version.  Returns 0 or the status to refuse with. */
static int parse_request_line(const http_line *l, http_request *req, int *minor) {
    size_t i = 0;
    while (i < l->len && is_tchar((unsigned char)l->p[i]))
        i++;
    size_t mlen = i;
    if (mlen == 0 || i >= l->len || l->p[i] != ' ') return 400;
    size_t t0 = ++i;
    while (i < l->len && is_target_char((unsigned char)l->p[i]))
        i++;
    size_t tlen = i - t0;
    if (tlen == 0 || i >= l->len || l->p[i] != ' ') return 400;
    i++;
    if (l->len - i != 8 || !line_is(l, i, "HTTP/") || l->p[i + 6] != '.') return 400;
    char major = l->p[i + 5], mi = l->p[i + 7];
    if (major < '0' || major > '9' || mi < '0' || mi > '9') return 400;
    if (major != '1') return 505;
    *minor = mi - '0';
    const char *target = l->p + t0;
    if (tlen >= 7 && (!strncasecmp(target, "http://", 7) ||
                      (tlen >= 8 && !strncasecmp(target, "https://", 8)))) {
        const char *auth = memchr(target, ':', tlen) + 3; /* absolute form: skip the authority */
        const char *slash = memchr(auth, '/', tlen - (size_t)(auth - target));
        req->resource = slash ? resource_of(slash, tlen - (size_t)(slash - target)) : HTTP_RES_NONE;
    } else if (target[0] == '/') {
        req->resource = resource_of(target, tlen);
    } else {
        return 400; /* authority or asterisk form: nothing here takes them */
    }
    req->head = mlen == 4 && !memcmp(l->p, "HEAD", 4);
    req->method_allowed = req->head || (mlen == 3 && !memcmp(l->p, "GET", 3));
    return 0;
}

/* True when the value [v, v + n) holds `option` as one of its comma-separated tokens. */
static bool has_option(const char *v, size_t n, const char *option) {
    size_t olen = strlen(option), i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (i - s == olen && !strncasecmp(v + s, option, olen)) return true;
    }
    return false;
}

/* Content-Length: digits only; the same value when repeated.  0 or a status. */
static int field_length(const char *v, size_t n, http_fields *f) {
    if (n == 0) return 400;
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return 400;
        len = len * 10 + (uint64_t)(v[i] - '0');
        if (len > HTTP_MAX_BODY) return 413;
    }
    if (f->have_length && f->content_length != len) return 400;
    f->have_length = true;
    f->content_length = len;
    return 0;
}

/* One header field line.  0 or the status to refuse with. */
static int parse_field(const http_line *l, http_fields *f) {
    if (l->p[0] == ' ' || l->p[0] == '\t') return 400; /* obsolete line folding */
    size_t i = 0;
    while (i < l->len && is_tchar((unsigned char)l->p[i]))
        i++;
    if (i == 0 || i >= l->len || l->p[i] != ':') return 400;
    size_t nlen = i++;
    while (i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'))
        i++;
    size_t end = l->len;
    while (end > i && (l->p[end - 1] == ' ' || l->p[end - 1] == '\t'))
        end--;
    for (size_t k = i; k < end; k++)
        if (!is_value_char((unsigned char)l->p[k])) return 400;
    const char *name = l->p, *v = l->p + i;
    size_t vlen = end - i;
    if (nlen == 14 && !strncasecmp(name, "Content-Length", 14)) return field_length(v, vlen, f);
    if (nlen == 17 && !strncasecmp(name, "Transfer-Encoding", 17)) f->chunked_or_coded = true;
    if (nlen == 4 && !strncasecmp(name, "Host", 4)) f->hosts++;
    if (nlen == 10 && !strncasecmp(name, "Connection", 10)) {
        if (has_option(v, vlen, "close")) f->close = true;
        if (has_option(v, vlen, "keep-alive")) f->keep_alive = true;
    }
    return 0;
}

http_parse_status http_parse(const char *buf, size_t len, http_request *req) {
    memset(req, 0, sizeof *req);
    size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD, at = 0;
    http_line line;
    bool bad = false;
    do { /* empty lines before a request are ignored (RFC 9112 2.2) */
        if (!next_line(buf, limit, &at, &line, &bad))
            return len >= HTTP_MAX_HEAD ? refuse(req, 414) : HTTP_NEED;
    } while (line.len == 0 && !bad);
    int minor = 0, st = bad ? 400 : parse_request_line(&line, req, &minor);
    if (st) return refuse(req, st);
    http_fields f;
    memset(&f, 0, sizeof f);
    for (;;) {
        if (!next_line(buf, limit, &at, &line, &bad))
            return len >= HTTP_MAX_HEAD ? refuse(req, 431) : HTTP_NEED;
        if (bad) return refuse(req, 400);
        if (line.len == 0) break;
        if ((st = parse_field(&line, &f))) return refuse(req, st);
    }
    if (f.chunked_or_coded) return refuse(req, 501);
    if (minor >= 1 && f.hosts != 1) return refuse(req, 400);
    if (f.hosts > 1) return refuse(req, 400);
    size_t total = at + (size_t)f.content_length;
    if (len < total) {
        req->need = total;
        return HTTP_NEED;
    }
    req->consumed = total;
    req->keep_alive = minor >= 1 ? !f.close : f.keep_alive && !f.close;
    return HTTP_PARSED;
}

/* Every status the module answers, as "code reason". */
static const char *const status_texts[] = {
    "200 OK",
    "400 Bad Request",
    "403 Forbidden",
    "404 Not Found",
    "405 Method Not Allowed",
    "413 Content Too Large",
    "414 URI Too Long",
    "431 Request Header Fields Too Large",
    "500 Internal Server Error",
    "501 Not Implemented",
    "503 Service Unavailable",
    "505 HTTP Version Not Supported",
};

const char *http_status_text(int status) {
    for (size_t i = 0; i < sizeof status_texts / sizeof status_texts[0]; i++) {
        const char *t = status_texts[i];
        if ((t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0') == status) return t;
    }
    return "500 Internal Server Error";
}

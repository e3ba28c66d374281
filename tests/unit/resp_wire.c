/* resp_wire.c -- test helper: validates encoder output as RESP2 or RESP3 replies. */
#include <stdint.h>
#include <string.h>
#include "resp_wire.h"

/* The line at s[*pos] (after the type byte) up to CRLF: its bounds, *pos moved past it. */
static bool line(const char *s, size_t n, size_t *pos, size_t *start, size_t *len) {
    size_t i = *pos;
    while (i < n && s[i] != '\r' && s[i] != '\n')
        i++;
    if (i + 1 >= n || s[i] != '\r' || s[i + 1] != '\n') return false;
    *start = *pos;
    *len = i - *pos;
    *pos = i + 2;
    return true;
}

/* A canonical decimal (optional '-', no leading zeros); -1 is allowed only when allow_nil. */
static bool number(const char *s, size_t len, bool allow_nil, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (len == 2 && s[0] == '-' && s[1] == '1' && allow_nil) {
        *out = -1;
        return true;
    }
    if (len && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len || len - i > 19 || (s[i] == '0' && len - i > 1) || (neg && s[i] == '0'))
        return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + neg) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool resp_wire_valid(const char *s, size_t n, int version, size_t count) {
    const bool v3 = version == 3;
    uint64_t pending = count;
    size_t pos = 0, start, len;
    int64_t v;
    while (pending) {
        if (pos >= n) return false;
        char type = s[pos++];
        if (!v3 && !strchr("+-:$*", type)) return false;
        if (!line(s, n, &pos, &start, &len)) return false;
        pending--;
        switch (type) {
        case '+':
        case '-':
        case ',':
        case '(':
            break;
        case ':':
            if (!number(s + start, len, false, &v)) return false;
            break;
        case '#':
            if (len != 1 || (s[start] != 't' && s[start] != 'f')) return false;
            break;
        case '_':
            if (len != 0) return false;
            break;
        case '$':
        case '=':
            if (!number(s + start, len, type == '$' && !v3, &v)) return false;
            if (v < 0) break;
            if (n - pos < (uint64_t)v + 2 || s[pos + v] != '\r' || s[pos + v + 1] != '\n')
                return false;
            if (type == '=' && (v < 4 || s[pos + 3] != ':')) return false;
            pos += (size_t)v + 2;
            break;
        case '*':
        case '~':
        case '>':
        case '%':
            if (!number(s + start, len, type == '*' && !v3, &v)) return false;
            if (v < 0) break; /* RESP2's null array */
            pending += type == '%' ? 2 * (uint64_t)v : (uint64_t)v;
            break;
        default:
            return false;
        }
    }
    return pos == n;
}

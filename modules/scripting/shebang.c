/* shebang.c -- reading "#!lua flags=..." (see shebang.h). */
#include "shebang.h"

#include <string.h>

bool shebang_known_flag(const char *flag, size_t n, bool *no_writes) {
    static const char *const flags[] = {
        "no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", NULL};
    for (size_t i = 0; flags[i]; i++) {
        if (strlen(flags[i]) != n || memcmp(flags[i], flag, n) != 0) continue;
        if (i == 0) *no_writes = true;
        return true;
    }
    return false;
}

const char *shebang_parse(keel_proc *p, const char *body, size_t len, shebang *out) {
    *out = (shebang){.code = body, .code_len = len};
    if (len < 2 || body[0] != '#' || body[1] != '!') return NULL;
    const char *nl = memchr(body, '\n', len);
    if (!nl) return "ERR Invalid script shebang";
    out->present = true;
    size_t line = (size_t)(nl - body);
    const char *w = body, *end = nl;
    const char *sp = memchr(w, ' ', line);
    const char *eng_end = sp ? sp : end;
    if (eng_end - w != 5 || memcmp(w, "#!lua", 5) != 0) {
        char *msg = keel_proc_alloc(p, (size_t)(eng_end - w) + 64);
        memcpy(msg, "ERR Unexpected engine in script shebang: ", 41);
        memcpy(msg + 41, w, (size_t)(eng_end - w));
        msg[41 + (eng_end - w)] = '\0';
        return msg;
    }
    for (w = eng_end; w < end;) {
        while (w < end && *w == ' ')
            w++;
        if (w >= end) break;
        const char *we = memchr(w, ' ', (size_t)(end - w));
        if (!we) we = end;
        size_t n = (size_t)(we - w);
        if (n >= 6 && memcmp(w, "flags=", 6) == 0) {
            for (const char *f = w + 6; f < we;) {
                const char *fe = memchr(f, ',', (size_t)(we - f));
                if (!fe) fe = we;
                if (fe > f && !shebang_known_flag(f, (size_t)(fe - f), &out->no_writes)) {
                    char *msg = keel_proc_alloc(p, (size_t)(fe - f) + 64);
                    int k = 0;
                    const char *pre = "ERR Unexpected flag in script shebang: ";
                    while (pre[k])
                        msg[k] = pre[k], k++;
                    memcpy(msg + k, f, (size_t)(fe - f));
                    msg[k + (fe - f)] = '\0';
                    return msg;
                }
                f = fe + 1;
            }
        } else {
            char *msg = keel_proc_alloc(p, n + 64);
            int k = 0;
            const char *pre = "ERR Unknown lua shebang option: ";
            while (pre[k])
                msg[k] = pre[k], k++;
            memcpy(msg + k, w, n);
            msg[k + n] = '\0';
            return msg;
        }
        w = we;
    }
    char *code = keel_proc_alloc(p, len + 1);
    memcpy(code, body, len);
    code[0] = code[1] = '-'; /* the shebang line becomes a comment: line numbers stay */
    code[len] = '\0';
    out->code = code;
    return NULL;
}

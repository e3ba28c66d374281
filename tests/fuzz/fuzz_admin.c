/* fuzz_admin.c -- the secret, its counting, the admin connection's scripts and input lines
 * split into arguments (fuzz_admin.h). */
#include "fuzz_admin.h"
#include "conf.h"
#include "inproc_server.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void fuzz_random_word(char out[FUZZ_WORD_LEN + 1]) {
    FILE *f = fopen("/dev/urandom", "rb");
    unsigned char raw[FUZZ_WORD_LEN / 2] = {0};
    if (!f || fread(raw, 1, sizeof raw, f) != sizeof raw) abort();
    fclose(f);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

size_t fuzz_count_of(const char *word, const char *s, size_t n) {
    const size_t k = FUZZ_WORD_LEN;
    if (n < k) return 0;
    uint64_t want = 0, have = 0, top = 1;
    for (size_t i = 0; i < k; i++) {
        want = want * 131 + (unsigned char)word[i];
        have = have * 131 + (unsigned char)s[i];
        if (i) top *= 131;
    }
    for (size_t i = k, found = 0;; i++) {
        if (have == want) found++;
        if (i == n) return found;
        have = (have - top * (unsigned char)s[i - k]) * 131 + (unsigned char)s[i];
    }
}

void fuzz_admin(int fd, const char *secret, const char *script, resp_buf *out, int timeout_ms) {
    resp_buf req = {0};
    size_t n = 0;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", script);
    for (char *cmd = strtok(copy, ";"); cmd; cmd = strtok(NULL, ";")) {
        const char *argv[16];
        size_t lens[16];
        int argc = 0;
        for (char *a = cmd, *bar; a && argc < 16; a = bar ? bar + 1 : NULL) {
            bar = strchr(a, '|');
            if (bar) *bar = '\0';
            argv[argc] = strcmp(a, "@") == 0 ? secret : a;
            lens[argc] = strlen(argv[argc]);
            argc++;
        }
        resp_buf_command(&req, argc, argv, lens);
        n++;
    }
    out->len = 0;
    if (resp_exchange(fd, req.data, req.len, n, out, timeout_ms) != 0) {
        fprintf(stderr, "fuzz_admin: the admin connection failed on %s\n", script);
        abort();
    }
    free(req.data);
}

int fuzz_split_args(const char *a, const char *end, const char **argv, size_t *lens, int max) {
    int argc = 0;
    while (argc < max) {
        const char *sp = memchr(a, ' ', (size_t)(end - a));
        argv[argc] = a;
        lens[argc++] = (size_t)((sp ? sp : end) - a);
        if (!sp) break;
        a = sp + 1;
    }
    return argc;
}

fuzz_input fuzz_read_input(const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size;
    const char *nl = memchr(p, '\n', size);
    size_t head = nl ? (size_t)(nl - p) : size;
    fuzz_input in = {.as_admin = head > 0 && p[0] == 'a',
                     .one_by_one = head > 2 && p[2] == 's',
                     .thread = head > 1 ? (unsigned char)p[1] : 0,
                     .body = nl ? nl + 1 : end,
                     .end = end};
    return in;
}

void fuzz_each_command(const fuzz_input *in, size_t max, fuzz_take_fn take, void *ctx) {
    const char *p = in->body, *end = in->end;
    for (size_t taken = 0; p < end && taken < max;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        int who = p < line_end && *p == '@';
        const char *argv[FUZZ_MAX_ARGS];
        size_t lens[FUZZ_MAX_ARGS];
        int argc = fuzz_split_args(p + who, line_end, argv, lens, FUZZ_MAX_ARGS);
        if (lens[0] > 0 && take(ctx, who, argc, argv, lens)) taken++;
        p = nl ? nl + 1 : end;
    }
}

bool fuzz_allowed(const char *const *list, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0) return true;
    return false;
}

void fuzz_world_start(fuzz_world *w, const char *const *modules, int nmodules) {
    if (inproc_start(modules, nmodules, 2) != 0) abort();
    w->admin_net = inproc_network("admin", PERM_ALL, NULL, 0, false);
    static const char *const base[] = {"tenant"};
    w->tenant_net = inproc_network("tenant", PERM_READ | PERM_WRITE, base, 1, true);
    w->admin_fd = inproc_connect(w->admin_net, 0);
    fuzz_random_word(w->secret);
}

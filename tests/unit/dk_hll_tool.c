/* dk_hll_tool.c -- drives datakit HLL sketches from stdin lines, for test_dk_hll_redis.py.
 *
 * Commands (keys are small integers, elements are hex):
 *   A key hex       add an element; prints 1/0 (registers changed or not)
 *   C key [key...]  count one sketch (cached) or the union of several; prints the count
 *   M dst src...    merge the sources into dst (dst created if missing); prints OK
 *   G key           prints the sketch's bytes in hex
 *   E key           prints sparse or dense
 * A key that was never written is an empty sketch, as in Redis.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/hll.h>

#define KEYS 64

static dk_hll *sketch[KEYS];

static dk_hll *get(int k) {
    if (!sketch[k]) sketch[k] = dk_hll_new();
    return sketch[k];
}

static size_t unhex(const char *s, unsigned char *out) {
    size_t n = 0;
    while (s[0] && s[1] && s[0] != '\n') {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

int main(void) {
    char line[8192];
    unsigned char ele[4096];
    while (fgets(line, sizeof line, stdin)) {
        char *save, *cmd = strtok_r(line, " \n", &save);
        if (!cmd) continue;
        int k = atoi(strtok_r(NULL, " \n", &save)) % KEYS;
        if (cmd[0] == 'A') {
            char *hex = strtok_r(NULL, " \n", &save);
            size_t n = hex ? unhex(hex, ele) : 0;
            printf("%d\n", dk_hll_add(get(k), ele, n));
        } else if (cmd[0] == 'C') {
            const dk_hll *hs[KEYS];
            size_t n = 0;
            hs[n++] = get(k);
            for (char *t; (t = strtok_r(NULL, " \n", &save));)
                hs[n++] = get(atoi(t) % KEYS);
            printf("%llu\n",
                   (unsigned long long)(n == 1 ? dk_hll_count(get(k)) : dk_hll_count_union(hs, n)));
        } else if (cmd[0] == 'M') {
            const dk_hll *hs[KEYS];
            size_t n = 0;
            for (char *t; (t = strtok_r(NULL, " \n", &save));)
                hs[n++] = get(atoi(t) % KEYS);
            printf("%s\n", dk_hll_merge(get(k), hs, n) ? "OK" : "ERR");
        } else if (cmd[0] == 'G') {
            size_t n;
            const uint8_t *d = dk_hll_data(get(k), &n);
            for (size_t i = 0; i < n; i++)
                printf("%02x", d[i]);
            printf("\n");
        } else if (cmd[0] == 'E') {
            printf("%s\n", dk_hll_is_sparse(get(k)) ? "sparse" : "dense");
        }
        fflush(stdout);
    }
    for (int k = 0; k < KEYS; k++)
        dk_hll_free(sketch[k]);
    return 0;
}

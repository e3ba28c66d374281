/* bench_memory.c -- `make bench-memory`: bytes per key and ns per op of the keyspace table.
 *
 * Loads N keys "key:%010d" (default 1,000,000) with the two loads of the server benchmark
 * (shared/bench/01_mem_per_key.sh): random integers 0..9999999 (stored as integer boxes) and
 * 100-byte random printable values, plus the integer load with an expiry on every key.  Each
 * case runs in its own child process so its RSS delta is not flattered by memory a previous
 * case freed.  Prints dk_table_bytes and the RSS delta per key, the overhead beyond the key and
 * value bytes (as the client sent them, and as packed boxes), and ns per insert and per lookup
 * (hash included).  Lookups are timed twice: independent (throughput: the CPU overlaps the
 * misses of consecutive lookups) and chained (each lookup's key depends on the previous
 * result, so every miss is paid in full, as between two network requests).  The same loops
 * run over a plain chained table (malloc'd entries, 8-byte heads, presized) for reference.
 * Usage: dk_bench_memory [N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <datakit/box.h>
#include <datakit/table.h>

#include "plain.h"

enum bench_kind { KIND_INT, KIND_V100, KIND_INT_TTL };

static uint64_t rng_state = 42;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

#define POOL 4096
#define VLEN 100

static void run_case(enum bench_kind kind, size_t n) {
    /* Everything the load needs is made before the RSS baseline. */
    char *keys = malloc(n * 16);
    uint32_t *ints = malloc(n * sizeof *ints);
    uint32_t *order = malloc(n * sizeof *order);
    char *pool = malloc((size_t)POOL * VLEN);
    if (!keys || !ints || !order || !pool) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    double text_bytes = 0, box_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(keys + i * 16, 16, "key:%010u", (unsigned)(i % 1000000000));
        ints[i] = (uint32_t)(rnd() % 10000000);
        order[i] = (uint32_t)i;
    }
    for (size_t i = n; i > 1; i--) { /* lookups in random order */
        size_t j = rnd() % i;
        uint32_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    for (size_t i = 0; i < (size_t)POOL * VLEN; i++)
        pool[i] = "0123456789abcdef"[rnd() & 15];
    dk_table *t = dk_table_new_meta(); /* as the keyspace makes them */
    size_t rss0 = rss_bytes();
    size_t bytes0 = dk_table_bytes(t);

    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const char *key = keys + i * 16;
        uint64_t h = dk_table_default_hash(key, 14);
        dk_val v;
        if (kind == KIND_V100) {
            v = dk_bytes(pool + (rnd() % POOL) * VLEN, VLEN);
        } else {
            v = dk_i64(ints[i]);
        }
        dk_ref r = dk_table_put_box(t, key, 14, h, &v, false, NULL, NULL);
        if (kind == KIND_INT_TTL)
            r = dk_table_set_expiry(t, r, 1700000000000 + (int64_t)(rnd() % 3600000));
        if (r == DK_REF_NONE) {
            fprintf(stderr, "insert failed\n");
            exit(1);
        }
    }
    double t1 = now_ns();
    size_t bytes1 = dk_table_bytes(t);
    size_t rss1 = rss_bytes();

    uint64_t sum = 0;
    double t2 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const char *key = keys + (size_t)order[i] * 16;
        dk_ref r = dk_table_find(t, key, 14, dk_table_default_hash(key, 14));
        dk_entry e;
        dk_table_view(t, r, &e);
        sum += e.box.type == DK_BYTES ? e.box.len : (uint64_t)e.box.v.i;
    }
    double t3 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const char *key = keys + (size_t)order[(i + (sum & 1)) % n] * 16;
        dk_ref r = dk_table_find(t, key, 14, dk_table_default_hash(key, 14));
        dk_entry e;
        dk_table_view(t, r, &e);
        sum += e.box.type == DK_BYTES ? e.box.len : (uint64_t)e.box.v.i;
    }
    double t4 = now_ns();

    for (size_t i = 0; i < n; i++) {
        char txt[16];
        if (kind == KIND_V100) {
            text_bytes += 14 + VLEN;
            box_bytes += 14 + 1 + VLEN;
        } else {
            dk_val v = dk_i64(ints[i]);
            text_bytes += 14 + (double)snprintf(txt, sizeof txt, "%" PRIu32, ints[i]);
            box_bytes += 14 + (double)dk_box_size(&v);
        }
    }
    text_bytes /= (double)n;
    box_bytes /= (double)n;
    double table_per_key = (double)(bytes1 - bytes0) / (double)n;
    double rss_per_key = (double)(rss1 - rss0) / (double)n;
    static const char *names[] = {"int (0..9999999)", "100-byte values", "int + expiry"};
    printf("%-18s %8zu keys  payload %.1f B (packed %.1f B)\n", names[kind], n, text_bytes,
           box_bytes);
    printf("  dk_table_bytes  %6.1f B/key  overhead %5.1f B/key (vs packed %5.1f)\n", table_per_key,
           table_per_key - text_bytes, table_per_key - box_bytes);
    printf("  RSS delta       %6.1f B/key  overhead %5.1f B/key (vs packed %5.1f)\n", rss_per_key,
           rss_per_key - text_bytes, rss_per_key - box_bytes);
    printf("  dk_table  insert %6.1f ns/op  lookup %6.1f ns/op  chained lookup %6.1f ns/op\n",
           (t1 - t0) / (double)n, (t3 - t2) / (double)n, (t4 - t3) / (double)n);
    if (kind == KIND_INT) {
        plain_times pt = plain_bench(keys, 16, 14, order, n);
        printf("  plain     insert %6.1f ns/op  lookup %6.1f ns/op  chained lookup %6.1f ns/op"
               "  (%.1f B/key)\n",
               pt.insert_ns, pt.lookup_ns, pt.chained_ns, pt.bytes_per_key);
    }
    if (sum == 42) printf("\n");
    fflush(stdout);
    dk_table_free(t, NULL, NULL);
    free(keys);
    free(ints);
    free(order);
    free(pool);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    enum bench_kind kinds[] = {KIND_INT, KIND_V100, KIND_INT_TTL};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            run_case(kinds[k], n);
            _exit(0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            return 1;
    }
    return 0;
}

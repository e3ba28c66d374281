/* bench_containers.c -- bytes/element and ns/op of datakit's containers (`make
 * bench-memory-containers`).
 *
 * Every figure is measured in-library: dk_*_bytes() counts structs, chunks, indexes and
 * allocator slack (glibc usable size + its chunk header).  Usage: dk_bench_containers [N]
 * (N elements per benchmark, default 1000000).  Inserts and lookups go in random order; times
 * are process CPU time (robust on a shared machine).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <datakit/array.h>
#include <datakit/box.h>
#include <datakit/intset.h>
#include <datakit/list.h>
#include <datakit/map.h>
#include <datakit/sbitset.h>
#include <datakit/set.h>
#include <datakit/stream.h>
#include <datakit/zset.h>

static uint64_t rng_state = 0x1234567;

static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void header(void) {
    printf("%-44s %9s %11s %9s %9s %9s %9s\n", "benchmark", "elements", "bytes", "B/elem",
           "B/e-over", "ns/insert", "ns/lookup");
}

/* over: bytes per element beyond the payload the caller names (negative payload: n/a). */
static void row(const char *name, size_t n, size_t bytes, double payload, double ins, double get) {
    char over[32] = "-";
    if (payload >= 0) snprintf(over, sizeof over, "%.2f", ((double)bytes - payload) / (double)n);
    printf("%-44s %9zu %11zu %9.2f %9s %9.1f %9.1f\n", name, n, bytes, (double)bytes / (double)n,
           over, ins, get);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void bench_list_push(size_t n, int64_t range, const char *name) {
    dk_list *l = dk_list_new();
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        dk_val v = dk_i64((int64_t)(rnd() % (uint64_t)range));
        dk_list_push(l, DK_LIST_TAIL, &v);
    }
    double t1 = now_ns();
    dk_val x;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        dk_list_index(l, rnd() % n, &x);
        sum += x.v.i;
    }
    double t2 = now_ns();
    row(name, n, dk_list_bytes(l), -1, (t1 - t0) / n, (t2 - t1) / n);
    dk_iter it = dk_iter_at(0);
    t0 = now_ns();
    while (dk_list_next(l, &it, &x))
        sum += x.v.i;
    t1 = now_ns();
    for (size_t i = 0; i < n; i++)
        dk_list_pop(l, (i & 1) ? DK_LIST_HEAD : DK_LIST_TAIL);
    t2 = now_ns();
    printf("    cursor walk %.1f ns/elem, pops %.1f ns/op, empty after: %zu bytes (sum %" PRId64
           ")\n",
           (t1 - t0) / n, (t2 - t1) / n, dk_list_bytes(l), sum);
    dk_list_free(l);
}

static void bench_list_random_insert(size_t n) {
    dk_list *l = dk_list_new();
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        dk_val v = dk_i64((int64_t)(rnd() % 64));
        dk_list_insert(l, rnd() % (i + 1), &v);
    }
    double t1 = now_ns();
    row("list: random-position inserts (ints 0..63)", n, dk_list_bytes(l), -1, (t1 - t0) / n, 0);
    dk_list_free(l);
}

/* ---- sets -------------------------------------------------------------------------------- */

static void bench_set_ints(size_t n) {
    dk_set *s = dk_set_new();
    uint64_t seed = rng_state;
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        dk_val v = dk_i64((int64_t)rnd());
        dk_set_add(s, &v);
    }
    double t1 = now_ns();
    rng_state = seed;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        dk_val v = dk_i64((int64_t)rnd());
        hits += dk_set_contains(s, &v);
    }
    double t2 = now_ns();
    size_t c = dk_set_count(s);
    row("set: random int64 members (intset tier)", c, dk_set_bytes(s), 8.0 * (double)c,
        (t1 - t0) / n, (t2 - t1) / n);
    if (hits != n || !dk_set_is_intset(s))
        printf("    !! hits %zu of %zu, intset %d\n", hits, n, dk_set_is_intset(s));
    dk_set_free(s);
}

static void bench_set_strings(size_t n, size_t len, const char *name) {
    dk_set *s = dk_set_new();
    uint64_t seed = rng_state;
    char buf[16];
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        uint64_t v = rnd();
        memcpy(buf, &v, 8);
        memcpy(buf + 8, &v, 8);
        dk_val m = dk_bytes(buf, len);
        dk_set_add(s, &m);
    }
    double t1 = now_ns();
    rng_state = seed;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = rnd();
        memcpy(buf, &v, 8);
        memcpy(buf + 8, &v, 8);
        dk_val m = dk_bytes(buf, len);
        hits += dk_set_contains(s, &m);
    }
    double t2 = now_ns();
    size_t c = dk_set_count(s);
    row(name, c, dk_set_bytes(s), (double)(len * c), (t1 - t0) / n, (t2 - t1) / n);
    if (hits != n) printf("    !! hits %zu of %zu\n", hits, n);
    dk_set_free(s);
}

static void bench_intset(size_t n) {
    dk_intset *s = dk_intset_new();
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        dk_intset_add(s, (int64_t)(rnd() % (4 * n)));
    double t1 = now_ns();
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += dk_intset_contains(s, (int64_t)(rnd() % (4 * n)));
    double t2 = now_ns();
    size_t c = dk_intset_count(s);
    row("intset: random ints < 4N (32-bit chunks)", c, dk_intset_bytes(s), 4.0 * (double)c,
        (t1 - t0) / n, (t2 - t1) / n);
    (void)hits;
    dk_intset_free(s);
}

/* ---- maps -------------------------------------------------------------------------------- */

/* n keys of exactly klen bytes ("k" + zero-padded decimal) to ints below vrange (or, when
 * vrange is 0, to 8-byte strings), in random order.  Payload per entry: key bytes + 1 value
 * byte (8 for strings). */
static void bench_map(size_t n, int klen, uint64_t vrange, const char *name) {
    dk_map *m = dk_map_new();
    char key[32], val[16];
    size_t vbytes = vrange ? 1 : 8;
    uint32_t *perm = malloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd() % i;
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%0*u", klen - 1, perm[i]);
        dk_val k = dk_bytes(key, (size_t)klen), v;
        if (vrange) {
            v = dk_i64((int64_t)(rnd() % vrange));
        } else {
            snprintf(val, sizeof val, "v%07u", perm[i] % 10000000);
            v = dk_bytes(val, 8);
        }
        dk_map_set(m, &k, &v);
    }
    double t1 = now_ns();
    size_t hits = 0;
    dk_val x;
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%0*u", klen - 1, (uint32_t)(rnd() % n));
        dk_val k = dk_bytes(key, (size_t)klen);
        hits += dk_map_get(m, &k, &x);
    }
    double t2 = now_ns();
    size_t c = dk_map_count(m);
    row(name, c, dk_map_bytes(m), (double)((size_t)klen + vbytes) * (double)c, (t1 - t0) / n,
        (t2 - t1) / n);
    printf("    total %.2f MB", (double)dk_map_bytes(m) / 1048576.0);
    dk_iter it = dk_iter_at(0);
    t0 = now_ns();
    while (dk_map_next(m, &it, &x, NULL))
        ;
    t1 = now_ns();
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%0*u", klen - 1, perm[i]);
        dk_val k = dk_bytes(key, (size_t)klen);
        dk_map_delete(m, &k);
    }
    t2 = now_ns();
    printf(", cursor walk %.1f ns/elem, random deletes %.1f ns/op, empty after: %zu bytes\n",
           (t1 - t0) / n, (t2 - t1) / n, dk_map_bytes(m));
    if (hits != n) printf("    !! hits %zu of %zu\n", hits, n);
    free(perm);
    dk_map_free(m);
}

/* ---- bitsets and arrays ------------------------------------------------------------------ */

static void bench_sbitset(size_t n, uint64_t universe, const char *name) {
    dk_sbitset *s = dk_sbitset_new();
    uint64_t seed = rng_state;
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        dk_sbitset_set(s, universe ? rnd() % universe : i);
    double t1 = now_ns();
    rng_state = seed;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += dk_sbitset_get(s, universe ? rnd() % universe : i);
    double t2 = now_ns();
    row(name, (size_t)dk_sbitset_count(s), dk_sbitset_bytes(s), -1, (t1 - t0) / n, (t2 - t1) / n);
    if (hits != n) printf("    !! hits %zu of %zu\n", hits, n);
    dk_sbitset_free(s);
}

static void bench_array(size_t n) {
    dk_array *a = dk_array_new(8);
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        uint64_t v = i;
        dk_array_push(a, &v);
    }
    double t1 = now_ns();
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += dk_array_get_u64(a, rnd() % n);
    double t2 = now_ns();
    row("array: 8-byte pushes", n, dk_array_bytes(a), 8.0 * (double)n, (t1 - t0) / n,
        (t2 - t1) / n);
    (void)sum;
    dk_array_free(a);
}

/* A sorted set of n random 8-byte members with random scores (payload: member + 8-byte score);
 * the slowest insert (the member index moves to a bigger table a slice per write) too. */
static void bench_zset(size_t n) {
    dk_zset *z = dk_zset_new();
    char(*m)[8] = malloc(n * sizeof *m);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        memcpy(m[i], &r, 8);
    }
    double worst = 0, t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        double a = now_ns();
        dk_zset_set(z, m[i], 8, (double)(rnd() % 1000000000) / 7.0);
        double b = now_ns();
        if (b - a > worst) worst = b - a;
    }
    double t1 = now_ns();
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        double s;
        hits += dk_zset_score(z, m[rnd() % n], 8, &s);
    }
    double t2 = now_ns();
    row("zset: random 8-byte members, random scores", n, dk_zset_bytes(z),
        16.0 * (double)dk_zset_count(z), (t1 - t0) / n, (t2 - t1) / n);
    uint64_t r0 = 0;
    double t3 = now_ns();
    for (size_t i = 0; i < n; i++) {
        uint64_t r;
        dk_zset_rank(z, m[rnd() % n], 8, &r);
        r0 += r;
    }
    double t4 = now_ns();
    printf("    rank by member %.1f ns/op, slowest insert %.2f ms\n", (t4 - t3) / n, worst / 1e6);
    if (hits != n) printf("    !! hits %zu of %zu\n", hits, n);
    (void)r0;
    free(m);
    dk_zset_free(z);
}

/* Stream entries as `XADD s * user <8 bytes> event <8 bytes> ts <int>` makes them (IDs a few per
 * millisecond); payload per entry: the three values (8 + 8 + 13 digits).  "get" is a forward
 * walk's ns per entry. */
static void bench_stream(size_t n) {
    dk_stream *s = dk_stream_new();
    char user[8], event[8], ts[24];
    dk_sid id = {1733400000000ull, 0};
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++) {
            user[k] = (char)('a' + rnd() % 26);
            event[k] = (char)('A' + rnd() % 26);
        }
        int tl = snprintf(ts, sizeof ts, "%zu", (size_t)1733400000000ull + i);
        dk_sbytes fv[6] = {{"user", 4}, {user, 8}, {"event", 5},
                           {event, 8},  {"ts", 2}, {ts, (size_t)tl}};
        if (rnd() % 3 == 0)
            id.ms++, id.seq = 0;
        else
            id.seq++;
        dk_stream_append(s, id, fv, 3);
    }
    double t1 = now_ns();
    dk_scursor c;
    dk_sentry e;
    size_t walked = 0;
    dk_stream_seek(s, &c, (dk_sid){0, 0}, false);
    while (dk_stream_next(s, &c, &e))
        walked++;
    double t2 = now_ns();
    row("stream: XADD * user <8> event <8> ts <int>", n, dk_stream_bytes(s), 29.0 * (double)n,
        (t1 - t0) / n, (t2 - t1) / (walked ? walked : 1));
    dk_stream_free(s);
}

/* Whole-container bytes of the small values most keys hold. */
static void bench_small(void) {
    dk_list *l = dk_list_new();
    dk_set *si = dk_set_new(), *ss = dk_set_new();
    dk_map *m = dk_map_new();
    for (int64_t i = 0; i < 3; i++) {
        dk_val v = dk_i64(i * 1000), w = dk_bytes(i ? "bob" : "alice", i ? 3 : 5);
        dk_list_push(l, DK_LIST_TAIL, &v);
        dk_set_add(si, &v);
        dk_set_add(ss, &w);
    }
    dk_val k1 = dk_bytes("name", 4), v1 = dk_bytes("alice", 5), k2 = dk_bytes("age", 3),
           v2 = dk_i64(30);
    dk_map_set(m, &k1, &v1);
    dk_map_set(m, &k2, &v2);
    printf("small values, whole container: list of 3 ints %zu B, int set of 3 %zu B, "
           "string set of 2 %zu B, map of 2 fields %zu B\n",
           dk_list_bytes(l), dk_set_bytes(si), dk_set_bytes(ss), dk_map_bytes(m));
    dk_list_free(l);
    dk_set_free(si);
    dk_set_free(ss);
    dk_map_free(m);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (n < 1000) n = 1000;
    printf("datakit containers, N = %zu (B/e-over: bytes per element beyond the payload named "
           "in the benchmark; ns: random order)\n",
           n);
    header();
    bench_list_push(n, 64, "list: tail pushes of ints 0..63");
    bench_list_push(n, 1000, "list: tail pushes of ints 0..999");
    bench_list_random_insert(n);
    bench_set_ints(n);
    bench_set_strings(n, 8, "set: random 8-byte strings (payload 8)");
    bench_set_strings(n, 16, "set: random 16-byte strings (payload 16)");
    bench_intset(n);
    bench_map(n, 10, 64, "map: 10-byte keys -> ints 0..63 (payload 11)");
    bench_map(n, 10, 1000, "map: 10-byte keys -> ints 0..999 (payload 11)");
    bench_map(n, 12, 1000, "hash: 12-byte fields -> ints 0..999");
    bench_map(n, 9, 0, "hash: 9-byte fields -> 8-byte strings");
    bench_sbitset(n, (uint64_t)1 << 32, "sbitset: random bits < 2^32 (arrays)");
    bench_sbitset(n, 4 * (uint64_t)n, "sbitset: random bits < 4N (bitmaps)");
    bench_sbitset(n, 0, "sbitset: sequential bits (runs)");
    bench_array(n);
    bench_zset(n);
    bench_stream(n);
    bench_small();
    return 0;
}

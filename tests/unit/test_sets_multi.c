/* test_sets_multi.c -- sets.so's multi-key commands on the fake SDK, with keys on one simulated
 * thread and on two: SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSUBSET
 * SEQUAL SMOVE checked against a bitmask model over thousands of random cases with tiny budgets
 * (so every path yields and hops), plus their errors and big cross-thread operations. */
#include <check.h>

#include "dk_check_fast.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"
#include "sets_sim.h"
#include "modules/sets/register.h"

#define WRONGTYPE "!WRONGTYPE Operation against a key holding the wrong kind of value"
#define NMEM 64
#define NKEYS 7

/* The universe: 32 integers (some negative) and 32 strings; canon[] lists them in the order a
 * set keeps them (integers by value, then bytes). */
static char names[NMEM][8];
static int canon[NMEM];
static const char *const keys[NKEYS] = {"a", "b", "c", "d", "x", "y", "z"}; /* x y z: thread 1 */
static uint64_t model[NKEYS];
static long case_hops; /* hops of the random commands themselves */
static keel_type_id other_type;
static int other_obj;
static void other_free(void *obj) {
    (void)obj;
}
static const keel_type_def other_def = {
    .size = sizeof(keel_type_def), .name = "other", .free = other_free};

static int cmp_canon(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if ((i < 32) != (j < 32)) return i < 32 ? -1 : 1;
    if (i < 32) return atoi(names[i]) - atoi(names[j]);
    return strcmp(names[i], names[j]);
}

static void universe(void) {
    for (int i = 0; i < 32; i++)
        snprintf(names[i], sizeof names[i], "%d", i * 7 - 50);
    for (int i = 32; i < NMEM; i++)
        snprintf(names[i], sizeof names[i], "m%c%d", 'a' + (i * 5) % 26, i);
    for (int i = 0; i < NMEM; i++)
        canon[i] = i;
    qsort(canon, NMEM, sizeof canon[0], cmp_canon);
}

static void setup_world(bool two) {
    sim_reset(two);
    ck_assert_int_eq(sets_register(fake_module()), KEEL_OK);
    const char *err = NULL;
    ck_assert_int_eq(keel_register_type(fake_module(), &other_def, &other_type, &err), KEEL_OK);
}

static void setup(void) {
    universe();
    setup_world(true);
}

static const char *run(int64_t budget, int argc, const char *const *argv) {
    return sim_text(budget, argc, argv);
}

/* The text SMEMBERS would give for a mask. */
static void mask_text(uint64_t m, char *out, size_t cap) {
    size_t at = 0;
    at += (size_t)snprintf(out + at, cap - at, "[");
    bool first = true;
    for (int c = 0; c < NMEM; c++) {
        int i = canon[c];
        if (!(m >> i & 1)) continue;
        at += (size_t)snprintf(out + at, cap - at, "%s%s", first ? "" : ",", names[i]);
        first = false;
    }
    snprintf(out + at, cap - at, "]");
}

/* Stores the model's sets in the keyspace (all keys on their simulated threads). */
static void load_model(void) {
    for (int k = 0; k < NKEYS; k++) {
        if (!model[k]) continue;
        const char *argv[NMEM + 2] = {"SADD", keys[k]};
        int argc = 2;
        for (int i = 0; i < NMEM; i++)
            if (model[k] >> i & 1) argv[argc++] = names[i];
        run(1000, argc, argv);
    }
}

/* Checks every key against the model. */
static void check_model(const char *what) {
    char want[2048];
    for (int k = 0; k < NKEYS; k++) {
        mask_text(model[k], want, sizeof want);
        const char *got = run(1000, 2, (const char *const[]){"SMEMBERS", keys[k]});
        fast_assert_msg(strcmp(got, want) == 0, "%s: key %s holds %s, model %s", what, keys[k], got,
                        want);
    }
}

/* One random command: runs it, computes the model's answer and next state. */
static void random_case(unsigned *seed, int64_t budget) {
    const char *argv[16];
    char want[2048];
    int argc = 0, nsrc = 1 + rand_r(seed) % 4;
    int src[4] = {0, 0, 0, 0};
    for (int i = 0; i < nsrc; i++)
        src[i] = rand_r(seed) % NKEYS;
    int op = rand_r(seed) % 10;
    uint64_t u = 0, in = ~0ull, diff = model[src[0]];
    for (int i = 0; i < nsrc; i++) {
        u |= model[src[i]];
        in &= model[src[i]];
        if (i) diff &= ~model[src[i]];
    }
    int dst = rand_r(seed) % NKEYS;
    static const char *const names_op[] = {"SUNION",      "SINTER",     "SDIFF",      "SUNIONSTORE",
                                           "SINTERSTORE", "SDIFFSTORE", "SINTERCARD", "SSUBSET",
                                           "SEQUAL",      "SMOVE"};
    argv[argc++] = names_op[op];
    char numtext[8], limtext[8];
    uint64_t result = op % 3 == 0 ? u : op % 3 == 1 ? in : diff;
    if (op >= 3 && op <= 5) argv[argc++] = keys[dst];
    if (op == 6) {
        snprintf(numtext, sizeof numtext, "%d", nsrc);
        argv[argc++] = numtext;
        result = in;
    }
    if (op <= 6 || op == 8)
        for (int i = 0; i < nsrc; i++)
            argv[argc++] = keys[src[i]];
    if (op <= 2) {
        mask_text(result, want, sizeof want);
    } else if (op <= 5) {
        snprintf(want, sizeof want, "%d", __builtin_popcountll(result));
        model[dst] = result;
    } else if (op == 6) {
        int limit = rand_r(seed) % 4 * 3;
        int n = __builtin_popcountll(result);
        if (limit) {
            snprintf(limtext, sizeof limtext, "%d", limit);
            argv[argc++] = "LIMIT";
            argv[argc++] = limtext;
            if (n > limit) n = limit;
        }
        snprintf(want, sizeof want, "%d", n);
    } else if (op == 7) {
        argv[argc++] = keys[src[0]];
        argv[argc++] = keys[dst];
        snprintf(want, sizeof want, "%d", (model[src[0]] & ~model[dst]) == 0);
    } else if (op == 8) {
        bool eq = true;
        for (int i = 1; i < nsrc; i++)
            eq = eq && model[src[i]] == model[src[0]];
        snprintf(want, sizeof want, "%d", eq);
    } else {
        int s = src[0];
        argv[argc++] = keys[s];
        argv[argc++] = keys[dst];
        int moved = 0;
        uint64_t counted = 0;
        for (int i = 0; i < 1 + rand_r(seed) % 3; i++) {
            int m = rand_r(seed) % 3 ? __builtin_ctzll(model[s] | 1ull << 63) : rand_r(seed) % NMEM;
            if (rand_r(seed) % 4 == 0) m = rand_r(seed) % NMEM;
            argv[argc++] = names[m];
            if (!(model[s] >> m & 1)) continue;
            if (s == dst) {
                moved += !(counted >> m & 1);
                counted |= 1ull << m;
                continue;
            }
            model[s] &= ~(1ull << m);
            model[dst] |= 1ull << m;
            moved++;
        }
        snprintf(want, sizeof want, "%d", moved);
    }
    const char *got = run(budget, argc, argv);
    case_hops += sim_hops();
    char what[256];
    size_t at = 0;
    for (int i = 0; i < argc; i++)
        at += (size_t)snprintf(what + at, sizeof what - at, "%s ", argv[i]);
    ck_assert_msg(strcmp(got, want) == 0, "%s(budget %lld): got %s, want %s", what,
                  (long long)budget, got, want);
    check_model(what);
}

static void random_cases(bool two) {
    unsigned seed = two ? 12345 : 777;
    case_hops = 0;
    for (int round = 0; round < 60; round++) {
        setup_world(two);
        for (int k = 0; k < NKEYS; k++) {
            int kind = rand_r(&seed) % 5;
            model[k] = kind == 0 ? 0
                                 : ((uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed) << 9 ^
                                    (uint64_t)rand_r(&seed));
            if (kind == 1) model[k] &= 0xffffffffull;    /* integers only: the intset tier */
            if (kind == 2 && k) model[k] = model[k - 1]; /* equal to another */
        }
        load_model();
        for (int c = 0; c < 40; c++) {
            random_case(&seed, 1 + rand_r(&seed) % 60);
        }
    }
    if (two)
        fast_assert_int_gt(case_hops, 1000);
    else
        fast_assert_int_eq(case_hops, 0);
}

START_TEST(test_sets_multi_random_commands_on_two_threads_match_the_model) {
    random_cases(true);
}
END_TEST

START_TEST(test_sets_multi_random_commands_on_one_thread_match_the_model) {
    random_cases(false);
}
END_TEST

START_TEST(test_sets_multi_errors_and_wrong_types) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    ck_assert_int_eq(keel_key_store_object(p, "o", 1, other_type, &other_obj, 0), KEEL_OK);
    ck_assert_int_eq(keel_key_store_object(p, "xo", 2, other_type, &other_obj, 0), KEEL_OK);
    fake_proc_free(p);
    ck_assert_str_eq(SIM("SADD", "a", "1", "2"), "2");
    ck_assert_str_eq(SIM("SADD", "x", "2", "3"), "2");
    ck_assert_str_eq(SIM("SINTER", "a", "xo"), WRONGTYPE);
    ck_assert_str_eq(SIM("SINTER", "nokey", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("SUNION", "xo", "a", "x"), WRONGTYPE);
    ck_assert_str_eq(SIM("SDIFFSTORE", "d", "a", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("SSUBSET", "a", "xo"), WRONGTYPE);
    ck_assert_str_eq(SIM("SEQUAL", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("SINTERCARD", "2", "a", "xo"), WRONGTYPE);
    ck_assert_str_eq(SIM("SMOVE", "nokey", "xo", "1"), "0");
    ck_assert_str_eq(SIM("SMOVE", "a", "xo", "1"), WRONGTYPE);
    ck_assert_str_eq(SIM("SMOVE", "o", "a", "1"), WRONGTYPE);
    ck_assert_str_eq(SIM("SINTERSTORE", "xo", "a", "x"), "1"); /* any destination is replaced */
    ck_assert_str_eq(SIM("SMEMBERS", "xo"), "[2]");
    ck_assert_str_eq(SIM("SINTERSTORE", "xo", "a", "nokey"), "0"); /* an empty result deletes */
    ck_assert_str_eq(SIM("SMEMBERS", "xo"), "[]");
    ck_assert_str_eq(SIM("SINTERCARD", "0", "a"), "!ERR numkeys should be greater than 0");
    ck_assert_str_eq(SIM("SINTERCARD", "x", "a"), "!ERR numkeys should be greater than 0");
    ck_assert_str_eq(SIM("SINTERCARD", "3", "a", "x"),
                     "!ERR Number of keys can't be greater than number of args");
    ck_assert_str_eq(SIM("SINTERCARD", "1", "a", "LIMIT", "-1"), "!ERR LIMIT can't be negative");
    ck_assert_str_eq(SIM("SINTERCARD", "1", "a", "LIMIT", "x"), "!ERR LIMIT can't be negative");
    ck_assert_str_eq(SIM("SINTERCARD", "1", "a", "LIMIT"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SINTERCARD", "1", "a", "FOO", "1"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SINTERCARD", "2", "a", "x", "LIMIT", "0"), "1");
    ck_assert_str_eq(SIM("SSUBSET", "nokey", "a"), "1");
    ck_assert_str_eq(SIM("SSUBSET", "a", "nokey"), "0");
    ck_assert_str_eq(SIM("SEQUAL", "nokey", "nokey2"), "1");
    ck_assert_str_eq(SIM("SEQUAL", "a"), "1");
}
END_TEST

/* Adds n members "<prefix><i * step>" to key in batches. */
static void fill(const char *key, const char *prefix, int n, int step) {
    const char *argv[1002] = {"SADD", key};
    static char text[1000][24];
    for (int base = 0; base < n; base += 1000) {
        int argc = 2;
        for (int i = base; i < n && i < base + 1000; i++) {
            snprintf(text[argc - 2], sizeof text[0], "%s%d", prefix, i * step);
            argv[argc] = text[argc - 2];
            argc++;
        }
        run(1000, argc, argv);
    }
}

START_TEST(test_sets_multi_big_operations_across_threads_yield_and_hop) {
    fill("a", "", 20000, 2); /* even numbers */
    fill("x", "", 20000, 3); /* multiples of 3 */
    fill("b", "k", 5000, 1);
    fill("y", "k", 5000, 2);
    ck_assert_str_eq(SIM_BUDGET(500, "SUNIONSTORE", "z", "a", "x"), "33333");
    ck_assert_int_gt(sim_yields(), 100);
    ck_assert_int_gt(sim_hops(), 0);
    ck_assert_str_eq(SIM_BUDGET(500, "SINTERSTORE", "c", "a", "x"), "6667");
    ck_assert_str_eq(SIM_BUDGET(500, "SDIFFSTORE", "yd", "a", "x"), "13333");
    ck_assert_str_eq(SIM_BUDGET(500, "SINTERCARD", "2", "b", "y"), "2500");
    ck_assert_str_eq(SIM_BUDGET(500, "SINTERCARD", "2", "b", "y", "LIMIT", "10"), "10");
    ck_assert_str_eq(SIM_BUDGET(500, "SSUBSET", "c", "z"), "1");
    ck_assert_str_eq(SIM_BUDGET(500, "SSUBSET", "z", "c"), "0");
    ck_assert_str_eq(SIM_BUDGET(500, "SUNIONSTORE", "d", "c", "yd"), "20000");
    ck_assert_str_eq(SIM_BUDGET(500, "SEQUAL", "d", "a"), "1");
    ck_assert_str_eq(SIM_BUDGET(500, "SEQUAL", "d", "a", "z"), "0");
    ck_assert_int_gt(sim_hops(), 0);
    const char *u = SIM_BUDGET(100, "SUNION", "b", "y");
    ck_assert(strncmp(u, "[k0,k1,k10,k100,k1000,k1001,", 28) == 0);
    ck_assert_int_gt(sim_yields(), 10);
}
END_TEST

START_TEST(test_sets_multi_smove_many_members_across_threads) {
    fill("a", "m", 3000, 1);
    const char *argv[3004] = {"SMOVE", "a", "x"};
    static char text[3001][16];
    for (int i = 0; i <= 3000; i++) {
        snprintf(text[i], sizeof text[i], "m%d", i); /* m3000 is not in a */
        argv[3 + i] = text[i];
    }
    keel_op_result r;
    keel_proc *p = sim_run(200, &r, 3004, argv);
    char out[64];
    sim_show(fake_proc_reply(p), out, sizeof out);
    ck_assert_str_eq(out, "3000");
    ck_assert_int_gt(sim_yields(), 10);
    ck_assert_int_gt(sim_hops(), 0);
    fake_proc_free(p);
    ck_assert_str_eq(SIM("SCARD", "a"), "0");
    ck_assert_str_eq(SIM("SCARD", "x"), "3000");
    ck_assert_str_eq(SIM("SMOVE", "x", "x", "m1", "m2", "m1", "nope"), "2");
    ck_assert_str_eq(SIM("SMOVE", "x", "a", "m1", "m1"), "1");
    ck_assert_str_eq(SIM("SMEMBERS", "a"), "[m1]");
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("sets_multi");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sets_multi_random_commands_on_two_threads_match_the_model);
    tcase_add_test(tc, test_sets_multi_random_commands_on_one_thread_match_the_model);
    tcase_add_test(tc, test_sets_multi_errors_and_wrong_types);
    tcase_add_test(tc, test_sets_multi_big_operations_across_threads_yield_and_hop);
    tcase_add_test(tc, test_sets_multi_smove_many_members_across_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

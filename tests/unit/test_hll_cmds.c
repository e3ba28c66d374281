/* test_hll_cmds.c -- hll.so on the fake SDK: PFADD PFCOUNT PFMERGE and their aliases, counts
 * against datakit's sketch, strings holding Redis HyperLogLogs, errors, HLL.MERGEREPLY, the
 * type's ops, and unions across two simulated threads with tiny budgets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/hll.h>
#include "fake_api.h"
#include "sets_sim.h"
#include "modules/hll/hllobj.h"
#include "modules/hll/register.h"

#define NOT_HLL "!WRONGTYPE Key is not a valid HyperLogLog string value."
#define WRONGTYPE "!WRONGTYPE Operation against a key holding the wrong kind of value"

static keel_type_id other_type;
static int other_obj;
static void other_free(void *obj) {
    (void)obj;
}
static const keel_type_def other_def = {
    .size = sizeof(keel_type_def), .name = "other", .free = other_free};

static void setup(void) {
    sim_reset(true);
    ck_assert_int_eq(pf_register(fake_module()), KEEL_OK);
    const char *err = NULL;
    ck_assert_int_eq(keel_register_type(fake_module(), &other_def, &other_type, &err), KEEL_OK);
    SIM("HLL.MERGEREPLY", "COUNT");
}

/* PFADDs n elements "<prefix><i>" to key in one command with the given budget; also adds them
 * to the sketch h when not NULL. */
static void add_n(const char *key, const char *prefix, int n, int64_t budget, dk_hll *h) {
    const char **argv = malloc(sizeof *argv * (size_t)(n + 2));
    char *text = malloc((size_t)n * 24);
    argv[0] = "PFADD";
    argv[1] = key;
    for (int i = 0; i < n; i++) {
        int len = snprintf(text + i * 24, 24, "%s%d", prefix, i);
        argv[i + 2] = text + i * 24;
        if (h) dk_hll_add(h, text + i * 24, (size_t)len);
    }
    keel_op_result r;
    fake_proc_free(sim_run(budget, &r, n + 2, argv));
    ck_assert_int_eq(r, KEEL_DONE);
    free(argv);
    free(text);
}

static const char *count_text(dk_hll *h) {
    static char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)dk_hll_count(h));
    return buf;
}

START_TEST(test_hll_pfadd_pfcount_and_aliases) {
    ck_assert_str_eq(SIM("PFADD", "h", "a", "b", "c"), "1");
    ck_assert_str_eq(SIM("PFADD", "h", "a"), "0");
    ck_assert_str_eq(SIM("PFCOUNT", "h"), "3");
    ck_assert_str_eq(SIM("HLLADD", "h", "d"), "1");
    ck_assert_str_eq(SIM("HLLCOUNT", "h"), "4");
    ck_assert_str_eq(SIM("PFCOUNT", "nokey"), "0");
    ck_assert_str_eq(SIM("PFADD", "empty"), "1");
    ck_assert_str_eq(SIM("PFADD", "empty"), "0");
    ck_assert_str_eq(SIM("PFCOUNT", "empty"), "0");
    ck_assert_str_eq(SIM("PFADD"), "!ERR wrong number of arguments for 'pfadd' command");
}
END_TEST

START_TEST(test_hll_counts_equal_datakit_sketch_through_dense) {
    dk_hll *h = dk_hll_new();
    add_n("h", "e", 20000, 50, h);
    ck_assert_int_gt(sim_yields(), 100);
    ck_assert_str_eq(SIM("PFCOUNT", "h"), count_text(h));
    dk_hll_free(h);
}
END_TEST

START_TEST(test_hll_union_and_merge_across_threads) {
    dk_hll *all = dk_hll_new();
    add_n("a", "p", 3000, 1000, all);
    add_n("x", "q", 200, 1000, all);
    add_n("b", "r", 50, 1000, all);
    ck_assert_str_eq(SIM_BUDGET(100, "PFCOUNT", "a", "x", "b", "nokey"), count_text(all));
    ck_assert_int_gt(sim_hops(), 0);
    ck_assert_str_eq(SIM_BUDGET(100, "PFMERGE", "y", "a", "x", "b"), count_text(all));
    ck_assert_str_eq(SIM("PFCOUNT", "y"), count_text(all));
    ck_assert_str_eq(SIM("HLL.MERGEREPLY"), "+count");
    ck_assert_str_eq(SIM("HLL.MERGEREPLY", "OK"), "+OK");
    ck_assert_str_eq(SIM("HLL.MERGEREPLY"), "+ok");
    ck_assert_str_eq(SIM("HLLMERGE", "y", "nokey"), "+OK"); /* the destination counts too */
    ck_assert_str_eq(SIM("PFCOUNT", "y"), count_text(all));
    ck_assert_str_eq(SIM("PFMERGE", "z"), "+OK");
    ck_assert_str_eq(SIM("PFCOUNT", "z"), "0");
    ck_assert_str_eq(SIM("HLL.MERGEREPLY", "COUNT"), "+OK");
    ck_assert_str_eq(SIM("HLL.MERGEREPLY", "MAYBE"),
                     "!ERR syntax error: HLL.MERGEREPLY [COUNT | OK]");
    dk_hll_free(all);
}
END_TEST

START_TEST(test_hll_strings_holding_redis_sketches) {
    dk_hll *h = dk_hll_new();
    dk_hll_add(h, "a", 1);
    dk_hll_add(h, "b", 1);
    size_t len;
    const uint8_t *bytes = dk_hll_data(h, &len);
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    dk_val v = dk_bytes(bytes, len);
    ck_assert_int_eq(keel_key_store(p, "s", 1, &v, 0), KEEL_OK);
    ck_assert_int_eq(keel_key_expire(p, "s", 1, 2000000000000ll), KEEL_OK);
    v = dk_bytes("nothll", 6);
    ck_assert_int_eq(keel_key_store(p, "t", 1, &v, 0), KEEL_OK);
    ck_assert_int_eq(keel_key_store_object(p, "o", 1, other_type, &other_obj, 0), KEEL_OK);
    fake_proc_free(p);
    ck_assert_str_eq(SIM("PFCOUNT", "s"), "2");
    ck_assert_str_eq(SIM("PFCOUNT", "s", "nokey"), "2");
    ck_assert_str_eq(SIM("PFADD", "s", "c"), "1");
    p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value got = {.size = sizeof got};
    ck_assert_int_eq(keel_key_lookup(p, "s", 1, &got), KEEL_OK);
    ck_assert_str_eq(keel_type_name(got.type), "hll");
    ck_assert_int_eq(got.expire_at_ms, 2000000000000ll);
    fake_proc_free(p);
    ck_assert_str_eq(SIM("PFCOUNT", "s"), "3");
    ck_assert_str_eq(SIM("PFADD", "t", "a"), NOT_HLL);
    ck_assert_str_eq(SIM("PFCOUNT", "t"), NOT_HLL);
    ck_assert_str_eq(SIM("PFCOUNT", "s", "t"), NOT_HLL);
    ck_assert_str_eq(SIM("PFMERGE", "t", "s"), NOT_HLL);
    ck_assert_str_eq(SIM("PFADD", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("PFCOUNT", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("PFCOUNT", "o", "t"), WRONGTYPE); /* the first bad key in argv order */
    ck_assert_str_eq(SIM("PFCOUNT", "t", "o"), NOT_HLL);
    ck_assert_str_eq(SIM("PFMERGE", "s", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("PFCOUNT", "s"), "3");
    dk_hll_free(h);
}
END_TEST

START_TEST(test_hll_type_ops) {
    SIM("PFADD", "h", "a", "b");
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value v = {.size = sizeof v};
    ck_assert_int_eq(keel_key_lookup(p, "h", 1, &v), KEEL_OK);
    const keel_type_def *t = fake_type(v.type);
    ck_assert_str_eq(t->name, "hll");
    char text[64];
    t->describe(v.obj, text, sizeof text);
    ck_assert(strncmp(text, "hll, sparse, ", 13) == 0);
    ck_assert_uint_gt(t->memory_usage(v.obj), 0);
    dk_hll *copy = t->copy(v.obj);
    ck_assert_uint_eq(dk_hll_count(copy), 2);
    t->free(copy);
    t->to_reply(p, v.obj);
    sim_show(fake_proc_reply(p), text, sizeof text);
    ck_assert_str_eq(text, "2");
    fake_proc_free(p);
}
END_TEST

/* A sketch's save op and load, sparse and dense: the same count back; garbage refused. */
START_TEST(test_hll_save_load_round_trip_and_refuse_garbage) {
    add_n("small", "s", 50, 1000000, NULL);
    add_n("large", "l", 20000, 1000000, NULL);
    const keel_type_def *def = fake_type(pf_type);
    const char *keys[] = {"small", "large"};
    for (int k = 0; k < 2; k++) {
        keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
        dk_hll *src = NULL;
        bool borrowed;
        ck_assert_int_eq(pf_find(p, keys[k], strlen(keys[k]), &src, &borrowed), KEEL_OK);
        fake_proc_free(p);
        keel_sink *sink = fake_sink_new();
        ck_assert_int_eq(def->save(src, sink), KEEL_OK);
        size_t len;
        const uint8_t *bytes = fake_sink_bytes(sink, &len);
        const char *err = NULL;
        dk_hll *back = def->load(bytes, len, &err);
        ck_assert_ptr_nonnull(back);
        ck_assert_uint_eq(dk_hll_count(back), dk_hll_count(src));
        ck_assert_int_eq(dk_hll_is_sparse(back), dk_hll_is_sparse(src));
        def->free(back);
        err = NULL;
        ck_assert_ptr_null(def->load(bytes, len - 1, &err)); /* a cut sketch */
        ck_assert_ptr_nonnull(err);
        fake_sink_free(sink);
    }
    const char *err = NULL;
    ck_assert_ptr_null(def->load("HYLLnot a sketch", 16, &err));
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("hll_cmds");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hll_pfadd_pfcount_and_aliases);
    tcase_add_test(tc, test_hll_counts_equal_datakit_sketch_through_dense);
    tcase_add_test(tc, test_hll_union_and_merge_across_threads);
    tcase_add_test(tc, test_hll_strings_holding_redis_sketches);
    tcase_add_test(tc, test_hll_type_ops);
    tcase_add_test(tc, test_hll_save_load_round_trip_and_refuse_garbage);
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

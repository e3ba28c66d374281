/* test_sets_cmds.c -- sets.so's one-key commands on the fake SDK: SADD SREM SISMEMBER SMISMEMBER
 * SCARD SMEMBERS SPOP SRANDMEMBER SSCAN, member boxes, order, yields, errors, the type's ops,
 * and the glob matcher and rank sampler they use. */
#include <check.h>

#include "dk_check_fast.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"
#include "sets_sim.h"
#include <datakit/glob.h>
#include "modules/sets/register.h"
#include "modules/sets/sample.h"
#include "modules/sets/setobj.h"

#define WRONGTYPE "!WRONGTYPE Operation against a key holding the wrong kind of value"

static keel_type_id other_type;
static int other_obj = 7;
static void other_free(void *obj) {
    (void)obj;
}
static const keel_type_def other_def = {
    .size = sizeof(keel_type_def), .name = "other", .free = other_free};

static void setup(void) {
    sim_reset(false);
    ck_assert_int_eq(sets_register(fake_module()), KEEL_OK);
    const char *err = NULL;
    ck_assert_int_eq(keel_register_type(fake_module(), &other_def, &other_type, &err), KEEL_OK);
}

/* Adds members "<prefix>0" .. "<prefix>n-1" (or the integers 0 .. n-1 when prefix is NULL) to
 * key with one SADD. */
static void add_many(const char *key, const char *prefix, int n) {
    const char **argv = malloc(sizeof *argv * (size_t)(n + 2));
    char *text = malloc((size_t)n * 32);
    argv[0] = "SADD";
    argv[1] = key;
    for (int i = 0; i < n; i++) {
        snprintf(text + i * 32, 32, "%s%d", prefix ? prefix : "", i);
        argv[i + 2] = text + i * 32;
    }
    keel_op_result r;
    keel_proc *p = sim_run(100, &r, n + 2, argv);
    ck_assert_int_eq(r, KEEL_DONE);
    ck_assert_int_eq(fake_proc_reply(p)->v.i, n);
    fake_proc_free(p);
    free(argv);
    free(text);
}

/* Counts the comma-separated items of a "[...]" text (0 for "[]"). */
static int items(const char *text) {
    if (strcmp(text, "[]") == 0) return 0;
    int n = 1;
    for (const char *c = text; *c; c++)
        n += *c == ',';
    return n;
}

START_TEST(test_sets_sadd_srem_count_and_delete_the_emptied_key) {
    ck_assert_str_eq(SIM("SADD", "s", "a", "b", "a"), "2");
    ck_assert_str_eq(SIM("SADD", "s", "b", "c"), "1");
    ck_assert_str_eq(SIM("SCARD", "s"), "3");
    ck_assert_str_eq(SIM("SREM", "s", "a", "zz"), "1");
    ck_assert_str_eq(SIM("SREM", "nokey", "a"), "0");
    ck_assert_uint_eq(fake_key_count(), 1);
    ck_assert_str_eq(SIM("SREM", "s", "b", "c", "b"), "2");
    ck_assert_uint_eq(fake_key_count(), 0);
    ck_assert_str_eq(SIM("SCARD", "s"), "0");
    ck_assert_str_eq(SIM("SADD"), "!ERR wrong number of arguments for 'sadd' command");
}
END_TEST

START_TEST(test_sets_members_sorted_integers_by_value_then_bytes) {
    SIM("SADD", "s", "b", "10", "a", "2", "-5", "", "9223372036854775808");
    ck_assert_str_eq(SIM("SMEMBERS", "s"), "[-5,2,10,9223372036854775808,,a,b]");
    ck_assert_str_eq(SIM("SMEMBERS", "nokey"), "[]");
}
END_TEST

START_TEST(test_sets_members_keep_their_exact_bytes) {
    ck_assert_str_eq(SIM("SADD", "s", "1", "01", "1.0", "+1", "-0", " 1", "1"), "6");
    ck_assert_str_eq(SIM("SMEMBERS", "s"), "[1, 1,+1,-0,01,1.0]");
    ck_assert_str_eq(SIM("SISMEMBER", "s", "01"), "1");
    ck_assert_str_eq(SIM("SISMEMBER", "s", "001"), "0");
    ck_assert_str_eq(SIM("SMISMEMBER", "s", "1", "2", "-0", "1.0"), "[1,0,1,1]");
    ck_assert_str_eq(SIM("SMISMEMBER", "nokey", "1", "2"), "[0,0]");
}
END_TEST

START_TEST(test_sets_sadd_and_smembers_of_thousands_yield) {
    add_many("s", "m", 5000);
    ck_assert_int_gt(sim_yields(), 0);
    const char *all = SIM_BUDGET(50, "SMEMBERS", "s");
    ck_assert_int_gt(sim_yields(), 10);
    ck_assert_int_eq(items(all), 5000);
    ck_assert_msg(strncmp(all, "[m0,m1,m10,m100,m1000,m1001,", 28) == 0, "%.40s", all);
    ck_assert_str_eq(SIM("SCARD", "s"), "5000");
    add_many("i", NULL, 3000);
    all = SIM_BUDGET(50, "SMEMBERS", "i");
    ck_assert(strncmp(all, "[0,1,2,3,4,", 11) == 0);
    ck_assert_int_eq(items(all), 3000);
    ck_assert_str_eq(SIM_BUDGET(20, "SREM", "i", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "9");
}
END_TEST

START_TEST(test_sets_wrong_type_everywhere) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    ck_assert_int_eq(keel_key_store_object(p, "o", 1, other_type, &other_obj, 0), KEEL_OK);
    fake_proc_free(p);
    ck_assert_str_eq(SIM("SADD", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("SREM", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("SCARD", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("SISMEMBER", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("SMISMEMBER", "o", "a"), WRONGTYPE);
    ck_assert_str_eq(SIM("SMEMBERS", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("SPOP", "o"), WRONGTYPE);
    ck_assert_str_eq(SIM("SPOP", "o", "0"), WRONGTYPE);
    ck_assert_str_eq(SIM("SRANDMEMBER", "o", "2"), WRONGTYPE);
    ck_assert_str_eq(SIM("SSCAN", "o", "0"), WRONGTYPE);
    ck_assert_str_eq(SIM("SSCAN", "o", "x"), "!ERR invalid cursor");
}
END_TEST

START_TEST(test_sets_spop_and_srandmember_edges) {
    ck_assert_str_eq(SIM("SRANDMEMBER", "nokey"), "nil");
    ck_assert_str_eq(SIM("SRANDMEMBER", "nokey", "3"), "[]");
    ck_assert_str_eq(SIM("SPOP", "nokey"), "nil");
    ck_assert_str_eq(SIM("SPOP", "nokey", "3"), "[]");
    SIM("SADD", "s", "a", "b", "c");
    ck_assert_str_eq(SIM("SPOP", "s", "-1"), "!ERR value is out of range, must be positive");
    ck_assert_str_eq(SIM("SPOP", "s", "x"), "!ERR value is out of range, must be positive");
    ck_assert_str_eq(SIM("SPOP", "s", "1", "2"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SRANDMEMBER", "s", "x"), "!ERR value is not an integer or out of range");
    ck_assert_str_eq(SIM("SRANDMEMBER", "s", "-9223372036854775808"),
                     "!ERR value is out of range, value must between -9223372036854775807 and "
                     "9223372036854775807");
    ck_assert_str_eq(SIM("SPOP", "s", "0"), "[]");
    ck_assert_str_eq(SIM("SRANDMEMBER", "s", "0"), "[]");
    ck_assert_str_eq(SIM("SRANDMEMBER", "s", "10"), "[a,b,c]");
    const char *one = SIM("SRANDMEMBER", "s");
    ck_assert(strcmp(one, "a") == 0 || strcmp(one, "b") == 0 || strcmp(one, "c") == 0);
    const char *draws = SIM("SRANDMEMBER", "s", "-7");
    ck_assert_int_eq(items(draws), 7);
    ck_assert_str_eq(SIM("SPOP", "s", "3"), "[a,b,c]");
    ck_assert_uint_eq(fake_key_count(), 0);
    SIM("SADD", "s", "a");
    ck_assert_str_eq(SIM("SPOP", "s"), "a");
    ck_assert_uint_eq(fake_key_count(), 0);
}
END_TEST

/* Checks a "[...]" text of members m<i> is sorted as the set orders them, distinct, and of n
 * items; marks them in seen (when not NULL). */
static void check_sample(const char *text, int n, char *seen, int universe) {
    ck_assert_int_eq(items(text), n);
    char *copy = strdup(text + 1);
    copy[strlen(copy) - 1] = '\0';
    char last[32] = "";
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        fast_assert_msg(strcmp(last, tok) < 0, "not sorted or repeated: %s then %s", last, tok);
        snprintf(last, sizeof last, "%s", tok);
        int i = atoi(tok + 1);
        fast_assert(i >= 0 && i < universe);
        if (seen) {
            fast_assert_msg(!seen[i], "%s returned twice", tok);
            seen[i] = 1;
        }
    }
    free(copy);
}

START_TEST(test_sets_random_counts_are_distinct_sorted_and_spop_removes_them) {
    add_many("s", "m", 4000);
    check_sample(SIM_BUDGET(100, "SRANDMEMBER", "s", "10"), 10, NULL, 4000);
    check_sample(SIM_BUDGET(100, "SRANDMEMBER", "s", "1500"), 1500, NULL, 4000); /* bitmap */
    check_sample(SIM_BUDGET(100, "SRANDMEMBER", "s", "3900"), 3900, NULL, 4000); /* inverted */
    ck_assert_int_gt(sim_yields(), 0);
    char *seen = calloc(4000, 1);
    check_sample(SIM_BUDGET(100, "SPOP", "s", "5"), 5, seen, 4000);
    check_sample(SIM_BUDGET(100, "SPOP", "s", "1995"), 1995, seen, 4000);
    check_sample(SIM_BUDGET(100, "SPOP", "s", "1800"), 1800, seen, 4000);
    ck_assert_str_eq(SIM("SCARD", "s"), "200");
    check_sample(SIM_BUDGET(100, "SPOP", "s", "1000"), 200, seen, 4000);
    ck_assert_uint_eq(fake_key_count(), 0);
    for (int i = 0; i < 4000; i++)
        fast_assert_msg(seen[i], "m%d never popped", i);
    free(seen);
}
END_TEST

/* SSCANs key to the end with the options given; returns the members seen (comma-joined, in a
 * malloc'd string) and checks each page's size against count (+ extra). */
static char *scan_all(const char *key, const char *count, int extra, bool drain) {
    char cursor[32] = "0";
    size_t cap = 1 << 20, len = 0;
    char *all = calloc(cap, 1);
    int pages = 0;
    do {
        const char *t = SIM("SSCAN", key, cursor, "COUNT", count);
        const char *comma = strchr(t, ',');
        fast_assert_ptr_nonnull(comma);
        snprintf(cursor, sizeof cursor, "%.*s", (int)(comma - t - 1), t + 1);
        char page[8192];
        snprintf(page, sizeof page, "%.*s", (int)(strlen(comma + 2) - 2), comma + 2);
        fast_assert_int_le(items(comma + 1), atoi(count) + extra);
        if (page[0]) {
            len += (size_t)snprintf(all + len, cap - len, "%s%s", len ? "," : "", page);
            if (drain) {
                const char *argv[4096] = {"SREM", key};
                int argc = 2;
                char *copy = strdup(page);
                for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
                    argv[argc++] = tok;
                keel_op_result r;
                fake_proc_free(sim_run(1000, &r, argc, argv));
                free(copy);
            }
        }
        fast_assert_int_lt(++pages, 100000);
    } while (strcmp(cursor, "0") != 0);
    return all;
}

START_TEST(test_sets_sscan_walks_everything_in_pages) {
    add_many("s", "m", 300);
    add_many("s", NULL, 300);
    char *all = scan_all("s", "7", 1, false);
    ck_assert_int_eq(items(all), 600);
    char *members = strdup(SIM("SMEMBERS", "s"));
    ck_assert(strncmp(members + 1, all, strlen(all)) == 0);
    free(members);
    free(all);
    ck_assert_str_eq(SIM("SSCAN", "nokey", "0"), "[0,[]]");
    ck_assert_str_eq(SIM("SSCAN", "s", "0", "COUNT", "0"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SSCAN", "s", "0", "COUNT", "x"),
                     "!ERR value is not an integer or out of range");
    ck_assert_str_eq(SIM("SSCAN", "s", "0", "FOO", "1"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SSCAN", "s", "0", "MATCH"), "!ERR syntax error");
    ck_assert_str_eq(SIM("SSCAN", "s", "18446744073709551616"), "!ERR invalid cursor");
    ck_assert_str_eq(SIM("SSCAN", "s", " 1"), "!ERR invalid cursor");
    ck_assert_str_eq(SIM("SSCAN", "s", "0", "MATCH", "m29?", "COUNT", "1000"),
                     "[0,[m290,m291,m292,m293,m294,m295,m296,m297,m298,m299]]");
}
END_TEST

START_TEST(test_sets_sscan_then_srem_drains_without_skipping) {
    add_many("s", "member-", 500);
    add_many("s", NULL, 500);
    /* "member-2" and "member-3" (the same first 63 bits) open a page of 222 members */
    char *all = scan_all("s", "10", 222, true);
    ck_assert_uint_eq(fake_key_count(), 0);
    ck_assert_int_eq(items(all), 1000);
    free(all);
}
END_TEST

START_TEST(test_sets_sscan_keeps_members_sharing_eight_bytes_in_one_page) {
    add_many("s", "prefix00-", 50);
    SIM("SADD", "s", "a", "b");
    const char *t = SIM("SSCAN", "s", "0", "COUNT", "1");
    ck_assert_str_eq(t, "[12754194144713244673,[a]]");
    char *all = scan_all("s", "1", 50, false);
    ck_assert_int_eq(items(all), 52);
    free(all);
}
END_TEST

START_TEST(test_sets_type_ops) {
    SIM("SADD", "s", "3", "1", "2");
    keel_value v = {.size = sizeof v};
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    ck_assert_int_eq(keel_key_lookup(p, "s", 1, &v), KEEL_OK);
    const keel_type_def *t = fake_type(v.type);
    ck_assert_str_eq(t->name, "set");
    char text[128];
    t->describe(v.obj, text, sizeof text);
    ck_assert(strncmp(text, "set, 3 members, intset, ", 24) == 0);
    ck_assert_uint_gt(t->memory_usage(v.obj), 0);
    void *copy = t->copy(v.obj);
    ck_assert_uint_eq(dk_set_count(copy), 3);
    t->free(copy);
    t->to_reply(p, v.obj);
    sim_show(fake_proc_reply(p), text, sizeof text);
    ck_assert_str_eq(text, "[1,2,3]");
    fake_proc_free(p);
}
END_TEST

START_TEST(test_sets_glob_rules) {
#define M(PAT, S) dk_glob_match(PAT, strlen(PAT), S, strlen(S), false)
    ck_assert(M("*", ""));
    ck_assert(M("a*", "abc"));
    ck_assert(!M("a*", "bac"));
    ck_assert(M("*c", "abc"));
    ck_assert(M("a?c", "abc"));
    ck_assert(!M("a?c", "ac"));
    ck_assert(M("[abc]x", "bx"));
    ck_assert(!M("[^abc]x", "bx"));
    ck_assert(M("[a-c]x", "cx"));
    ck_assert(M("[c-a]x", "bx"));
    ck_assert(M("a\\*", "a*"));
    ck_assert(!M("a\\*", "ab"));
    ck_assert(M("*a*b*c*", "xxaxxbxxcxx"));
    ck_assert(!M("*a*b*c*", "xxaxxcxxbxx"));
    ck_assert(M("h[ae]llo", "hello"));
    ck_assert(!M("[", "[")); /* an unclosed class matches nothing, as in Redis */
    ck_assert(dk_glob_match("a?c", 3, "a\0c", 3, false));
#undef M
}
END_TEST

START_TEST(test_sets_sample_small_and_large) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    sets_sample s;
    uint64_t r, last = 0, n = 0;
    sets_sample_init(p, &s, 100, 10);
    while (!sets_sample_draw(p, &s))
        p->budget = 1000;
    for (; sets_sample_next(p, &s, &r); n++) {
        fast_assert(n == 0 || r > last);
        fast_assert_uint_lt(r, 100);
        last = r;
    }
    ck_assert_uint_eq(n, 10);
    sets_sample_init(p, &s, 100000, 99000);
    p->budget = 100;
    int rounds = 0;
    while (!sets_sample_draw(p, &s)) {
        p->budget = 100;
        rounds++;
    }
    ck_assert_int_gt(rounds, 5);
    for (n = 0; sets_sample_next(p, &s, &r); n++) {
        fast_assert(n == 0 || r > last);
        last = r;
    }
    ck_assert_uint_eq(n, 99000);
    fake_proc_free(p);
}
END_TEST

/* A set's save op and load: the same members back (the intset tier too); garbage refused. */
START_TEST(test_sets_save_load_round_trip_and_refuse_garbage) {
    add_many("ints", NULL, 1000);
    add_many("words", "w", 3000);
    const keel_type_def *def = fake_type(sets_type);
    const char *keys[] = {"ints", "words"};
    for (int k = 0; k < 2; k++) {
        keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
        dk_set *src = NULL;
        fast_assert_int_eq(sets_find(p, keys[k], strlen(keys[k]), &src), KEEL_OK);
        fake_proc_free(p);
        fast_assert_ptr_null(fake_type_roundtrip(sets_type, src));
        keel_sink *sink = fake_sink_new();
        fast_assert_int_eq(def->save(src, sink), KEEL_OK);
        size_t len;
        const uint8_t *bytes = fake_sink_bytes(sink, &len);
        const char *err = NULL;
        dk_set *back = def->load(bytes, len, &err);
        fast_assert_ptr_nonnull(back);
        fast_assert_uint_eq(dk_set_count(back), dk_set_count(src));
        fast_assert_int_eq(dk_set_is_intset(back), dk_set_is_intset(src));
        dk_iter a = dk_iter_at(0);
        dk_val m;
        while (dk_set_next(src, &a, &m))
            fast_assert(dk_set_contains(back, &m));
        def->free(back);
        fake_sink_free(sink);
    }
    const char *err = NULL;
    ck_assert_ptr_null(def->load("", 0, &err));
    /* the same member twice is a damaged file, not a set */
    uint8_t two[2 * DK_BOX_MAX_SCALAR];
    dk_val seven = dk_i64(7);
    size_t n = dk_box_pack(&seven, two);
    n += dk_box_pack(&seven, two + n);
    err = NULL;
    ck_assert_ptr_null(def->load(two, n, &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("sets_cmds");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sets_sadd_srem_count_and_delete_the_emptied_key);
    tcase_add_test(tc, test_sets_members_sorted_integers_by_value_then_bytes);
    tcase_add_test(tc, test_sets_members_keep_their_exact_bytes);
    tcase_add_test(tc, test_sets_sadd_and_smembers_of_thousands_yield);
    tcase_add_test(tc, test_sets_wrong_type_everywhere);
    tcase_add_test(tc, test_sets_spop_and_srandmember_edges);
    tcase_add_test(tc, test_sets_random_counts_are_distinct_sorted_and_spop_removes_them);
    tcase_add_test(tc, test_sets_sscan_walks_everything_in_pages);
    tcase_add_test(tc, test_sets_sscan_then_srem_drains_without_skipping);
    tcase_add_test(tc, test_sets_sscan_keeps_members_sharing_eight_bytes_in_one_page);
    tcase_add_test(tc, test_sets_type_ops);
    tcase_add_test(tc, test_sets_save_load_round_trip_and_refuse_garbage);
    tcase_add_test(tc, test_sets_glob_rules);
    tcase_add_test(tc, test_sets_sample_small_and_large);
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
